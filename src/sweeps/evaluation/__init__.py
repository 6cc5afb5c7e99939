"""Classification metrics computed from predictions."""

from sweeps.evaluation.metrics import classification_metrics

__all__ = ["classification_metrics"]
