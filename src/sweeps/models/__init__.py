"""Torch models: poolers over word vectors and the MLP classifier head."""

from sweeps.models.classifier import TextClassifier, build_model, num_outputs
from sweeps.models.pooling import AttentionPooling

__all__ = ["AttentionPooling", "TextClassifier", "build_model", "num_outputs"]
