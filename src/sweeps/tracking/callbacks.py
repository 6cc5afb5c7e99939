"""Trainer callback that streams each epoch to MLflow."""

from __future__ import annotations

from sweeps.tracking.mlflow_run import MlflowRun
from sweeps.tracking.plots import confusion_figure, figure_to_array
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
