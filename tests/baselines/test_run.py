"""The TF-IDF baseline as a tracked MLflow run through ``sweeps.app.train``: recorded by the same
steps as a network (same tags, params, ``data/*`` and final metric names, artifacts, result type),
and readable by ``python -m sweeps.diagnose`` (``tests/test_text_classification.py`` reaches it
through the report as well)."""

from __future__ import annotations

import pytest
import yaml
from mlflow.tracking import MlflowClient

from sweeps.app import train
from sweeps.diagnose import main as diagnose_main
from sweeps.errors import ConfigError
from sweeps.tracking.run_setup import RunResult
from tests.conftest import compose_config, small_overrides

BASELINE = ["model.min_df=1"]


class Recorder:
    """A trainer callback that remembers what it was shown."""

    def __init__(self):
        self.run_ids, self.reports = [], []

    def on_run_start(self, run_id):
        self.run_ids.append(run_id)

    def on_epoch_end(self, report):
        self.reports.append(report)


def _artifacts(client: MlflowClient, run_id: str, path: str | None = None) -> set[str]:
    return {a.path for a in client.list_artifacts(run_id, path)}


def test_the_fit_is_one_reported_epoch_and_a_finished_run_with_the_networks_metrics(tmp_path, tiny_csv):
    cfg = compose_config(small_overrides(tmp_path / "runs", tiny_csv, model="logreg_tfidf") + BASELINE)
    recorder = Recorder()
    result = train(cfg, [recorder])
    client = MlflowClient(result.tracking_uri)
    run = client.get_run(result.run_id)
    # A study trial's reporter sees the fit as epoch 1 with the validation numbers.
    assert recorder.run_ids == [result.run_id] and [r.epoch for r in recorder.reports] == [1]
    assert recorder.reports[0].metrics["val/acc"] == pytest.approx(run.data.metrics["val/acc"])
    assert recorder.reports[0].metrics["val/acc"] == pytest.approx(result.metrics["best/val/acc"])
    assert recorder.reports[0].is_best
    assert run.info.status == "FINISHED" and run.data.tags["stop_reason"] == "fitted"
    assert (result.best_epoch, result.stopped_epoch, result.stop_reason) == (1, 1, "fitted")
    for key in ("test/acc", "test/f1", "test/loss", "best/val/acc", "model/parameters"):
        assert run.data.metrics[key] == pytest.approx(result.metrics[key]), key
    assert (run.data.metrics["data/train_size"], run.data.metrics["data/test_size"]) == (320, 40)
    assert run.data.metrics["data/num_classes"] == 2 and run.data.metrics["data/oov_rate_train"] == 0
    assert run.data.params["model._target_"] == "sweeps.baselines.tfidf_logreg.TfidfLogreg" and run.data.params["model.min_df"] == "1"
    config = yaml.safe_load(open(client.download_artifacts(result.run_id, "config.yaml", str(tmp_path / "dl"))))
    assert config["model"]["_target_"] == "sweeps.baselines.tfidf_logreg.TfidfLogreg"
    assert {"analysis/top_features.json", "analysis/errors.md", "analysis/per_class.csv"} <= _artifacts(
        client, result.run_id, "analysis")
    assert result.run_url.endswith(f"/runs/{result.run_id}")


def test_a_multiclass_baseline_has_no_top_feature_list_and_analysis_can_be_off(tmp_path):
    from tests.conftest import synthetic_rows, write_csv

    path = write_csv(tmp_path / "topics.csv", synthetic_rows(300, classes=3))
    cfg = compose_config(small_overrides(tmp_path / "runs", path, model="logreg_tfidf") + BASELINE
                         + ["tracking.analysis=false"])
    result = train(cfg)
    client = MlflowClient(result.tracking_uri)
    # One coefficient row per class: no single positive/negative word list; no error analysis asked for.
    assert _artifacts(client, result.run_id, "analysis") == {"analysis/per_class.csv"}
    assert result.metrics["test/acc"] > 0.6


