"""Accuracy, precision/recall/F1 and the confusion matrix, from labels and predictions.

Computed from the confusion matrix in NumPy, with sklearn's conventions (binary tasks score
label 1, multi-class tasks the unweighted mean over the classes present in the split's labels,
0 where a ratio is undefined): a class with no row in the split has no score to average in;
tests check it against ``sklearn.metrics``. Every epoch's validation pass calls this, and
importing sklearn for it cost each process over a second before the first trial started.
"""

from __future__ import annotations

import numpy as np


def confusion_matrix(labels: np.ndarray, preds: np.ndarray, num_classes: int) -> np.ndarray:
    """(K, K) counts; rows are true labels, columns predictions."""
    index = np.asarray(labels, np.int64) * num_classes + np.asarray(preds, np.int64)
    return np.bincount(index, minlength=num_classes * num_classes).reshape(num_classes, num_classes)


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    return np.divide(numerator, denominator, out=np.zeros(len(numerator)), where=denominator > 0)


def per_class_scores(confusion: np.ndarray) -> dict[str, np.ndarray]:
    """Precision, recall, F1 and support of each class, from a confusion matrix."""
    true_pos = np.diag(confusion).astype(np.float64)
    predicted, actual = confusion.sum(axis=0), confusion.sum(axis=1)
    return {"precision": _ratio(true_pos, predicted), "recall": _ratio(true_pos, actual),
            "f1": _ratio(2 * true_pos, predicted + actual), "support": actual}


def classification_metrics(labels: np.ndarray, preds: np.ndarray, num_classes: int) -> dict:
    """Binary tasks report the positive class (label 1); multi-class tasks the macro average over
    the classes that have rows in ``labels``."""
    confusion = confusion_matrix(labels, preds, num_classes)
    scores = per_class_scores(confusion)
    present = scores["support"] > 0
    if not present.any():
        present[:] = True
    pick = (lambda v: v[1]) if num_classes == 2 else (lambda v: v[present].mean())
    return {
        "acc": float(np.mean(labels == preds)) if len(labels) else float("nan"),
        "precision": float(pick(scores["precision"])),
        "recall": float(pick(scores["recall"])),
        "f1": float(pick(scores["f1"])),
        "confusion": confusion,
    }
