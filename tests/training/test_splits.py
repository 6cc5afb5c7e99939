"""``sweeps.training.splits``: a features split as the trainer's tensors, sharing memory."""

from __future__ import annotations

import numpy as np
import torch

from sweeps.config import compose_config
from sweeps.features import prepare_features
from sweeps.training import TensorSplit
from sweeps.training.splits import tensor_split


def test_pooled_toy_features_become_a_tensor_split_of_the_same_numbers():
    features = prepare_features(compose_config(["data=xor"]))
    for name in ("train", "val", "test"):
        split = tensor_split(features, name)
        source = features.split(name)
        assert isinstance(split, TensorSplit) and len(split) == len(source.labels)
        assert split.labels.dtype == torch.int64 and np.array_equal(split.labels.numpy(), source.labels)
        # The same memory as the NumPy array: no copy of a large feature matrix per split.
        assert np.shares_memory(split.inputs.numpy(), source.pooled)
