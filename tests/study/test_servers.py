"""Scale-out on real servers: PostgreSQL as Optuna storage, an MLflow tracking server."""

from __future__ import annotations

import os
import subprocess
import sys

import optuna
import pytest
from optuna.trial import TrialState

from tests.conftest import run_cli, small_overrides
from tests.servers import mlflow_server, postgres_url  # noqa: F401  (fixtures)

SPACE = ["optimizer.lr=tag(log,interval(1e-3,1e-1))", "model.dropout=interval(0,0.5)"]
pytestmark = pytest.mark.slow


def test_four_workers_on_postgresql_finish_exactly_n_trials(tmp_path, tiny_csv, postgres_url):
    args = ["-m", *small_overrides(tmp_path / "runs", tiny_csv), *SPACE, "hydra.sweeper.n_trials=8",
            f"hydra.sweeper.storage={postgres_url}", "hydra.sweeper.study_name=pg4"]
    procs = [subprocess.Popen([sys.executable, "-m", "sweeps", *args], cwd=tmp_path, env={**os.environ},
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(4)]
    outputs = [p.communicate(timeout=600) for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, [o[1][-1500:] for o in outputs]
    trials = optuna.load_study(study_name="pg4", storage=postgres_url).get_trials()
    finished = [t for t in trials if t.state in (TrialState.COMPLETE, TrialState.PRUNED)]
    # Exactly n_trials between the four, none run twice, and the work was really shared.
    assert len(finished) == 8
    assert len({tuple(sorted(t.params.items())) for t in finished}) == 8
    assert len({t.user_attrs["worker"] for t in finished}) >= 2


def test_sweep_logs_through_an_mlflow_tracking_server(tmp_path, tiny_csv, mlflow_server):
    done = run_cli(["-m", *small_overrides(tmp_path / "runs", tiny_csv), *SPACE, "hydra.sweeper.n_trials=2",
                    f"tracking.uri={mlflow_server}", "hydra.sweeper.study_name=remote"], cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=mlflow_server)  # REST client
    experiment = client.get_experiment_by_name("sweeps")
    runs = client.search_runs([experiment.experiment_id])
    [parent] = [r for r in runs if r.data.tags.get("sweeps.kind") == "study"]
    children = [r for r in runs if r.data.tags.get("mlflow.parentRunId") == parent.info.run_id]
    study = optuna.load_study(study_name="remote", storage=f"sqlite:///{tmp_path}/runs/optuna.db")
    # The run tree read back over REST matches the study: one child per trial, same values.
    assert len(children) == 2
    by_id = {c.info.run_id: c for c in children}
    for trial in study.trials:
        child = by_id[trial.user_attrs["mlflow_run_id"]]
        assert child.data.metrics["best/val/acc"] == pytest.approx(trial.value)
        assert len(client.get_metric_history(child.info.run_id, "val/loss")) >= 1
        artifacts = {a.path for a in client.list_artifacts(child.info.run_id)}
        assert {"config.yaml", "test_confusion_matrix.png", "checkpoints"} <= artifacts
    assert "trials.csv" in {a.path for a in client.list_artifacts(parent.info.run_id)}
