"""Diagnosis on real MLflow runs: sweeps' own (tags at the end of training), a run made by another
tool, and a run recorded by another version (the repair study: tests/repair/test_runner.py)."""

from __future__ import annotations

import mlflow
import pytest
import yaml
from mlflow import MlflowClient

from sweeps.app import train
from sweeps.diagnose import _run_config
from sweeps.diagnose import main as diagnose_main
from sweeps.errors import SweepsError
from tests.conftest import compose_config, small_overrides

QUIET = ["tracking.projection_points=0", "tracking.analysis=false", "tracking.confusion_every=0"]


def test_every_run_is_diagnosed_at_its_end(tmp_path, tiny_csv):
    result = train(compose_config(small_overrides(tmp_path / "runs", tiny_csv) + QUIET))
    client = MlflowClient(result.tracking_uri)
    run = client.get_run(result.run_id)
    assert run.data.tags["diagnosis.labels"]
    assert {"diagnosis.md", "diagnosis"} <= {a.path for a in client.list_artifacts(result.run_id)}
    assert "diag/grad_norm/layer1" in run.data.metrics and "diag/dead_frac/layer1" in run.data.metrics


def test_vanishing_gradients_raise_the_live_alarm(tmp_path, tiny_csv):
    overrides = small_overrides(tmp_path / "runs", tiny_csv) + QUIET + [
        "model.hidden_dims=[32,32,32,32,32,32,32,32]", "model.activation=sigmoid", "model.init=normal",
        "model.init_std=0.01", "optimizer=sgd", "optimizer.lr=0.01", "trainer.max_epochs=4",
        "trainer.early_stopping.patience=0"]
    result = train(compose_config(overrides))
    tags = MlflowClient(result.tracking_uri).get_run(result.run_id).data.tags
    assert tags["diagnosis.alarm"] == "vanishing_gradients" and tags["diagnosis.alarm_epoch"] in ("1", "2")
    assert "vanishing_gradients" in tags["diagnosis.labels"]


def test_a_run_made_by_another_tool_can_be_diagnosed(tmp_path, capsys):
    uri = f"sqlite:///{tmp_path}/other.db"
    mlflow.set_tracking_uri(uri)
    with mlflow.start_run() as run:
        for epoch in range(1, 11):
            val = 0.5 - 0.05 * epoch if epoch < 4 else 0.35 + 0.06 * (epoch - 4)
            mlflow.log_metrics({"train/loss": 0.6 - 0.05 * epoch, "val/loss": val}, step=epoch)
    assert diagnose_main([f"run_id={run.info.run_id}", f"tracking_uri={uri}"]) == 0
    assert "overfitting" in capsys.readouterr().out
    assert MlflowClient(uri).get_run(run.info.run_id).data.tags["diagnosis.labels"] == "overfitting"
    # Repair needs the run's sweeps config: a clear refusal, not a traceback.
    assert diagnose_main([f"run_id={run.info.run_id}", f"tracking_uri={uri}", "repair=true"]) == 2
    assert "only runs made by sweeps can be repaired" in capsys.readouterr().err


def test_bad_arguments_name_the_key(tmp_path, capsys):
    assert diagnose_main(["run_idd=abc"]) == 2
    assert "run_idd" in capsys.readouterr().err
    assert diagnose_main(["run_id=nope", f"tracking_uri=sqlite:///{tmp_path}/x.db"]) == 2


def test_a_run_recorded_by_another_version_of_sweeps(tmp_path, tiny_csv):
    result = train(compose_config(small_overrides(tmp_path / "runs", tiny_csv) + QUIET + ["trainer.max_epochs=1"]))
    client = MlflowClient(result.tracking_uri)
    config = yaml.safe_load(open(client.download_artifacts(result.run_id, "config.yaml", str(tmp_path))))
    # Thresholds renamed since the run was recorded: ignored, today's thresholds judge a repair.
    config["diagnosis"]["noisy_val_acc_jitter"] = 0.02
    client.log_text(result.run_id, yaml.safe_dump(config), "config.yaml")
    assert _run_config(client, result.run_id).model.hidden_dims == config["model"]["hidden_dims"]
    # A knob this version does not know: one clear error naming it.
    config["model"]["old_knob"] = 1
    client.log_text(result.run_id, yaml.safe_dump(config), "config.yaml")
    with pytest.raises(SweepsError, match="model.old_knob"):
        _run_config(client, result.run_id)
