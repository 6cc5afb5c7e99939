"""The running job's side of a trial: report each epoch, obey the pruner, keep a heartbeat.

The sweeper hands a job its trial through config (``optuna_trial.*``), not through Python
objects, so the same code works when the job runs in another process or on another machine
(submitit): the job reopens the study from the shared storage.
"""

from __future__ import annotations

import math
import os
import socket
import threading
import time

import optuna

from sweeps.diagnosis.pruner import ALARM_ATTR
from sweeps.study.samplers import build_pruner
from sweeps.study.storage import open_storage
from sweeps.training.loop import EpochReport, StopTraining

HEARTBEAT_ATTR = "sweeps.heartbeat"
PRUNER_ATTR = "sweeps.pruner"


class Heartbeat:
    """Stamps the trial every ``interval`` seconds so a sweeper can tell a dead trial from a slow one."""

    def __init__(self, storage, trial_id: int, interval: float) -> None:
        self.storage, self.trial_id, self.interval = storage, trial_id, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="sweeps-heartbeat", daemon=True)

    def _beat(self) -> None:
        while not self._stop.is_set():
            try:
                self.storage.set_trial_user_attr(self.trial_id, HEARTBEAT_ATTR, time.time())
            except Exception:
                pass  # a missed beat only makes the trial look older; the next one catches up
            self._stop.wait(self.interval)

    def __enter__(self) -> "Heartbeat":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


class TrialReporter:
    """Trainer callback: reports ``metric`` per epoch to the trial and stops training when pruned.

    ``best/<metric>`` reports the best ``<metric>`` so far (in the study's direction): what a
    ``best/...`` objective would be if the trial stopped at this epoch, since a run keeps its best
    epoch's weights. The pruner then compares trials on the number the study optimizes, not on
    one noisy epoch, and a pruned trial's last value ranks it among complete ones for the sampler.
    """

    def __init__(self, storage_url: str, study_name: str, trial_number: int, metric: str) -> None:
        self.storage = open_storage(storage_url)
        study_id = self.storage.get_study_id_from_name(study_name)
        spec = self.storage.get_study_user_attrs(study_id).get(PRUNER_ATTR, {"name": "none", "options": {}})
        self.study = optuna.load_study(study_name=study_name, storage=self.storage,
                                       pruner=build_pruner(spec["name"], spec["options"]))
        self.trial_id = self.storage.get_trial_id_from_study_id_trial_number(study_id, trial_number)
        self.trial = optuna.trial.Trial(self.study, self.trial_id)
        self.running_best = metric.startswith("best/")
        self.metric = metric.removeprefix("best/")
        directions = self.study.directions  # a storage read: once per trial, not every epoch
        self.multi_objective = len(directions) > 1
        self.better = max if directions[0] == optuna.study.StudyDirection.MAXIMIZE else min
        self.best = math.nan

    def on_run_start(self, run_id: str) -> None:
        """Store the MLflow run id on the trial, so each can be found from the other."""
        self.trial.set_user_attr("mlflow_run_id", run_id)
        self.trial.set_user_attr("worker", f"{socket.gethostname()}:{os.getpid()}")

    def on_epoch_end(self, report: EpochReport) -> None:
        if self.multi_objective:
            return  # Optuna cannot prune multi-objective trials
        value = report.metrics.get(self.metric, math.nan)
        if not math.isfinite(report.metrics.get("train/loss", 0.0)):
            value = math.nan  # diverged: always pruned
        elif self.running_best:
            value = self._running_best(value)
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
