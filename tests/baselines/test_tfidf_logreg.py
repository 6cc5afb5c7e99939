"""``sweeps.baselines.tfidf_logreg``: the TF-IDF + logistic regression baseline fitted on the training
split alone, scored the way the networks are."""

from __future__ import annotations

import numpy as np
import pytest
from omegaconf import OmegaConf
from sklearn.metrics import log_loss

from sweeps.baselines.run import build_estimator
from sweeps.baselines.tfidf_logreg import _analyzer
from sweeps.data import load_rows, make_splits
from sweeps.data.splits import Split, Splits
from tests.conftest import synthetic_rows, write_csv


def _model_cfg(ngrams=2, min_df=1, C=1.0):
    return OmegaConf.create({"seed": 0, "model": {"_target_": "sweeps.baselines.tfidf_logreg.TfidfLogreg",
                                                  "ngrams": ngrams, "min_df": min_df, "C": C, "max_iter": 1000}})


@pytest.fixture(scope="module")
def splits(tmp_path_factory) -> dict[int, Splits]:
    tmp = tmp_path_factory.mktemp("tfidf")
    out = {}
    for classes in (2, 4):
        path = write_csv(tmp / f"rows{classes}.csv", synthetic_rows(400, classes=classes))
        data = OmegaConf.create({"data": {"_target_": "sweeps.data.TextFiles", "path": str(path), "text_column": "text",
                                          "label_column": "label", "classes": None}})
        out[classes] = make_splits(load_rows(data, tmp / "hf"), 0.1, 0.1, split_seed=42)
    return out


def test_the_analyzer_adds_space_joined_bigrams_only_when_asked():
    assert _analyzer(1)(["not", "good", "film"]) == ["not", "good", "film"]
    assert _analyzer(2)(["not", "good", "film"]) == ["not", "good", "film", "not good", "good film"]
    assert _analyzer(2)([]) == []


def test_vocabulary_comes_from_the_training_split_only(splits):
    binary = splits[2]
    extra = Split([["zebra", "quokka"]], np.array([0]), ["zebra quokka"])
    model = build_estimator(_model_cfg()).fit(Splits(binary.train, extra, binary.test, binary.class_names))
    train_terms = {t for doc in binary.train.tokens for t in _analyzer(2)(doc)}
    assert set(model.vectorizer.vocabulary_) == train_terms and "zebra" not in model.vectorizer.vocabulary_
    # Words and bigrams, one weight each, plus the bias.
    assert model.parameters == len(train_terms) + 1 and model.train_time_s > 0
    assert model.oov_rates(extra).tolist() == [1.0]


def test_binary_evaluation_matches_sklearn_and_learns_the_task(splits):
    binary = splits[2]
    model = build_estimator(_model_cfg()).fit(binary)
    scored = model.evaluate(binary.test, 2)
    full = model.probabilities(binary.test)
    # Binary: P(class 1) per document, like the networks' sigmoid output.
    assert scored["probs"].shape == (len(binary.test),) and np.allclose(scored["probs"], full[:, 1])
    assert scored["loss"] == pytest.approx(log_loss(binary.test.labels, full))
    assert np.array_equal(scored["preds"], full.argmax(axis=1)) and np.allclose(scored["confidence"], full.max(axis=1))
    assert scored["metrics"]["acc"] == pytest.approx(float((scored["preds"] == binary.test.labels).mean()))
    assert scored["metrics"]["acc"] >= 0.8


def test_multiclass_keeps_one_probability_per_class(splits):
    topics = splits[4]
    model = build_estimator(_model_cfg(ngrams=1)).fit(topics)
    scored = model.evaluate(topics.test, 4)
    assert scored["probs"].shape == (len(topics.test), 4) and np.allclose(scored["probs"].sum(axis=1), 1)
    assert model.parameters == 4 * len(model.vectorizer.vocabulary_) + 4
    assert scored["metrics"]["acc"] > 0.6  # chance is 0.25


def test_min_df_and_c_reach_sklearn(splits):
    binary = splits[2]
    sparse = build_estimator(_model_cfg(min_df=5, C=0.01)).fit(binary)
    dense = build_estimator(_model_cfg(min_df=1, C=100.0)).fit(binary)
    assert len(sparse.vectorizer.vocabulary_) < len(dense.vectorizer.vocabulary_)
    assert sparse.classifier.C == 0.01 and np.abs(sparse.classifier.coef_).max() < np.abs(dense.classifier.coef_).max()
