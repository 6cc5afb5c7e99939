"""``sweeps.tracking.results_table``: finished runs read back from a real MLflow store, one row
each, best test accuracy first per data set; study trials only when asked for."""

from __future__ import annotations

import math

import pytest

from sweeps.tracking import MlflowRun
from sweeps.tracking.results_table import COLUMNS, results_table, to_markdown


def _run(store, experiment, tags, params, metrics, fail=False) -> str:
    try:
        with MlflowRun(store, experiment, tags=tags) as run:
            run.log_params(params)
            run.log_metrics(metrics, step=1)
            if fail:
                raise RuntimeError("boom")
    except RuntimeError:
        pass
    return run.run_id


@pytest.fixture
def runs(tracking_store, experiment):
    mlp = {"model.hidden_dims": "[128]", "model.pooling": "mean", "model.ngrams": "1"}
    ids = {
        "mlp": _run(tracking_store, experiment, {"sweeps.data": "imdb", "sweeps.model": "mlp", "sweeps.embeddings": "glove50"},
                    mlp, {"test/acc": 0.81, "test/f1": 0.8, "time/train_s": 12.34, "model/parameters": 6530}),
        "bag": _run(tracking_store, experiment,
                    {"sweeps.data": "imdb", "sweeps.model": "mlp-trainable", "sweeps.embeddings": "random"},
                    {**mlp, "model.ngrams": "2", "model.token_weighting": "tfidf"}, {"test/acc": 0.86}),
        "tfidf": _run(tracking_store, experiment, {"sweeps.data": "imdb", "sweeps.model": "logreg_tfidf"},
                      {"model.ngrams": "2", "model.C": "0.5"}, {"test/acc": 0.88, "test/f1": 0.88}),
        "bbc": _run(tracking_store, experiment, {"sweeps.data": "bbc_news", "sweeps.model": "mlp"}, mlp,
                    {"test/acc": 0.95}),
        "trial": _run(tracking_store, experiment, {"sweeps.data": "imdb", "sweeps.model": "mlp",
                                                   "optuna.trial_number": "3"}, mlp, {"test/acc": 0.99}),
        "failed": _run(tracking_store, experiment, {"sweeps.data": "imdb"}, mlp, {"test/acc": 0.97}, fail=True),
        "no test": _run(tracking_store, experiment, {"sweeps.data": "imdb"}, mlp, {"val/acc": 0.9}),
    }
    return tracking_store, experiment, ids


def test_one_row_per_finished_run_best_first_per_data_set(runs):
    store, experiment, ids = runs
    table = results_table(store, experiment)
    assert list(table.columns) == COLUMNS
    # Data sets in order, best test accuracy first; FAILED runs, trials and runs without test/acc left out.
    assert list(table["run"]) == [ids[k][:8] for k in ("bbc", "tfidf", "bag", "mlp")]
    assert list(table["model"]) == ["mlp [128] (frozen)", "tf-idf uni+bigram logreg C=0.5",
                                    "mlp [128] (trainable tfidf +bigrams)", "mlp [128] (frozen)"]
    tfidf = table.iloc[1]
    assert tfidf["embeddings"] == "-" and tfidf["pooling"] == "-"
    mlp = table.iloc[3]
    assert (mlp["embeddings"], mlp["pooling"], mlp["train_s"], mlp["parameters"]) == ("glove50", "mean", 12.34, 6530)
    assert math.isnan(table.iloc[2]["test/f1"])  # a metric the run lacks is NaN, not a crash


def test_trials_when_asked_and_one_data_set_filter(runs):
    store, experiment, ids = runs
    assert ids["trial"][:8] in set(results_table(store, experiment, include_trials=True)["run"])
    assert list(results_table(store, experiment, data="bbc_news")["run"]) == [ids["bbc"][:8]]


def test_markdown_has_a_header_and_a_row_per_run_with_formatted_numbers(runs):
    store, experiment, ids = runs
    lines = to_markdown(results_table(store, experiment)).splitlines()
    assert lines[0] == "| " + " | ".join(COLUMNS) + " |" and len(lines) == 2 + 4
    assert lines[-1] == f"| imdb | mlp [128] (frozen) | glove50 | mean | 0.8100 | 0.8000 | 12.3 | 6,530 | {ids['mlp'][:8]} |"


def test_an_unknown_experiment_is_a_lookup_error_naming_it(tracking_store):
    with pytest.raises(LookupError, match="no MLflow experiment named 'nowhere'"):
        results_table(tracking_store, "nowhere")
