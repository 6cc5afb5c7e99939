"""Trainer callback that streams each epoch to MLflow."""

from __future__ import annotations

import numpy as np
import torch

from sweeps.analysis.inputs import DegenerateInput
from sweeps.tracking.mlflow_run import MlflowRun
from sweeps.tracking.optional_steps import optional_step
from sweeps.tracking.plots import confusion_figure, decision_boundary_figure, figure_to_array
from sweeps.training.loop import EpochReport


class MlflowEpochLogger:
    """One ``log_batch`` per epoch for the curves and the sampled per-step metrics, plus the
    validation confusion matrix image (``log_image`` with ``step`` so the MLflow UI's step
    slider shows it evolve)."""

    def __init__(self, run: MlflowRun, class_names: list[str], confusion_every: int = 1) -> None:
        self.run, self.class_names, self.confusion_every = run, class_names, confusion_every

    def on_epoch_end(self, report: EpochReport) -> None:
        self.run.log_metrics({**report.metrics, "epoch": report.epoch}, step=report.epoch,
                             extra=report.step_metrics)
        if self.confusion_every and report.epoch % self.confusion_every == 0:
            fig = confusion_figure(report.evaluation.metrics["confusion"], self.class_names,
                                   f"validation, epoch {report.epoch}")
            self.run.log_image(figure_to_array(fig), key="val_confusion", step=report.epoch)


class DecisionBoundaryLogger:
    """For 2-D inputs: the model's decision surface as an image per epoch (``log_image`` with ``step``).

    Optional: a surface that cannot be drawn (a diverged model's NaN predictions) skips the image
    from then on, with the reason recorded once (``sweeps.skipped.decision_boundary``)."""

    def __init__(self, run: MlflowRun, model: torch.nn.Module, x: np.ndarray, y: np.ndarray, every: int = 1) -> None:
        self.run, self.model, self.x, self.y, self.every = run, model, x, y, max(1, every)
        self.skipped = False

    @torch.no_grad()
    def _predict(self, grid: np.ndarray) -> np.ndarray:
        was_training = self.model.training
        self.model.eval()
        logits = self.model(torch.from_numpy(grid))
        self.model.train(was_training)
        if not torch.isfinite(logits).all():
            raise DegenerateInput("the model's outputs hold NaN or inf (a diverged model?)")
        if logits.dim() == 1:
            return torch.sigmoid(logits).numpy()
        return logits.argmax(dim=-1).float().numpy()

    def on_epoch_end(self, report: EpochReport) -> None:
        if self.skipped or not (report.epoch % self.every == 0 or report.epoch == 1):
            return
        self.skipped = True  # until the image is logged
        with optional_step(self.run, "decision_boundary"):
            fig = decision_boundary_figure(self._predict, self.x, self.y, f"epoch {report.epoch}")
            self.run.log_image(figure_to_array(fig), key="decision_boundary", step=report.epoch)
            self.skipped = False
