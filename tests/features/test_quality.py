"""The degenerate-input checks on tiny synthetic inputs whose answer is known exactly."""

from __future__ import annotations

import numpy as np
import pytest

from sweeps.features import quality


def test_parallel_vectors_read_cosine_one_and_warn():
    rng = np.random.default_rng(0)
    direction = rng.normal(size=16)
    parallel = np.outer(rng.uniform(0.5, 2.0, size=50), direction)  # 50 positive multiples of one vector
    measured = quality.InputQuality(vector_cosine=quality.mean_pairwise_cosine(parallel))
    # Every pair points the same way: the mean cosine is 1 and the warning names the number and a fix.
    assert measured.vector_cosine == pytest.approx(1.0)
    assert measured.collapsed() and "1.000" in measured.warning("word2vec") and "embeddings.epochs" in measured.warning("word2vec")


def test_random_vectors_read_cosine_near_zero():
    vectors = np.random.default_rng(0).normal(size=(200, 300))
    # Independent directions in 300-d: mean cosine ~ 0 (std of one pair ~ 1/sqrt(300)), no warning.
    assert abs(quality.mean_pairwise_cosine(vectors)) < 0.01
    assert quality.InputQuality(vector_cosine=quality.mean_pairwise_cosine(vectors)).warning("w") == ""


def test_pairwise_cosine_matches_the_explicit_double_loop():
    vectors = np.random.default_rng(1).normal(size=(7, 5))
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    expected = np.mean([unit[i] @ unit[j] for i in range(7) for j in range(7) if i != j])
    assert quality.mean_pairwise_cosine(vectors) == pytest.approx(expected)
    assert quality.mean_pairwise_cosine(vectors[:1]) == 0.0  # no pair to compare


def test_constant_features_read_zero_std_and_warn():
    pooled = np.tile(np.linspace(0.1, 1.0, 8), (30, 1))  # every document pools to the same vector
    measured = quality.InputQuality(feature_std=quality.feature_std_ratio(pooled))
    assert measured.feature_std == pytest.approx(0.0, abs=1e-12)
    assert "0.000" in measured.warning("word2vec")
    assert quality.feature_std_ratio(np.zeros((4, 3))) == 0.0  # all-zero features do not divide by zero


def test_varied_features_do_not_warn():
    pooled = np.random.default_rng(0).normal(size=(100, 8))
    # Centred unit-variance features: std / mean|x| = 1 / sqrt(2/pi) ~ 1.25.
    assert quality.feature_std_ratio(pooled) == pytest.approx(1.25, abs=0.15)


def test_a_large_common_component_is_not_constant_features():
    rng = np.random.default_rng(0)
    common = rng.uniform(1.0, 2.0, size=300)
    # Skip-gram's mean-pooled IMDB features: a common vector plus per-document variation of ~1/6 of
    # its size (measured spread 0.18): informative, no warning.
    skip_gram_like = common + rng.normal(scale=0.25, size=(500, 300))
    assert 0.1 < quality.feature_std_ratio(skip_gram_like) < 0.2
    assert quality.InputQuality(feature_std=quality.feature_std_ratio(skip_gram_like)).warning("word2vec") == ""
    # The same common vector with variation of 1% of its size: near-constant, warned with the number.
    nearly_constant = common + rng.normal(scale=0.015, size=(500, 300))
    measured = quality.InputQuality(feature_std=quality.feature_std_ratio(nearly_constant))
    assert measured.feature_std < quality.MIN_FEATURE_STD and "barely vary" in measured.warning("word2vec")


def test_empty_documents_are_counted_and_warn_above_half():
    assert quality.empty_fraction(np.array([0, 0, 0, 3])) == 0.75
    assert "75%" in quality.InputQuality(empty_docs=0.75).warning("glove50")
    assert quality.InputQuality(empty_docs=0.2).warning("glove50") == ""
    assert quality.empty_fraction(np.array([], dtype=int)) == 0.0


def test_frequent_rows_are_the_most_frequent_words_with_a_vector():
    tokens = [["the", "the", "the", "cat", "zzz"], ["cat", "dog", "zzz", "zzz", "zzz"]]
    index = {"dog": 0, "cat": 1, "the": 2}  # "zzz" is frequent but has no vector
    assert quality.frequent_rows(tokens, index, k=2).tolist() == [2, 1]


def test_metrics_use_the_names_the_diagnoser_reads():
    measured = quality.InputQuality(vector_cosine=0.5, empty_docs=0.0)
    assert measured.metrics() == {"data/inputs_vector_cosine": 0.5, "data/inputs_empty_docs": 0.0}
