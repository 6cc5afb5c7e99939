"""Are the model's inputs informative? Three measurements taken before training, and the warning.

A network cannot learn from inputs that carry no signal, and what it does instead (dead ReLUs, a
flat loss at ln 2) looks like an optimisation problem. These checks catch the input problem at its
source, each as one number logged as a step-0 MLflow metric (names below; the diagnoser's
``uninformative_inputs`` rule reads them):

- ``data/inputs_vector_cosine``: mean pairwise cosine similarity of the vectors of the ~200 most
  frequent in-vocabulary training words. 1.0 = collapsed: every vector points the same way, as
  Word2Vec's do after too few updates (5 epochs over the 129k tokens of Rotten Tomatoes: 0.999).
- ``data/inputs_feature_std``: median over dimensions of the per-dimension std of the pooled
  training features, divided by the mean absolute feature value (of the raw pooled features,
  before any standardisation). ~0 = every document pools to nearly the same vector: the variation
  standardisation would blow up to unit scale is a few per cent of the features' size.
- ``data/inputs_empty_docs``: share of training documents with no in-vocabulary token (they pool
  to zeros).

Thresholds are measured on the shipped data (README "Text classification"). Collapsed Word2Vec
on Rotten Tomatoes (CBOW, 5 epochs) reads cosine 0.999 and feature std 0.12 (test accuracy 0.52).
Healthy vectors read cosine 0.03-0.39 and feature std 0.18-1.2 (CBOW and skip-gram Word2Vec on
Rotten Tomatoes, IMDB, 2,000 IMDB rows and BBC News); GloVe 50d reads 0.65 (its frequent words
share a common direction) and 0.60. Skip-gram's pooled features carry a large common component
(IMDB: 0.18), as low as the collapsed run's spread, so collapse is the cosine check's to catch and
the spread check is only for features that hardly vary at all (below 0.05). Low-dimensional
vectors trained to completion are not collapsed: 4-d skip-gram vectors on IMDB (the underfitting
preset) read cosine 0.89 and spread 0.08; 16-d skip-gram vectors on 400 synthetic reviews, 0.58
and 0.32. A measure tried instead of the spread, the first principal component's share of the
standardised features, read 0.77-0.89 on those synthetic reviews (their signal lies along one
direction) as on the collapsed run: dropped.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

COSINE = "data/inputs_vector_cosine"
FEATURE_STD = "data/inputs_feature_std"
EMPTY_DOCS = "data/inputs_empty_docs"

# Above: nearly parallel. Collapsed Word2Vec reads 0.999; GloVe's healthy 0.65 and 4-dimensional skip-gram
# vectors trained to completion, 0.89 (in 4 dimensions frequent words share a cone), stay below.
MAX_COSINE = 0.95
# Below: near-constant pooled features (healthy vectors >= 0.18, 4-d vectors 0.08; collapse is the cosine's).
MIN_FEATURE_STD = 0.05
# Above: most documents have no vector at all.
MAX_EMPTY_DOCS = 0.5
FREQUENT_WORDS = 200


def mean_pairwise_cosine(vectors: np.ndarray) -> float:
    """Mean cosine similarity over the distinct pairs of rows of ``vectors`` (K, D); 0.0 for K < 2.

    Zero rows count as orthogonal to everything."""
    k = len(vectors)
    if k < 2:
        return 0.0
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit = np.divide(vectors, norms, out=np.zeros_like(vectors, dtype=np.float64), where=norms > 0)
    sums = unit.sum(axis=0)
    pair_sum = float(sums @ sums) - float((unit * unit).sum())  # sum over i != j of u_i . u_j
    return pair_sum / (k * (k - 1))


def frequent_rows(train_tokens: list[list[str]], index: dict[str, int], k: int = FREQUENT_WORDS) -> np.ndarray:
    """Row ids (in ``index``) of the ``k`` most frequent training words that have a vector, most
    frequent first; ties broken by the word so the choice is deterministic."""
    counts = Counter(t for doc in train_tokens for t in doc if t in index)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:k]
    return np.asarray([index[word] for word, _ in ranked], dtype=np.int64)


def feature_std_ratio(pooled: np.ndarray) -> float:
    """median_d std(x[:, d]) / mean |x| over the pooled training features (N, D); 0.0 if all zero."""
    if pooled.size == 0:
        return 0.0
    scale = float(np.abs(pooled).mean())
    return float(np.median(pooled.std(axis=0)) / scale) if scale > 0 else 0.0


def empty_fraction(lengths: np.ndarray) -> float:
    """Share of documents whose in-vocabulary token count (N,) is zero."""
    return float((np.asarray(lengths) == 0).mean()) if len(lengths) else 0.0


@dataclass
class InputQuality:
    """The measurements that apply to a run's layout (None = not measured for it)."""

    vector_cosine: float | None = None
    feature_std: float | None = None
    empty_docs: float | None = None

    def metrics(self) -> dict[str, float]:
        values = {COSINE: self.vector_cosine, FEATURE_STD: self.feature_std, EMPTY_DOCS: self.empty_docs}
        return {name: float(v) for name, v in values.items() if v is not None}

    def collapsed(self) -> bool:
        return self.vector_cosine is not None and self.vector_cosine > MAX_COSINE

    def warning(self, embeddings: str) -> str:
        """One line: what is wrong, the measured number, and what to do; "" when nothing is."""
        problems = []
        if self.collapsed():
            problems.append(f"the {embeddings} vectors of frequent words are nearly parallel (mean cosine "
                            f"{self.vector_cosine:.3f} > {MAX_COSINE}): too few Word2Vec updates for this corpus; "
                            f"raise embeddings.epochs or embeddings.min_token_passes, or use embeddings=glove50")
        if self.feature_std is not None and self.feature_std < MIN_FEATURE_STD:
            problems.append(f"pooled features barely vary between documents (std/mean {self.feature_std:.3f} < "
                            f"{MIN_FEATURE_STD}): fix the vectors (above) or try model.pooling=max")
        if self.empty_docs is not None and self.empty_docs > MAX_EMPTY_DOCS:
            problems.append(f"{100 * self.empty_docs:.0f}% of training documents have no in-vocabulary word "
                            f"(> {100 * MAX_EMPTY_DOCS:.0f}%): use vectors that cover this text (a lower "
                            f"embeddings.min_count for vectors trained here, features.min_count for a trainable bag)")
        return ("uninformative inputs: " + "; ".join(problems)) if problems else ""
