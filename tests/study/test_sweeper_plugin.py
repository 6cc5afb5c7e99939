"""The sweeper as users meet it: discovered by Hydra, driven from the CLI on real sqlite storage.

The commands run the entry point in this process (``app``: the same Hydra main and argv parsing);
only the sweep that must die of a real SIGKILL is a separate process."""

from __future__ import annotations

import signal

import optuna
from hydra.core.plugins import Plugins
from hydra.plugins.sweeper import Sweeper
from mlflow import MlflowClient
from optuna.trial import TrialState

from tests.conftest import mlflow_runs, run_cli, small_overrides

SPACE = ["optimizer.lr=tag(log,interval(1e-3,1e-1))", "model.dropout=interval(0,0.5)"]


def test_hydra_discovers_our_sweeper():
    # An editable install that hides the hydra_plugins namespace package would make this fail.
    assert "OptunaSweeper" in [p.__name__ for p in Plugins.instance().discover(Sweeper)]


def _args(tmp_path, csv, extra=(), embeddings="word2vec"):
    # Three epochs a trial: enough for a kill after epoch 2; what is checked is the study, not training.
    return ["-m", *small_overrides(tmp_path / "runs", csv, embeddings=embeddings), "trainer.max_epochs=3", *SPACE,
            "hydra.sweeper.n_trials=3", "hydra.sweeper.study_name=t", *extra]


def _sweep(app, tmp_path, csv, extra=(), embeddings="word2vec"):
    return app(_args(tmp_path, csv, extra, embeddings), tmp_path)


def _study(tmp_path, name="t"):
    return optuna.load_study(study_name=name, storage=f"sqlite:///{tmp_path}/runs/optuna.db")


def test_sweep_resume_tops_up_to_n_trials_with_parent_and_child_runs(tmp_path, tiny_csv, app):
    first = _sweep(app, tmp_path, tiny_csv)
    assert first.returncode == 0, first.stderr[-3000:]
    again = _sweep(app, tmp_path, tiny_csv, ["hydra.sweeper.n_trials=5"])
    assert again.returncode == 0, again.stderr[-3000:]
    study = _study(tmp_path)
    trials = study.get_trials()
    # Resume: the second command only added the 2 missing trials, numbered on from the first run.
    assert [t.number for t in trials] == [0, 1, 2, 3, 4]
    assert all(t.state in (TrialState.COMPLETE, TrialState.PRUNED) for t in trials)
    # No point was proposed twice across the two commands.
    assert len({tuple(sorted(t.params.items())) for t in trials}) == 5
    runs = mlflow_runs(f"sqlite:///{tmp_path}/runs/mlflow.db")
    parents = [r for r in runs if r.data.tags.get("sweeps.kind") == "study"]
    children = [r for r in runs if r.data.tags.get("mlflow.parentRunId")]
    # One parent for the study (reopened by the resume), one child per trial, linked both ways.
    assert len(parents) == 1 and len(children) == 5
    assert {c.data.tags["mlflow.parentRunId"] for c in children} == {parents[0].info.run_id}
    assert {t.user_attrs["mlflow_run_id"] for t in trials} == {c.info.run_id for c in children}
    assert all(r.info.status == "FINISHED" for r in runs)
    parent_artifacts = {a.path for a in __import__("mlflow").tracking.MlflowClient(
        f"sqlite:///{tmp_path}/runs/mlflow.db").list_artifacts(parents[0].info.run_id)}
    assert {"trials.csv", "best.json", "plots"} <= parent_artifacts
    assert "best trial" in again.stdout and "optuna-dashboard sqlite:///" in again.stdout
    # Hydra job dirs are named by trial number, so the resumed sweep did not reuse 0..2.
    job_dirs = sorted(p.name for p in (tmp_path / "runs" / "hydra-multirun").glob("*/*/*") if p.is_dir())
    assert sorted(set(job_dirs)) == ["0", "1", "2", "3", "4"]


def test_pruned_trials_are_pruned_in_optuna_and_tagged_in_mlflow(tmp_path, tiny_csv, app):
    # A threshold pruner that no val/acc can satisfy prunes every trial after its first epoch.
    done = _sweep(app, tmp_path, tiny_csv, ["hydra/sweeper/pruner=threshold", "hydra.sweeper.pruner.lower=1.5"])
    assert done.returncode == 0, done.stderr[-3000:]
    trials = _study(tmp_path).get_trials()
    assert [t.state for t in trials] == [TrialState.PRUNED] * 3
    children = [r for r in mlflow_runs(f"sqlite:///{tmp_path}/runs/mlflow.db") if r.data.tags.get("mlflow.parentRunId")]
    assert all(r.data.tags["pruned"] == "true" and r.data.tags["pruned_at_epoch"] == "1" for r in children)
    # A pruned trial keeps its numbers, config and diagnosis but skips the end-of-run figures.
    client = MlflowClient(f"sqlite:///{tmp_path}/runs/mlflow.db")
    artifacts = {a.path for a in client.list_artifacts(children[0].info.run_id)}
    assert {"config.yaml", "diagnosis.md", "test_confusion_matrix.json"} <= artifacts
    assert "training_curves.png" not in artifacts and "test_confusion_matrix.png" not in artifacts
    assert "test/acc" in children[0].data.metrics and children[0].data.tags["diagnosis.labels"]


