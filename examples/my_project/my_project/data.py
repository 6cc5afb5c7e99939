"""A dataset of the user's: scikit-learn's bundled 8x8 handwritten digits (1,797 images, 10 classes)."""

from __future__ import annotations

import numpy as np
import torch
from sklearn.datasets import load_digits
from torch.utils.data import Dataset


class Digits(Dataset):
    """Map-style dataset of ``(image, label)``: image (1, 8, 8) float32 in [0, 1], label 0..9.

    ``classes`` (torchvision's convention) names the labels in MLflow's confusion matrices.
    """

    classes = [str(d) for d in range(10)]

    def __init__(self) -> None:
        bunch = load_digits()
        self.images = torch.from_numpy((bunch.images / 16.0).astype(np.float32)).unsqueeze(1)  # (N, 1, 8, 8)
        self.labels = torch.from_numpy(bunch.target.astype(np.int64))

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.images[index], self.labels[index]
