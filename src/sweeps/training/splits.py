"""A features split as the trainer's input: pooled vectors, padded token ids, or CSR bags."""

from __future__ import annotations

import numpy as np
import torch

from sweeps.features import Features
from sweeps.models.bags import BagSplit
from sweeps.training.loop import TensorSplit


def tensor_split(features: Features, name: str) -> TensorSplit | BagSplit:
    """Split ``name`` (``train``, ``val`` or ``test``) of ``features`` as torch tensors sharing
    memory with the NumPy arrays: a :class:`BagSplit` for trainable-embedding bags, else a
    :class:`TensorSplit` of pooled vectors (N, D) or of token ids (N, T) with their lengths (N,).
    Labels are int64 (N,). Raises ``AttributeError`` for an unknown split name."""
    split = features.split(name)
    labels = torch.from_numpy(split.labels.astype(np.int64))
    if split.bag_ids is not None:
        return BagSplit(torch.from_numpy(split.bag_ids), torch.from_numpy(split.bag_offsets),
                        torch.from_numpy(split.bag_weights), labels)
    if split.pooled is not None:
        return TensorSplit(torch.from_numpy(split.pooled), labels)
    return TensorSplit(torch.from_numpy(split.ids), labels, torch.from_numpy(split.lengths))