def test_failing_trials_are_recorded_and_a_mostly_failing_study_stops(tmp_path, tiny_csv, app):
    # A missing embeddings file makes every trial raise; with max_failure_rate=0.5 (sweeps' config)
    # the first failure is already more than half the trials: the study stops clearly.
    done = _sweep(app, tmp_path, tiny_csv, [f"embeddings.path={tmp_path / 'none.vec'}", "hydra.sweeper.n_trials=10"],
                  embeddings="file")
    assert done.returncode == 2 and "trials failed" in done.stderr and "Traceback" not in done.stderr
    trials = _study(tmp_path).get_trials()
    assert len(trials) == 1 and trials[0].state == TrialState.FAIL
    assert "none.vec" in trials[0].user_attrs["fail_reason"]
    assert all(r.info.status != "RUNNING" for r in mlflow_runs(f"sqlite:///{tmp_path}/runs/mlflow.db"))


def test_malformed_space_fails_before_any_trial(tmp_path, tiny_csv, app):
    done = app(["-m", *small_overrides(tmp_path / "runs", tiny_csv), "optimizer.lr=tag(log,interval(0,1))"], tmp_path)
    assert done.returncode == 2 and "optimizer.lr" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "runs" / "optuna.db").exists() or not optuna.get_all_study_summaries(
        f"sqlite:///{tmp_path}/runs/optuna.db")


def test_sigkilled_sweep_reruns_to_exactly_n_trials_with_nothing_left_running(tmp_path, tiny_csv, app):
    fast_heartbeat = ["hydra.sweeper.heartbeat_interval=1", "hydra.sweeper.grace_period=2"]
    # A real process, really SIGKILLed in its first trial; the rerun is a second command on the same storage.
    killed = run_cli(_args(tmp_path, tiny_csv, fast_heartbeat), cwd=tmp_path,
                     env_extra={"SWEEPS_FAULT_KILL_AFTER_EPOCH": "2"})
    assert killed.returncode == -signal.SIGKILL
    study = _study(tmp_path)
    assert [t.state for t in study.get_trials()] == [TrialState.RUNNING]
    import time

    time.sleep(2.5)  # let the dead trial's heartbeat go stale
    rerun = _sweep(app, tmp_path, tiny_csv, fast_heartbeat)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    trials = _study(tmp_path).get_trials()
    # The killed trial is FAIL (stale, found by Optuna's own heartbeat check), and exactly 3
    # trials finished after it.
    assert trials[0].state == TrialState.FAIL
    assert sum(t.state in (TrialState.COMPLETE, TrialState.PRUNED) for t in trials) == 3
    statuses = {r.info.run_id: r.info.status for r in mlflow_runs(f"sqlite:///{tmp_path}/runs/mlflow.db")}
    assert "RUNNING" not in statuses.values()
    assert statuses[trials[0].user_attrs["mlflow_run_id"]] == "KILLED"


def test_a_diverging_trial_is_pruned_with_its_reason_and_the_sweep_goes_on(tmp_path, tiny_csv, app):
    # lr in [1e20, 1e21] with plain SGD: the loss is NaN within the first epoch of every trial.
    done = app(["-m", *small_overrides(tmp_path / "runs", tiny_csv), "optimizer=sgd",
                "optimizer.lr=interval(1e20,1e21)", "hydra.sweeper.n_trials=2", "hydra.sweeper.study_name=nan"],
               tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    trials = _study(tmp_path, "nan").get_trials()
    assert [t.state for t in trials] == [TrialState.PRUNED] * 2
    assert all(t.user_attrs["pruned_reason"] == "diverged" for t in trials)
    assert all(r.info.status == "FINISHED" for r in mlflow_runs(f"sqlite:///{tmp_path}/runs/mlflow.db"))


def test_an_objective_no_trial_logs_stops_the_study_at_the_first_epoch(tmp_path, tiny_csv, app):
    done = _sweep(app, tmp_path, tiny_csv, ["hydra.sweeper.objective=val/accuracy"])
    # One line naming the objective and the metrics the run does log; the study stops at once.
    assert done.returncode == 2 and "'val/accuracy'" in done.stderr and "val/acc" in done.stderr
    assert "Traceback" not in done.stderr
    assert [t.state for t in _study(tmp_path).get_trials()] == [TrialState.FAIL]
    assert all(r.info.status != "RUNNING" for r in mlflow_runs(f"sqlite:///{tmp_path}/runs/mlflow.db"))
