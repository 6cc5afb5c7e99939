"""``DiagnosisPruner`` with real Optuna studies: an alarm stored on the trial prunes it at once, even
when its value beats the median; without one the inner pruner decides. The alarm travels through
the storage alone, as it does between a job's process and the sweeper's."""

from __future__ import annotations

import numpy as np
import optuna
import pytest

from sweeps.diagnosis.pruner import ALARM_ATTR, DiagnosisPruner
from sweeps.study.trial_link import TrialReporter
from sweeps.training import EpochReport, Evaluation
from sweeps.training.loop import StopTraining

optuna.logging.set_verbosity(optuna.logging.WARNING)


def _study(storage: str | None = None, name: str = "s") -> optuna.Study:
    pruner = DiagnosisPruner(optuna.pruners.MedianPruner(n_startup_trials=2, n_warmup_steps=0))
    return optuna.create_study(study_name=name, storage=storage, direction="maximize", pruner=pruner,
                               load_if_exists=True)


def _with_finished_trials(study: optuna.Study) -> optuna.Study:
    for value in (0.5, 0.6):
        trial = study.ask()
        trial.report(value, 1)
        study.tell(trial, value)
    return study


def test_an_alarm_prunes_a_trial_whose_value_beats_the_median():
    study = _with_finished_trials(_study())
    trial = study.ask()
    trial.report(0.9, 1)  # the best value so far: the median pruner alone keeps it
    assert not trial.should_prune()
    trial.set_user_attr(ALARM_ATTR, "exploding_gradients")
    assert trial.should_prune()


def test_without_an_alarm_the_inner_pruner_decides():
    study = _with_finished_trials(_study())
    worse = study.ask()
    worse.report(0.1, 1)  # below the median of 0.5 and 0.6
    assert worse.should_prune()
    # Before the inner pruner's start-up trials have finished, nothing is pruned without an alarm.
    fresh = _study()
    early = fresh.ask()
    early.report(0.0, 1)
    assert not early.should_prune()
    early.set_user_attr(ALARM_ATTR, "diverged")
    assert early.should_prune()
    # An empty alarm is no alarm.
    other = fresh.ask()
    other.report(0.0, 1)
    other.set_user_attr(ALARM_ATTR, "")
    assert not other.should_prune()


def test_the_alarm_is_read_through_the_storage_by_another_study_object(tmp_path):
    storage = f"sqlite:///{tmp_path}/optuna.db"
    job_side = _with_finished_trials(_study(storage))
    trial = job_side.ask()
    trial.report(0.9, 1)
    trial.set_user_attr(ALARM_ATTR, "vanishing_gradients")
    # The sweeper's side: its own study object and pruner, loaded from the same storage.
    sweeper_side = _study(storage)
    [running] = [t for t in sweeper_side.get_trials(deepcopy=False) if t.state == optuna.trial.TrialState.RUNNING]
    assert sweeper_side.pruner.prune(sweeper_side, running)
    assert not sweeper_side.pruner.inner.prune(sweeper_side, running)  # the alarm, not the median, pruned it


def _report(epoch: int, val_acc: float, alarm: str | None = None) -> EpochReport:
    evaluation = Evaluation(0.5, {}, np.zeros(2), np.zeros(2, dtype=int))
    return EpochReport(epoch, {"val/acc": val_acc}, evaluation, alarm_label=alarm)


def test_a_trainers_alarm_reaches_the_pruner_and_stops_training(tmp_path):
    study = _with_finished_trials(_study(f"sqlite:///{tmp_path}/optuna.db"))
    trial = study.ask()
    reporter = TrialReporter(trial, "val/acc", ("maximize",))
    reporter.on_epoch_end(_report(1, 0.9))  # healthy and above the median: trains on
    with pytest.raises(StopTraining):
        reporter.on_epoch_end(_report(2, 0.9, alarm="exploding_gradients"))
    stored = study.trials[-1]
    assert stored.user_attrs[ALARM_ATTR] == "exploding_gradients" and stored.intermediate_values == {1: 0.9, 2: 0.9}
