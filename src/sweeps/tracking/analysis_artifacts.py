"""End-of-run analysis artifacts, shared by the networks and the TF-IDF baseline."""

from __future__ import annotations

import numpy as np

from sweeps.analysis import analyse_errors, per_class_table
from sweeps.tracking.mlflow_run import MlflowRun
from sweeps.tracking.optional_steps import optional_step
from sweeps.tracking.plots import confusion_figure


def confidence_of(probs: np.ndarray) -> np.ndarray:
    """Probability of the predicted class, from P(class 1) (binary) or (N, K) probabilities."""
    return np.maximum(probs, 1 - probs) if probs.ndim == 1 else probs.max(axis=1)


def log_prediction_analysis(run: MlflowRun, class_names: list[str], labels: np.ndarray, preds: np.ndarray,
                            probs: np.ndarray, confusion: np.ndarray, texts: list[str] | None,
                            doc_oov: np.ndarray | None, errors: bool = True, figures: bool = True) -> None:
    """Confusion matrix (counts and row-normalised), per-class scores and, with the texts, the
    error analysis (``analysis/errors.md`` reads without code). ``figures=False`` keeps the
    numbers and skips the image (about 0.1 s of matplotlib each). The image, the per-class table
    and the error analysis are optional steps: one that fails is skipped with a recorded reason."""
    rates = confusion / confusion.sum(axis=1, keepdims=True).clip(min=1)
    run.log_dict({"labels": class_names, "matrix": confusion.tolist(), "normalized": rates.round(4).tolist()},
                 "test_confusion_matrix.json")
    if figures:
        with optional_step(run, "confusion_figure"):
            run.log_figure(confusion_figure(confusion, class_names, "test (best epoch)"), "test_confusion_matrix.png")
    with optional_step(run, "per_class_table"):
        run.log_text(per_class_table(labels, preds, class_names).to_csv(index=False, float_format="%.4f"),
                     "analysis/per_class.csv")
    if not errors or texts is None:
        return
    with optional_step(run, "error_analysis"):
        analysis = analyse_errors(texts, labels, preds, confidence_of(probs), class_names, doc_oov)
        run.log_text(analysis.categories.to_csv(index=False, float_format="%.4f"), "analysis/error_categories.csv")
        run.log_text(analysis.mistakes.to_csv(index=False, float_format="%.4f"), "analysis/confident_mistakes.csv")
        run.log_text(analysis.markdown("Errors on the test split"), "analysis/errors.md")
        run.log_metrics({f"errors/{row.category}/rate": row.error_rate
                         for row in analysis.categories.itertuples() if row.documents}, step=0)
