"""Diagnosis during training: an alarm the epoch divergence, exploding or vanishing gradients
appear, and the full diagnosis recorded when the run ends."""

from __future__ import annotations

import logging

from omegaconf import DictConfig

from sweeps.diagnosis.diagnoser import live_alarm
from sweeps.training.loop import EpochReport

log = logging.getLogger("sweeps.diagnosis")

# Put into the epoch's metrics when an alarm fires, so a study's reporter (and the diagnosis
# pruner) can act on it in the same epoch.
ALARM_METRIC = "diagnosis/alarm"


class LiveDiagnosis:
    """Trainer callback; must run before the study's trial reporter in the callback list."""

    def __init__(self, cfg: DictConfig, num_classes: int, run=None) -> None:
        self.cfg, self.num_classes, self.run = cfg, num_classes, run
        self.history: list[dict[str, float]] = []
        self.alarm = None

    def on_epoch_end(self, report: EpochReport) -> None:
        self.history.append(dict(report.metrics))
        if self.alarm is not None:
            report.metrics[ALARM_METRIC] = 1.0
            return
        found = live_alarm(self.history, self.cfg, self.num_classes)
        if found is None:
            return
        self.alarm = found
        report.metrics[ALARM_METRIC] = 1.0
        report.alarm_label = found.label
        log.warning("diagnosis alarm at epoch %d: %s (%s)", report.epoch, found.label, found.evidence())
        if self.run is not None:
            self.run.set_tags({"diagnosis.alarm": found.label, "diagnosis.alarm_epoch": report.epoch})