def test_a_baseline_run_and_an_mlp_run_are_recorded_alike(tmp_path, tiny_csv):
    runs = tmp_path / "runs"
    quiet = ["tracking.projection_points=0"]
    baseline = train(compose_config(small_overrides(runs, tiny_csv, model="logreg_tfidf") + BASELINE + quiet))
    network = train(compose_config(small_overrides(runs, tiny_csv) + quiet))
    client = MlflowClient(baseline.tracking_uri)
    b, n = client.get_run(baseline.run_id).data, client.get_run(network.run_id).data
    # Same result type, same final metric names (test/*, best/*, final/*, model/parameters, ...).
    assert type(baseline) is type(network) is RunResult
    assert set(baseline.metrics) == set(network.metrics)
    # Same tag names (environment, stop, diagnosis, owner, sweeps.*), but the per-epoch images' one
    # and the warning about word vectors (tagged only when the network's inputs look uninformative).
    assert set(b.tags) == set(n.tags) - {"mlflow.loggedImages", "inputs.warning"}
    assert not any(k.startswith("sweeps.skipped.") for k in b.tags)
    assert {k: b.tags[k] for k in ("device", "torch", "python")} == {k: n.tags[k] for k in ("device", "torch", "python")}
    assert b.tags["diagnosis.labels"] and b.tags["stop_reason"] == "fitted"
    # Same params but the model's own and the learning rate a network ran with.
    assert {k for k in b.params if not k.startswith("model.")} | {"optimizer.effective_lr"} == \
           {k for k in n.params if not k.startswith("model.")}
    # Same data/* metrics, but the checks of word vectors, which a TF-IDF run has none of, and the
    # linear reference the diagnoser judges a network by (a TF-IDF run is that reference's kind).
    vector_checks = {"data/inputs_vector_cosine", "data/inputs_feature_std", "data/linear_baseline_val_acc"}
    data_names = {k for k in n.metrics if k.startswith("data/")}
    assert {k for k in b.metrics if k.startswith("data/")} == data_names - vector_checks
    assert vector_checks <= data_names and "data/inputs_empty_docs" in b.metrics
    assert {k: b.metrics[k] for k in ("data/train_size", "data/val_size", "data/test_size", "data/num_classes")} == \
           {k: n.metrics[k] for k in ("data/train_size", "data/val_size", "data/test_size", "data/num_classes")}
    # The baseline's epoch curves are ones the network logs too.
    curves = {k for k in b.metrics if k.startswith(("train/", "val/"))}
    assert curves == {"train/loss", "train/acc", "val/loss", "val/acc", "val/f1"} and curves <= set(n.metrics)
    # Same artifacts, but what only a network has: word vectors, and the training loop's checkpoints,
    # per-epoch images and curves, gradient-flow plot.
    network_only = {"embeddings", "checkpoints", "images", "training_curves.png", "diagnosis"}
    assert _artifacts(client, baseline.run_id) == _artifacts(client, network.run_id) - network_only


def test_sweeps_diagnose_reads_a_baseline_run(tmp_path, tiny_csv, capsys):
    result = train(compose_config(small_overrides(tmp_path / "runs", tiny_csv, model="logreg_tfidf") + BASELINE
                                  + ["diagnosis.enabled=false"]))
    client = MlflowClient(result.tracking_uri)
    assert "diagnosis.labels" not in client.get_run(result.run_id).data.tags
    assert diagnose_main([f"run_id={result.run_id}", f"tracking_uri={result.tracking_uri}"]) == 0
    out = capsys.readouterr().out
    run = client.get_run(result.run_id)
    # The fit is read back as a one-epoch history, with the data/* metrics (num_classes among them),
    # and the verdict is written on the run.
    assert f"# Diagnosis of {run.info.run_name}" in out and "(1 epochs read)" in out
    assert run.data.metrics["data/num_classes"] == 2 and run.data.tags["diagnosis.labels"]
    assert "diagnosis.md" in _artifacts(client, result.run_id)


def test_an_estimator_cannot_be_resumed(tmp_path, tiny_csv):
    cfg = compose_config(small_overrides(tmp_path / "runs", tiny_csv, model="logreg_tfidf") + BASELINE
                         + ["trainer.resume_from=abc"])
    with pytest.raises(ConfigError, match="trainer.resume_from"):
        train(cfg)
