"""Model inputs from token splits and word vectors: pooled vectors or padded token ids."""

from sweeps.features.build import FeatureSplit, Features, prepare_features

__all__ = ["FeatureSplit", "Features", "prepare_features"]
