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


def test_constant_features_read_one_direction_and_warn():
    pooled = np.tile(np.linspace(0.1, 1.0, 8), (30, 1))  # every document pools to the same vector
    measured = quality.InputQuality(top_component=quality.top_component_share(pooled))
    assert measured.top_component == 1.0
    assert "1.000" in measured.warning("word2vec") and "model.pooling=max" in measured.warning("word2vec")
    assert quality.top_component_share(np.zeros((4, 3))) == 1.0  # all-zero features do not divide by zero


def test_documents_that_are_one_vector_scaled_read_one():
    # What collapsed (parallel) word vectors pool to: a_i * v, plus a common offset. Centring removes the
    # offset, the scale a_i varies along one direction only.
    rng = np.random.default_rng(0)
    direction, offset = rng.normal(size=32), rng.normal(size=32) * 10
    pooled = offset + np.outer(rng.uniform(0.5, 2.0, size=200), direction)
    assert quality.top_component_share(pooled) == pytest.approx(1.0)
    noisy = pooled + rng.normal(scale=1e-3, size=pooled.shape)
    assert quality.top_component_share(noisy) > quality.MAX_TOP_COMPONENT


def test_varied_features_do_not_warn_whatever_their_common_mean():
    rng = np.random.default_rng(0)
    pooled = rng.normal(size=(400, 16))
    # Independent unit-variance dimensions: each principal component carries ~1/16 of the variance.
    share = quality.top_component_share(pooled)
    assert 1 / 16 <= share < 0.15
    # A large common mean (as mean-pooled skip-gram vectors have) and a scale change do not move it.
    assert quality.top_component_share(100.0 + 0.01 * pooled) == pytest.approx(share)
    assert quality.InputQuality(top_component=share).warning("word2vec") == ""


def test_top_component_matches_the_correlation_matrix_eigenvalue():
    rng = np.random.default_rng(2)
    pooled = rng.normal(size=(50, 6)) @ rng.normal(size=(6, 6))
    eigenvalues = np.linalg.eigvalsh(np.corrcoef(pooled, rowvar=False))
    assert quality.top_component_share(pooled) == pytest.approx(eigenvalues[-1] / eigenvalues.sum())
    assert quality.top_component_share(pooled[:, :1]) is None  # one dimension: no direction to compare
    assert quality.top_component_share(pooled[:1]) is None  # one document


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
    assert quality.InputQuality(top_component=0.2).metrics() == {"data/inputs_top_component": 0.2}
