"""Inputs from a dataset of the user's (``data=dataset``: ``sweeps.data.UserDataset``): any map-style
``torch.utils.data.Dataset`` of ``(x, y)`` pairs, or a pair of arrays ``(X, y)``.

The dataset is built from ``data.dataset`` (a ``_target_`` node), read once into arrays (fine for
the small and medium data this is meant for: every item is held in memory), and split like text
data: stratified train/val/test by ``data.split_seed``, ``data.subset`` drawn from the training
split. Class names come from ``data.classes``, else the dataset's ``classes`` attribute
(torchvision's convention), else the sorted label values.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from hydra.utils import instantiate
from omegaconf import DictConfig

from sweeps.data.splits import split_indices, stratified_subset
from sweeps.errors import DataError
from sweeps.features.build import FeatureSplit, Features


def _as_arrays(built: Any) -> tuple[np.ndarray, np.ndarray]:
    """(X, y) of a pair of arrays or of every item of a map-style dataset, in index order."""
    if isinstance(built, tuple) and len(built) == 2 and all(hasattr(a, "shape") for a in built):
        x, y = built  # (X, y) arrays or tensors
    else:
        try:
            items = [built[i] for i in range(len(built))]
        except TypeError as exc:
            raise DataError(f"data.dataset built a {type(built).__name__}, not a map-style dataset of (x, y) "
                            f"pairs or a pair of arrays (X, y): {exc}") from None
        if not items:
            raise DataError("data.dataset is empty")
        try:
            x = np.stack([np.asarray(item[0].numpy() if isinstance(item[0], torch.Tensor) else item[0]) for item in items])
            y = np.asarray([item[1].item() if isinstance(item[1], torch.Tensor) else item[1] for item in items])
        except (TypeError, ValueError, IndexError) as exc:
            raise DataError(f"data.dataset: items must be (x, y) pairs with x of one shape ({exc})") from None
    x = x.numpy() if isinstance(x, torch.Tensor) else np.asarray(x)
    y = y.numpy() if isinstance(y, torch.Tensor) else np.asarray(y)
    if x.dtype.kind not in "fiub":
        raise DataError(f"data.dataset: inputs must be numbers, got dtype {x.dtype}")
    if len(x) != len(y):
        raise DataError(f"data.dataset: {len(x)} inputs but {len(y)} labels")
    return x.astype(np.float32), y


def _labels(y: np.ndarray, names: list[str] | None) -> tuple[np.ndarray, list[str]]:
    """Labels as 0..K-1 and the class names in that order."""
    values = sorted(set(y.tolist()))
    if names and all(isinstance(v, (int, np.integer)) and 0 <= v < len(names) for v in values):
        return y.astype(np.int64), [str(n) for n in names]  # integer labels index the names
    if names:
        position = {str(n): i for i, n in enumerate(names)}
        unknown = sorted({str(v) for v in values} - set(position))
        if unknown:
            raise DataError(f"data.dataset: labels {unknown[:5]} are not in data.classes {list(names)}")
        return np.asarray([position[str(v)] for v in y.tolist()], np.int64), [str(n) for n in names]
    index = {v: i for i, v in enumerate(values)}
    return np.asarray([index[v] for v in y.tolist()], np.int64), [str(v) for v in values]


def dataset_features(cfg: DictConfig) -> Features:
    """Stratified splits of the dataset ``cfg.data.dataset`` builds, its inputs as they come.

    Raises:
        DataError: the dataset is empty, its items are not ``(x, y)`` pairs of one shape, its
            labels are not in ``data.classes``, or a class is too small to split.
    """
    built = instantiate(cfg.data.dataset, _convert_="all")
    x, y = _as_arrays(built)
    names = list(cfg.data.classes) if cfg.data.classes else getattr(built, "classes", None)
    labels, class_names = _labels(y, list(names) if names is not None else None)
    train, val, test = split_indices(labels, cfg.data.val_fraction, cfg.data.test_fraction, cfg.data.split_seed,
                                     class_names=class_names, origin="data.dataset")
    if cfg.data.subset is not None:
        train = stratified_subset(train, labels, cfg.data.subset, cfg.data.split_seed)
    splits = {name: FeatureSplit(labels=labels[idx], pooled=x[idx]) for name, idx in
              (("train", train), ("val", val), ("test", test))}
    return Features(**splits, class_names=class_names, input_dim=int(np.prod(x.shape[1:])),
                    input_shape=tuple(int(d) for d in x.shape[1:]))
