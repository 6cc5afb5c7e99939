"""``sweeps.tracking.run_setup``: a run's derived name, and the record ``open_run`` opens (tags for
what it trains; inside a sweep, the trial's tags and the study's parent run)."""

from __future__ import annotations

from mlflow.tracking import MlflowClient

from sweeps.config import compose_config
from sweeps.study.context import StudyLink, TrialContext, _activate, study_run_id, trial_tags
from sweeps.tracking.run_setup import open_run, run_name


def _cfg(store: str, experiment: str, *overrides: str):
    return compose_config([f"tracking.uri={store}", f"tracking.experiment={experiment}", *overrides])


def test_run_name_is_derived_from_what_the_run_trains():
    assert run_name(compose_config([])) == "imdb-word2vec-mean-128-adam-s0"
    assert run_name(compose_config(["model.hidden_dims=[]", "model.pooling=attention", "optimizer=sgd", "seed=7"])) \
        == "imdb-word2vec-attention-linear-sgd-s7"
    assert run_name(compose_config(["embeddings=random", "features.trainable=true", "model.ngrams=2",
                                    "model.hidden_dims=[64,32]"])) == "imdb-random-trainable+bigrams-mean-64x32-adam-s0"
    assert run_name(compose_config(["model=logreg_tfidf", "model.C=0.5"])) == "imdb-tfidf2gram-logreg-C0.5"  # uni+bigrams by default
    # A name the user gives wins.
    assert run_name(compose_config(["tracking.run_name=mine"])) == "mine"


def test_open_run_tags_the_data_embeddings_model_kind_and_user_tags(tracking_store, experiment):
    cfg = _cfg(tracking_store, experiment, "embeddings=random", "features.trainable=true", "+tags.owner=ana")
    with open_run(cfg) as run:
        pass
    got = MlflowClient(tracking_store).get_run(run.run_id)
    assert got.info.status == "FINISHED" and got.info.run_name == run_name(cfg)
    assert {k: got.data.tags[k] for k in ("sweeps.data", "sweeps.embeddings", "sweeps.model", "owner")} == \
        {"sweeps.data": "imdb", "sweeps.embeddings": "random", "sweeps.model": "mlp-trainable", "owner": "ana"}
    assert "optuna.trial_number" not in got.data.tags and "mlflow.parentRunId" not in got.data.tags
    baseline = _cfg(tracking_store, experiment, "model=logreg_tfidf")
    with open_run(baseline) as other:
        pass
    assert MlflowClient(tracking_store).get_run(other.run_id).data.tags["sweeps.model"] == "logreg_tfidf"


def test_inside_a_sweep_the_run_is_the_trials_child_of_the_study_run(tracking_store, experiment):
    cfg = _cfg(tracking_store, experiment)
    with open_run(cfg) as study_run:
        pass
    link = StudyLink(storage=None, study_name="s1", directions=("maximize",), parent_run_id=study_run.run_id)
    previous = _activate(TrialContext(link, number=4, trial=None))
    try:  # what sweeps.app.train passes inside a sweep job
        with open_run(cfg, parent_run_id=study_run_id(), tags=trial_tags()) as trial_run:
            pass
        with open_run(cfg, parent_run_id="explicit", tags=trial_tags()) as explicit:
            pass
    finally:
        _activate(previous)
    tags = MlflowClient(tracking_store).get_run(trial_run.run_id).data.tags
    assert tags["optuna.study_name"] == "s1" and tags["optuna.trial_number"] == "4"
    assert tags["mlflow.parentRunId"] == study_run.run_id
    # An explicit parent (a repair study's) wins over the sweep's.
    assert MlflowClient(tracking_store).get_run(explicit.run_id).data.tags["mlflow.parentRunId"] == "explicit"


def test_reopening_by_id_continues_the_same_record(tracking_store, experiment):
    cfg = _cfg(tracking_store, experiment)
    with open_run(cfg) as first:
        pass
    with open_run(cfg, run_id=first.run_id) as again:
        pass
    assert again.run_id == first.run_id
    assert len(MlflowClient(tracking_store).search_runs([first.experiment_id])) == 1
