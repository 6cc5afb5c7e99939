"""Precision, recall, F1 and support of every class."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sweeps.evaluation.metrics import confusion_matrix, per_class_scores


def per_class_table(labels: np.ndarray, preds: np.ndarray, class_names: list[str]) -> pd.DataFrame:
    scores = per_class_scores(confusion_matrix(labels, preds, len(class_names)))
    return pd.DataFrame({"class": class_names, **scores})
