"""What a run's inputs step and fit step hand to its recording steps, for every kind of model.

:func:`sweeps.app.train` records a network trained by sweeps' loop and an estimator fitted in one
call (``model=logreg_tfidf``) by the same steps; these two values are all those steps read, so
both kinds carry the same tags, params, ``data/*`` metrics, final metrics and artifacts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sweeps.training.loop import Evaluation, FitResult


@dataclass
class RunInputs:
    """What every run records about its data before it fits.

    ``summary``: the step-0 metrics (``data/*`` sizes, class count, OOV rates and the input checks
    ``data/inputs_*`` that apply to the layout; ``time/*`` seconds; ``embeddings/*``). ``warning``:
    the uninformative-inputs line, "" when the inputs look fine.
    """

    class_names: list[str]
    summary: dict[str, float]
    warning: str
    test_labels: np.ndarray  # (N_test,) int64
    test_texts: list[str] | None  # raw test documents, for the error analysis

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def data_metrics(self) -> dict[str, float]:
        """The ``data/*`` part of :attr:`summary`: what the diagnoser reads back (sizes, input checks)."""
        return {k: v for k, v in self.summary.items() if k.startswith("data/")}


@dataclass
class FitOutcome:
    """The fit and the kept model's scores: ``fit.history`` holds one metrics dict per epoch (an
    estimator's single fit is epoch 1), ``test`` the kept model on the test split, ``train_acc``
    its accuracy on the training split in eval mode, ``parameters`` its trainable weights, and
    ``test_doc_oov`` (N_test,) each test document's share of tokens the model has no input for."""

    fit: FitResult
    test: Evaluation
    train_acc: float
    parameters: int
    test_doc_oov: np.ndarray | None

    def final_metrics(self) -> dict[str, float]:
        """The end-of-run metrics every run logs and returns (``test/*``, ``best/*``, ``final/*``)."""
        fit, test = self.fit, self.test
        best = fit.history[fit.best_epoch - 1] if fit.best_epoch > 0 else fit.history[-1]
        return {
            "test/loss": test.loss, "test/acc": test.metrics["acc"], "test/precision": test.metrics["precision"],
            "test/recall": test.metrics["recall"], "test/f1": test.metrics["f1"],
            "best/val/loss": best["val/loss"], "best/val/acc": best["val/acc"],
            "best_epoch": fit.best_epoch, "stopped_epoch": fit.stopped_epoch, "time/train_s": fit.train_time_s,
            # Training-set accuracy of the kept model in eval mode (no dropout): "did it fit?"
            "final/train/acc": self.train_acc, "model/parameters": float(self.parameters),
        }
