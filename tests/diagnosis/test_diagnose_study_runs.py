"""``python -m sweeps.diagnose`` on runs logged straight to MLflow (no training): the step-0 data
metrics reach the rules, and a study trial is compared with its study's best."""

from __future__ import annotations

import mlflow
from mlflow import MlflowClient

from sweeps.diagnose import main as diagnose_main


def _log_run(dead: float, val_acc: float, data: dict | None = None, parent: str | None = None,
             lr: str = "0.003") -> str:
    tags = {"mlflow.parentRunId": parent} if parent else {}
    with mlflow.start_run(tags=tags, nested=parent is not None) as run:
        mlflow.log_params({"optimizer.lr": lr, "model.dropout": "0.0"})
        mlflow.log_metrics({"data/num_classes": 2.0, **(data or {})}, step=0)
        for epoch in range(1, 9):
            mlflow.log_metrics({"train/loss": 0.69 - 0.03 * epoch, "val/loss": 0.69 - 0.02 * epoch,
                                "train/acc": val_acc + 0.01, "val/acc": val_acc - 0.02 + 0.0025 * epoch,
                                "diag/dead_frac/layer1": 0.1 if epoch == 1 else dead}, step=epoch)
        mlflow.log_metric("best/val/acc", val_acc)
        return run.info.run_id


def _tags(uri: str, run_id: str) -> dict:
    return MlflowClient(uri).get_run(run_id).data.tags


def test_collapsed_inputs_logged_at_step_zero_are_read_back_and_blamed(tmp_path):
    uri = f"sqlite:///{tmp_path}/m.db"
    mlflow.set_tracking_uri(uri)
    run_id = _log_run(0.9, 0.52, {"data/inputs_vector_cosine": 0.99})
    assert diagnose_main([f"run_id={run_id}", f"tracking_uri={uri}"]) == 0
    assert _tags(uri, run_id)["diagnosis.labels"] == "uninformative_inputs"  # not dying_relu
    # An older run without the metric: the dead units are the finding (the run is near chance).
    older = _log_run(0.9, 0.52)
    assert diagnose_main([f"run_id={older}", f"tracking_uri={uri}"]) == 0
    assert _tags(uri, older)["diagnosis.labels"] == "dying_relu"


def test_a_study_trial_is_judged_against_the_studys_best(tmp_path):
    uri = f"sqlite:///{tmp_path}/m.db"
    mlflow.set_tracking_uri(uri)
    with mlflow.start_run(run_name="study:s") as parent:
        best = _log_run(0.6, 0.80, parent=parent.info.run_id, lr="0.004")
        weak = _log_run(0.6, 0.70, parent=parent.info.run_id, lr="0.0004")
    for run_id in (best, weak):
        assert diagnose_main([f"run_id={run_id}", f"tracking_uri={uri}"]) == 0
    # Same dead fraction: an observation on the best trial, a label 10 points below it.
    assert _tags(uri, best)["diagnosis.labels"] == "healthy"
    assert _tags(uri, best)["diagnosis.observations"] == "dying_relu"
    assert _tags(uri, weak)["diagnosis.labels"] == "dying_relu"
