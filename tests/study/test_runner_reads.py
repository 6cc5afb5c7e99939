"""The study loop's storage reads (StudyRunner in-process, a fake launcher, real sqlite).

After each ask the loop needs the study's trials for the duplicate and surplus checks. A worker
alone on its study already holds them (read at the top of the loop); only when another worker
asked meanwhile is the storage read again.
"""

from __future__ import annotations

from types import SimpleNamespace

import optuna
from optuna.trial import TrialState

from sweeps.study.runner import StudyRunner
from sweeps.study.settings import StudySettings


def _runner(tmp_path, arguments: list[str], n_trials: int, name: str) -> StudyRunner:
    settings = StudySettings(sampler={"_target_": "optuna.samplers.RandomSampler", "seed": 0},
                             pruner={"_target_": "optuna.pruners.NopPruner"}, n_trials=n_trials, n_jobs=1,
                             storage=f"sqlite:///{tmp_path}/optuna.db", study_name=name)
    return StudyRunner(settings, arguments)


def _launch(batch: list[list[str]], first_job: int) -> list:
    return [SimpleNamespace(return_value=1.0) for _ in batch]


def test_a_lone_worker_reads_the_study_once_per_trial_and_still_never_repeats_a_point(tmp_path, monkeypatch):
    runner = _runner(tmp_path, ["x=choice(a,b,c)"], n_trials=3, name="lone")
    reads = []
    real = runner.study.get_trials
    monkeypatch.setattr(runner.study, "get_trials", lambda *a, **k: reads.append(1) or real(*a, **k))
    runner.run_worker(_launch)
    n_reads = len(reads)
    trials = runner.study.get_trials()
    complete = [t for t in trials if t.state == TrialState.COMPLETE]
    # Three points, three trials: duplicates drawn on the way were resampled, from the loop's own read.
    assert sorted(t.params["x"] for t in complete) == ["a", "b", "c"]
    assert all(t.user_attrs["fail_reason"].startswith("duplicate") for t in trials if t.state == TrialState.FAIL)
    assert n_reads == len(complete) + 1  # one read per loop (the last one stops it), none after ask


def test_an_ask_after_another_workers_ask_reads_again_and_yields_the_last_slot(tmp_path):
    runner = _runner(tmp_path, ["x=interval(0,1)"], n_trials=2, name="race")
    other = optuna.load_study(study_name="race", storage=runner.storage)
    other.ask({"x": optuna.distributions.FloatDistribution(0, 1)})   # a running trial of another worker
    known = list(runner.study.get_trials(deepcopy=False))            # the loop's read: 1 of 2 slots taken
    other.ask({"x": optuna.distributions.FloatDistribution(0, 1)})   # the other worker takes the last slot
    assert runner._ask(known) is None
    mine = runner.study.get_trials()[2]
    assert mine.state == TrialState.FAIL and mine.user_attrs["fail_reason"].startswith("surplus")
