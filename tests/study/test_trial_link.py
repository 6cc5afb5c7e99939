"""What sweeps' trainer reports to its trial each epoch (real sqlite storage)."""

import math

import optuna
import pytest

from sweeps.study.objective import ObjectiveMissing
from sweeps.study.storage import open_storage
from sweeps.study.trial_link import TrialReporter
from sweeps.training.loop import EpochReport


def _reported(tmp_path, direction: str, metric: str, values: list[float], name: str) -> list[float]:
    study = optuna.create_study(storage=open_storage(f"sqlite:///{tmp_path}/optuna.db"), study_name=name,
                                direction=direction)
    trial = study.ask()
    reporter = TrialReporter(trial, metric, (direction,))
    for epoch, value in enumerate(values, start=1):
        reporter.on_epoch_end(EpochReport(epoch, {"val/acc": value, "val/loss": value, "train/loss": 0.5}, None))
    stored = study.trials[trial.number].intermediate_values
    return [stored[epoch] for epoch in sorted(stored)]


def test_best_metric_reports_the_running_best_in_the_study_direction(tmp_path) -> None:
    assert _reported(tmp_path, "maximize", "best/val/acc", [0.70, 0.65, 0.72, 0.71], "up") == [0.70, 0.70, 0.72, 0.72]
    assert _reported(tmp_path, "minimize", "best/val/loss", [0.50, 0.55, 0.40, 0.45], "down") == [0.50, 0.50, 0.40, 0.40]


def test_plain_metric_reports_each_epoch(tmp_path) -> None:
    assert _reported(tmp_path, "maximize", "val/acc", [0.70, 0.65, 0.72], "raw") == [0.70, 0.65, 0.72]


def test_a_nan_epoch_does_not_erase_the_best(tmp_path) -> None:
    assert _reported(tmp_path, "maximize", "best/val/acc", [0.7, math.nan, 0.8], "nan") == [0.7, 0.7, 0.8]


def test_an_objective_the_run_never_logs_stops_at_the_first_epoch(tmp_path) -> None:
    study = optuna.create_study(direction="maximize")
    reporter = TrialReporter(study.ask(), "val/accuracy", ("maximize",))
    with pytest.raises(ObjectiveMissing, match="'val/accuracy'.*val/acc"):
        reporter.on_epoch_end(EpochReport(1, {"val/acc": 0.7, "train/loss": 0.5}, None))
