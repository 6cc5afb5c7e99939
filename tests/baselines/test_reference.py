"""The linear reference a network run is judged against (issue 20): TF-IDF + logistic regression
on the run's own split, logged at step 0, fitted once per split and read from the cache after."""

from __future__ import annotations

import json

import pytest
from mlflow.tracking import MlflowClient

from sweeps.app import train
from sweeps.baselines.reference import linear_reference
from tests.conftest import compose_config, small_overrides, synthetic_rows, write_csv


def test_a_network_run_logs_the_linear_baseline_of_its_split_fitted_once(tmp_path, tiny_csv):
    runs = tmp_path / "runs"
    first = train(compose_config(small_overrides(runs, tiny_csv) + ["tracking.projection_points=0"]))
    client = MlflowClient(first.tracking_uri)
    linear = client.get_run(first.run_id).data.metrics["data/linear_baseline_val_acc"]
    assert 0.8 < linear <= 1.0  # the sentiment words separate the synthetic reviews
    [entry] = (runs / "cache").glob("linear-reference-*.json")
    # The next run on the same split reads the cached value: the entry says so when it is edited.
    entry.write_text(json.dumps({"val_acc": 0.5}))
    cfg = compose_config(small_overrides(runs, tiny_csv) + ["model.hidden_dims=[8]"])
    assert linear_reference(cfg) == 0.5
    # Another split is another entry; a damaged entry is refitted and replaced.
    assert linear_reference(compose_config(small_overrides(runs, tiny_csv) + ["data.split_seed=7"])) > 0.8
    entry.write_text("{")
    assert linear_reference(cfg) == pytest.approx(linear)
    assert len(list((runs / "cache").glob("linear-reference-*.json"))) == 2


def test_no_reference_when_no_word_is_seen_twice_and_none_asked_for(tmp_path):
    unique = write_csv(tmp_path / "unique.csv", [(f"word{i} other{i}", i % 2) for i in range(200)])
    assert linear_reference(compose_config(small_overrides(tmp_path / "runs", unique))) is None
    path = write_csv(tmp_path / "reviews.csv", synthetic_rows(200))
    result = train(compose_config(small_overrides(tmp_path / "runs", path) + ["diagnosis.linear_reference=false"]))
    metrics = MlflowClient(result.tracking_uri).get_run(result.run_id).data.metrics
    assert "data/linear_baseline_val_acc" not in metrics and "data/num_classes" in metrics
