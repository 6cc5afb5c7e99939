"""``sweeps.tracking.analysis_artifacts``: the confusion matrix, per-class table and error analysis
every run records, read back from a real MLflow store."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from mlflow.tracking import MlflowClient

from sweeps.tracking import MlflowRun
from sweeps.tracking.analysis_artifacts import confidence_of, log_prediction_analysis

LABELS = np.array([0, 0, 0, 1, 1, 1, 1, 0])
PREDS = np.array([0, 0, 1, 1, 1, 0, 1, 0])
PROBS = np.array([0.1, 0.2, 0.9, 0.8, 0.7, 0.4, 0.95, 0.3])  # P(class 1)
CONFUSION = np.array([[3, 1], [1, 3]])
TEXTS = ["not good at all", "dull", "great but long", "loved it", "fine film", "never again", "superb", "bad"]


def _artifacts(client, run_id, folder=None):
    return {a.path for a in client.list_artifacts(run_id, folder)}


def _text(client, run_id, path, tmp_path):
    return open(client.download_artifacts(run_id, path, str(tmp_path))).read()


def test_confidence_is_the_probability_of_the_predicted_class():
    assert confidence_of(np.array([0.9, 0.2, 0.5])) == pytest.approx([0.9, 0.8, 0.5])
    assert confidence_of(np.array([[0.1, 0.7, 0.2], [0.5, 0.25, 0.25]])) == pytest.approx([0.7, 0.5])


def test_everything_is_logged_and_reads_back(tracking_store, experiment, tmp_path):
    with MlflowRun(tracking_store, experiment) as run:
        log_prediction_analysis(run, ["neg", "pos"], LABELS, PREDS, PROBS, CONFUSION, TEXTS,
                                doc_oov=np.linspace(0, 0.7, 8))
    client = MlflowClient(tracking_store)
    assert {"test_confusion_matrix.json", "test_confusion_matrix.png", "analysis"} <= _artifacts(client, run.run_id)
    assert _artifacts(client, run.run_id, "analysis") == {"analysis/per_class.csv", "analysis/error_categories.csv",
                                                          "analysis/confident_mistakes.csv", "analysis/errors.md"}
    matrix = json.loads(_text(client, run.run_id, "test_confusion_matrix.json", tmp_path))
    assert matrix == {"labels": ["neg", "pos"], "matrix": [[3, 1], [1, 3]], "normalized": [[0.75, 0.25], [0.25, 0.75]]}
    per_class = pd.read_csv(client.download_artifacts(run.run_id, "analysis/per_class.csv", str(tmp_path)))
    assert list(per_class["class"]) == ["neg", "pos"]
    # The surest mistake comes first: "great but long", predicted pos at 0.9.
    mistakes = pd.read_csv(client.download_artifacts(run.run_id, "analysis/confident_mistakes.csv", str(tmp_path)))
    assert len(mistakes) == 2 and "great but long" in mistakes.iloc[0].to_string()
    assert "Errors on the test split" in _text(client, run.run_id, "analysis/errors.md", tmp_path)
    metrics = client.get_run(run.run_id).data.metrics
    # 2 errors in 8 documents; "not good at all" and "never again" hold negations, one of them wrong.
    assert metrics["errors/all/rate"] == pytest.approx(0.25)
    assert metrics["errors/negation/rate"] == pytest.approx(0.5)
    assert metrics["errors/contrast/rate"] == pytest.approx(1.0)  # "great but long"
    assert not [k for k in client.get_run(run.run_id).data.tags if k.startswith("sweeps.skipped.")]


def test_without_texts_or_figures_only_the_numbers_are_logged(tracking_store, experiment):
    with MlflowRun(tracking_store, experiment) as run:
        log_prediction_analysis(run, ["neg", "pos"], LABELS, PREDS, PROBS, CONFUSION, None, None, figures=False)
    client = MlflowClient(tracking_store)
    assert _artifacts(client, run.run_id) == {"test_confusion_matrix.json", "analysis"}
    assert _artifacts(client, run.run_id, "analysis") == {"analysis/per_class.csv"}


def test_a_failing_step_is_skipped_and_the_rest_still_logged(tracking_store, experiment):
    # Three class names for a two-class confusion matrix: the figure and the table cannot be drawn.
    with MlflowRun(tracking_store, experiment) as run:
        log_prediction_analysis(run, ["neg", "pos", "extra"], LABELS, PREDS, PROBS, CONFUSION, None, None)
    client = MlflowClient(tracking_store)
    got = client.get_run(run.run_id)
    assert got.info.status == "FINISHED" and "test_confusion_matrix.json" in _artifacts(client, run.run_id)
    assert "sweeps.skipped.confusion_figure" in got.data.tags
