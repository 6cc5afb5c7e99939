"""Accuracy, precision/recall/F1 and the confusion matrix, from labels and predictions."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support


def classification_metrics(labels: np.ndarray, preds: np.ndarray, num_classes: int) -> dict:
    """Binary tasks report the positive class (label 1); multi-class tasks the macro average."""
    classes = list(range(num_classes))
    average = "binary" if num_classes == 2 else "macro"
    precision, recall, f1, _ = precision_recall_fscore_support(
        labels, preds, labels=classes if average == "macro" else None, average=average, zero_division=0)
    return {
        "acc": float(np.mean(labels == preds)) if len(labels) else float("nan"),
        "precision": float(precision),
        "recall": float(recall),
        "f1": float(f1),
        "confusion": confusion_matrix(labels, preds, labels=classes),
    }
