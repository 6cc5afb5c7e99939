"""sweeps' own app inside a sweep: report each epoch to the trial and obey its pruner.

The trial is the real ``optuna.trial.Trial`` the job wrapper made available
(:func:`sweeps.study.current_trial`), bound to the study and its configured pruner: the same
pruner object as the sweeper's when the job runs in-process, the same configuration otherwise.
"""

from __future__ import annotations

import math

import optuna

from sweeps.diagnosis.pruner import ALARM_ATTR
from sweeps.study.objective import ObjectiveMissing
from sweeps.training.loop import EpochReport, StopTraining


class TrialReporter:
    """Trainer callback: reports ``metric`` per epoch to the trial and stops training when pruned.

    ``best/<metric>`` reports the best ``<metric>`` so far (in the study's direction): what a
    ``best/...`` objective would be if the trial stopped at this epoch, since a run keeps its best
    epoch's weights. The pruner then compares trials on the number the study optimizes, not on
    one noisy epoch, and a pruned trial's last value ranks it among complete ones for the sampler.

    Raises (from ``on_epoch_end``):
        ObjectiveMissing: the first epoch's metrics lack ``metric``: no trial could ever report it.
    """

    def __init__(self, trial: optuna.trial.Trial, metric: str, directions: tuple[str, ...]) -> None:
        self.trial = trial
        self.running_best = metric.startswith("best/")
        self.name, self.metric = metric, metric.removeprefix("best/")
        self.multi_objective = len(directions) > 1
        self.better = max if directions[0].lower() == "maximize" else min
        self.best = math.nan

    def on_run_start(self, run_id: str) -> None:
        """Store the MLflow run id on the trial, so each can be found from the other."""
        self.trial.set_user_attr("mlflow_run_id", run_id)

    def on_epoch_end(self, report: EpochReport) -> None:
        if self.metric not in report.metrics:
            raise ObjectiveMissing(f"'{self.name}' (hydra.sweeper.report_metric, else the objective) is not a metric "
                                   f"this run logs each epoch: {', '.join(sorted(report.metrics))}")
        if self.multi_objective:
            return  # Optuna cannot prune multi-objective trials
        value = report.metrics[self.metric]
        if self.running_best:
            value = self._running_best(value)
        if math.isfinite(value):  # a diverged epoch stops the run by itself
            self.trial.report(value, report.epoch)
        if report.alarm_label:
            # Read by the diagnosis pruner through the storage, like every other trial state.
            self.trial.set_user_attr(ALARM_ATTR, report.alarm_label)
        if self.trial.should_prune():
            raise StopTraining("pruned")

    def _running_best(self, value: float) -> float:
        if math.isfinite(value):
            self.best = value if math.isnan(self.best) else self.better(self.best, value)
        return self.best
