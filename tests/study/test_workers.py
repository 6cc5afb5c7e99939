"""Parallel workers on one storage: exactly n_trials, nothing run twice.

The commands run the entry point in this process (``app``); the workers they start (``n_jobs``,
submitit) are real processes, and the two commands started at once are two real processes."""

from __future__ import annotations

import optuna
from optuna.trial import TrialState

from tests.conftest import mlflow_runs, run_cli, small_overrides

SPACE = ["optimizer.lr=tag(log,interval(1e-3,1e-1))", "model.dropout=interval(0,0.5)"]
# Two epochs a trial: these tests check how workers share a study, not what a trial learns.
SHORT = ["trainer.max_epochs=2"]


def _finished(trials):
    return [t for t in trials if t.state in (TrialState.COMPLETE, TrialState.PRUNED)]


def test_n_jobs_2_on_sqlite_finishes_exactly_n_trials_without_duplicates(tmp_path, tiny_csv, app):
    done = app(["-m", *small_overrides(tmp_path / "runs", tiny_csv), *SPACE, *SHORT, "hydra.sweeper.n_trials=4",
                "hydra.sweeper.n_jobs=2", "hydra.sweeper.study_name=par"], tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    trials = optuna.load_study(study_name="par", storage=f"sqlite:///{tmp_path}/runs/optuna.db").get_trials()
    finished = _finished(trials)
    assert len(finished) == 4
    assert len({tuple(sorted(t.params.items())) for t in finished}) == 4
    # Both processes took trials: the work really was shared.
    assert len({t.user_attrs["worker"] for t in finished}) == 2
    assert all(r.info.status == "FINISHED" for r in mlflow_runs(f"sqlite:///{tmp_path}/runs/mlflow.db"))


def test_journal_storage_works_like_sqlite(tmp_path, tiny_csv, app):
    journal = tmp_path / "runs" / "study.log"
    done = app(["-m", *small_overrides(tmp_path / "runs", tiny_csv), *SPACE, *SHORT, "hydra.sweeper.n_trials=2",
                f"hydra.sweeper.storage=journal:///{journal}", "hydra.sweeper.study_name=j"], tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend

    study = optuna.load_study(study_name="j", storage=JournalStorage(JournalFileBackend(str(journal))))
    assert len(_finished(study.get_trials())) == 2


def test_two_commands_started_at_once_on_a_new_store_share_the_study(tmp_path, tiny_csv):
    import subprocess

    from tests.conftest import REPO  # noqa: F401  (same environment as run_cli)
    args = ["-m", *small_overrides(tmp_path / "runs", tiny_csv, new_store=True), *SPACE, *SHORT,
            "hydra.sweeper.n_trials=4", "hydra.sweeper.study_name=race"]
    import os
    import sys

    env = {**os.environ}
    procs = [subprocess.Popen([sys.executable, "-m", "sweeps", *args], cwd=tmp_path, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=300) for p in procs]
    # Neither worker crashed creating the new Optuna and MLflow sqlite files.
    assert [p.returncode for p in procs] == [0, 0], [o[1][-2000:] for o in outputs]
    trials = optuna.load_study(study_name="race", storage=f"sqlite:///{tmp_path}/runs/optuna.db").get_trials()
    finished = _finished(trials)
    assert len(finished) == 4 and len({tuple(sorted(t.params.items())) for t in finished}) == 4
    assert all(r.info.status == "FINISHED" for r in mlflow_runs(f"sqlite:///{tmp_path}/runs/mlflow.db"))


def test_multi_objective_study_records_both_values(tmp_path, tiny_csv, app):
    done = app(["-m", *small_overrides(tmp_path / "runs", tiny_csv), *SPACE, *SHORT, "hydra.sweeper.n_trials=3",
                "hydra.sweeper.objective=[best/val/acc,time/train_s]", "hydra.sweeper.direction=[maximize,minimize]",
                "hydra/sweeper/sampler=nsga2", "hydra.sweeper.study_name=mo"], tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    study = optuna.load_study(study_name="mo", storage=f"sqlite:///{tmp_path}/runs/optuna.db")
    # Two objectives per trial, in the configured order and directions.
    assert [d.name for d in study.directions] == ["MAXIMIZE", "MINIMIZE"]
    assert all(len(t.values) == 2 and t.values[1] > 0 for t in study.trials)
    assert study.best_trials


def test_submitit_local_launcher_runs_trials_in_their_own_processes(tmp_path, tiny_csv, app):
    done = app(["-m", *small_overrides(tmp_path / "runs", tiny_csv), *SPACE, *SHORT, "hydra.sweeper.n_trials=2",
                "hydra/launcher=submitit_local", "hydra.launcher.timeout_min=5", "hydra.launcher.cpus_per_task=1",
                "hydra.sweeper.study_name=sub"], tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    finished = _finished(optuna.load_study(study_name="sub", storage=f"sqlite:///{tmp_path}/runs/optuna.db").get_trials())
    # Each trial ran in a separate submitit process and still reported to, and was linked from, its trial.
    assert len(finished) == 2 and len({t.user_attrs["worker"] for t in finished}) == 2
    children = [r for r in mlflow_runs(f"sqlite:///{tmp_path}/runs/mlflow.db") if r.data.tags.get("mlflow.parentRunId")]
    assert {t.user_attrs["mlflow_run_id"] for t in finished} == {r.info.run_id for r in children}


def test_workers_on_one_machine_share_its_cores(monkeypatch):
    import torch

    from sweeps.study.runner import share_cores

    before = torch.get_num_threads()
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setattr("os.cpu_count", lambda: 8)
    try:
        env = share_cores(4)
        assert env["OMP_NUM_THREADS"] == "2" and torch.get_num_threads() == 2
        monkeypatch.delenv("OMP_NUM_THREADS")  # share_cores sets it for this process too
        assert share_cores(16)["OMP_NUM_THREADS"] == "1"  # never zero threads
        # A thread count the user chose is left alone.
        monkeypatch.setenv("OMP_NUM_THREADS", "3")
        assert share_cores(4)["OMP_NUM_THREADS"] == "3"
    finally:
        torch.set_num_threads(before)
