"""``sweeps.baselines.run.train_tfidf_logreg``: the baseline as a tracked MLflow run, called directly
(``tests/test_text_classification.py`` reaches it through ``train`` and the report)."""

from __future__ import annotations

import pytest
import yaml
from mlflow.tracking import MlflowClient

from sweeps.baselines.run import train_tfidf_logreg
from tests.conftest import compose_config, small_overrides


class Recorder:
    """A trainer callback that remembers what it was shown."""

    def __init__(self):
        self.run_ids, self.reports = [], []

    def on_run_start(self, run_id):
        self.run_ids.append(run_id)

    def on_epoch_end(self, report):
        self.reports.append(report)


def test_the_fit_is_one_reported_epoch_and_a_finished_run_with_the_networks_metrics(tmp_path, tiny_csv):
    cfg = compose_config(small_overrides(tmp_path / "runs", tiny_csv, model="logreg_tfidf") + ["model.min_df=1"])
    recorder = Recorder()
    result = train_tfidf_logreg(cfg, [recorder])
    client = MlflowClient(result.tracking_uri)
    run = client.get_run(result.run_id)
    # A study trial's reporter sees the fit as epoch 1 with the validation numbers.
    assert recorder.run_ids == [result.run_id] and [r.epoch for r in recorder.reports] == [1]
    assert recorder.reports[0].metrics["val/acc"] == pytest.approx(result.metrics["val/acc"])
    assert recorder.reports[0].is_best
    assert run.info.status == "FINISHED" and run.data.tags["stop_reason"] == "fitted"
    assert (result.best_epoch, result.stopped_epoch, result.stop_reason) == (1, 1, "fitted")
    for key in ("test/acc", "test/f1", "test/loss", "best/val/acc", "model/parameters", "data/train_size"):
        assert run.data.metrics[key] == pytest.approx(result.metrics[key]), key
    assert (run.data.metrics["data/train_size"], run.data.metrics["data/test_size"]) == (320, 40)
    assert run.data.params["model._target_"] == "sweeps.baselines.tfidf_logreg.TfidfLogreg" and run.data.params["model.min_df"] == "1"
    config = yaml.safe_load(open(client.download_artifacts(result.run_id, "config.yaml", str(tmp_path / "dl"))))
    assert config["model"]["_target_"] == "sweeps.baselines.tfidf_logreg.TfidfLogreg"
    top = {a.path for a in client.list_artifacts(result.run_id, "analysis")}
    assert {"analysis/top_features.json", "analysis/errors.md", "analysis/per_class.csv"} <= top
    assert result.run_url.endswith(f"/runs/{result.run_id}")


def test_a_multiclass_baseline_has_no_top_feature_list_and_analysis_can_be_off(tmp_path):
    from tests.conftest import synthetic_rows, write_csv

    path = write_csv(tmp_path / "topics.csv", synthetic_rows(300, classes=3))
    cfg = compose_config(small_overrides(tmp_path / "runs", path, model="logreg_tfidf") + ["model.min_df=1",
                                                                      "tracking.analysis=false"])
    result = train_tfidf_logreg(cfg)
    client = MlflowClient(result.tracking_uri)
    analysis = {a.path for a in client.list_artifacts(result.run_id, "analysis")}
    # One coefficient row per class: no single positive/negative word list; no error analysis asked for.
    assert analysis == {"analysis/per_class.csv"}
    assert result.metrics["test/acc"] > 0.6
