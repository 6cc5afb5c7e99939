"""``train(cfg)`` on synthetic data with a real sqlite MLflow store: what gets recorded."""

from __future__ import annotations

import json

import pytest

from sweeps.app import train
from sweeps.errors import DataError, EmbeddingsError
from tests.conftest import compose_config, mlflow_runs, small_overrides, write_csv


def test_run_records_curves_params_and_artifacts(small_cfg, tmp_path):
    result = train(small_cfg)
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=small_cfg.tracking.uri)
    run = client.get_run(result.run_id)
    assert run.info.status == "FINISHED"
    # One point per epoch for each curve, steps 1..N.
    for key in ("train/loss", "train/acc", "val/loss", "val/acc", "lr", "epoch_time_s"):
        history = client.get_metric_history(result.run_id, key)
        assert [m.step for m in history] == list(range(1, result.stopped_epoch + 1)), key
    # The synthetic task is learnable: well above chance.
    assert run.data.metrics["test/acc"] >= 0.8
    assert run.data.metrics["test/acc"] == pytest.approx(result.metrics["test/acc"])
    for key in ("test/f1", "test/precision", "test/recall", "data/oov_rate_train"):
        assert key in run.data.metrics
    # Params are the flattened resolved config.
    assert run.data.params["model.hidden_dims"] == "[16]" and run.data.params["optimizer._target_"] == "torch.optim.Adam"
    artifacts = {a.path for a in client.list_artifacts(result.run_id)}
    assert {"config.yaml", "test_confusion_matrix.png", "test_confusion_matrix.json", "training_curves.png",
            "checkpoints"} <= artifacts
    confusion = json.loads((tmp_path / "dl").mkdir() or open(client.download_artifacts(
        result.run_id, "test_confusion_matrix.json", str(tmp_path / "dl"))).read())
    assert sum(map(sum, confusion["matrix"])) == 40  # every test row counted once
    # The best checkpoint is a weights_only-loadable file with the model and its epoch.
    from sweeps.training import load_checkpoint

    ckpt = load_checkpoint(client.download_artifacts(result.run_id, "checkpoints/best.pt", str(tmp_path / "dl")))
    assert ckpt["epoch"] == result.best_epoch and "optimizer" in ckpt and ckpt["config"]["seed"] == 0
    # Per-epoch confusion images: logged at epochs 2 and 4 (confusion_every=2).
    images = [a.path for a in client.list_artifacts(result.run_id, "images")]
    assert len([p for p in images if p.endswith(".png") and "val_confusion" in p]) >= 2


def test_same_seed_gives_identical_metrics_and_cold_cache_too(tmp_path, tiny_csv):
    first = train(compose_config(small_overrides(tmp_path / "a", tiny_csv)))
    warm = train(compose_config(small_overrides(tmp_path / "a", tiny_csv)))
    cold = train(compose_config(small_overrides(tmp_path / "b", tiny_csv)))
    # Same config + seed: every recorded number equal, whether features came from cache or not.
    drop = {"time/train_s"}
    for other in (warm, cold):
        assert {k: v for k, v in other.metrics.items() if k not in drop} == \
               {k: v for k, v in first.metrics.items() if k not in drop}


def test_other_seed_changes_the_numbers(tmp_path, tiny_csv):
    a = train(compose_config(small_overrides(tmp_path / "r", tiny_csv)))
    b = train(compose_config(small_overrides(tmp_path / "r", tiny_csv) + ["seed=1"]))
    assert a.metrics["test/loss"] != b.metrics["test/loss"]


def test_attention_pooling_and_multiclass_run(tmp_path):
    from tests.conftest import synthetic_rows

    path = write_csv(tmp_path / "topics.csv", synthetic_rows(300, classes=4))
    cfg = compose_config(small_overrides(tmp_path / "runs", path) + ["model.pooling=attention", "model.hidden_dims=[]"])
    result = train(cfg)
    # Four classes, learned token weights, still clearly above the 25% chance level.
    assert result.metrics["test/acc"] > 0.6


def test_data_errors_leave_no_mlflow_run(tmp_path, tiny_csv):
    overrides = small_overrides(tmp_path / "runs", tmp_path / "missing.csv")
    with pytest.raises(DataError):
        train(compose_config(overrides))
    bad_vectors = tmp_path / "vec.txt"
    bad_vectors.write_text("garbage\n")
    with pytest.raises(EmbeddingsError):
        train(compose_config(small_overrides(tmp_path / "runs", tiny_csv, embeddings="file")
                             + [f"embeddings.path={bad_vectors}"]))
    assert mlflow_runs(f"sqlite:///{tmp_path}/runs/mlflow.db") == []


def test_failure_during_training_marks_the_run_failed(small_cfg, monkeypatch):
    from sweeps.training import Trainer

    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(Trainer, "train_epoch", explode)
    with pytest.raises(RuntimeError):
        train(small_cfg)
    runs = mlflow_runs(small_cfg.tracking.uri)
    # Ended FAILED with the error as a tag, never left RUNNING.
    assert [r.info.status for r in runs] == ["FAILED"] and "boom" in runs[0].data.tags["error"]


def test_ctrl_c_marks_the_run_killed(small_cfg, monkeypatch):
    from sweeps.training import Trainer

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(Trainer, "train_epoch", interrupt)
    with pytest.raises(KeyboardInterrupt):
        train(small_cfg)
    assert [r.info.status for r in mlflow_runs(small_cfg.tracking.uri)] == ["KILLED"]
