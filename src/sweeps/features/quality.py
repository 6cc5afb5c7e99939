"""Are the model's inputs informative? Three measurements taken before training, and the warning.

A network cannot learn from inputs that carry no signal, and what it does instead (dead ReLUs, a
flat loss at ln 2) looks like an optimisation problem. These checks catch the input problem at its
source, each as one number logged as a step-0 MLflow metric (names below; the diagnoser's
``uninformative_inputs`` rule reads them):

- ``data/inputs_vector_cosine``: mean pairwise cosine similarity of the vectors of the ~200 most
  frequent in-vocabulary training words. 1.0 = collapsed: every vector points the same way, as
  Word2Vec's do after too few updates (5 epochs over the 129k tokens of Rotten Tomatoes: 0.999).
- ``data/inputs_top_component``: share of the pooled training features' variance that lies on
  their first principal component, after centring and scaling each dimension to unit variance
  (the features the model sees when ``features.standardize`` is on). 1.0 = every document pools
  to one vector scaled (they differ along a single direction); independent of the features'
  common mean and scale, which standardisation removes anyway.
- ``data/inputs_empty_docs``: share of training documents with no in-vocabulary token (they pool
  to zeros).

Thresholds are measured on the shipped data (README "Text classification"): collapsed Word2Vec
on Rotten Tomatoes (CBOW, 5 epochs) reads cosine 0.999 and top component 0.89 (test accuracy 0.52).
Healthy vectors read cosine 0.03-0.39 and top component 0.04-0.26: CBOW and skip-gram Word2Vec on
Rotten Tomatoes, IMDB (full and 2,000 rows) and BBC News; GloVe 50d reads cosine 0.65 (its frequent
words share a common direction) and top component 0.14. An earlier spread measure, std over mean
absolute value, read 0.18 on healthy skip-gram IMDB features (a large common mean), as low as a
collapsed run's 0.12: that is why the measure is taken after centring.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

COSINE = "data/inputs_vector_cosine"
TOP_COMPONENT = "data/inputs_top_component"
EMPTY_DOCS = "data/inputs_empty_docs"

# Above: nearly parallel. Collapsed Word2Vec reads 0.999; GloVe's healthy 0.65 and 4-dimensional skip-gram
# vectors trained to completion, 0.89 (in 4 dimensions frequent words share a cone), stay below.
MAX_COSINE = 0.95
# Above: pooled features vary along one direction (collapsed Word2Vec 0.89, healthy <= 0.26).
MAX_TOP_COMPONENT = 0.6
# The first principal component is estimated on at most this many training documents (cost).
TOP_COMPONENT_ROWS = 5000
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


def top_component_share(pooled: np.ndarray) -> float | None:
    """Largest eigenvalue over the trace of the correlation matrix of ``pooled`` (N, D): the share of
    the standardised features' variance on their first principal component, in [1/D, 1].

    Dimensions that do not vary count as variance 0; if none varies (every document pools to the
    same vector) the share is 1.0. The first ``TOP_COMPONENT_ROWS`` rows are used. None when D < 2
    or N < 2 (nothing to compare)."""
    x = np.asarray(pooled, dtype=np.float64)[:TOP_COMPONENT_ROWS]
    if x.ndim != 2 or x.shape[0] < 2 or x.shape[1] < 2:
        return None
    centred = x - x.mean(axis=0)
    std = centred.std(axis=0)
    varying = std > 1e-12 * max(float(np.abs(x).max()), 1.0)
    if not varying.any():
        return 1.0
    z = centred[:, varying] / std[varying]
    singular = np.linalg.svd(z, compute_uv=False)  # eigenvalues of z'z are the squared singular values
    return float(singular[0] ** 2 / (singular ** 2).sum())


def empty_fraction(lengths: np.ndarray) -> float:
    """Share of documents whose in-vocabulary token count (N,) is zero."""
    return float((np.asarray(lengths) == 0).mean()) if len(lengths) else 0.0


@dataclass
class InputQuality:
    """The measurements that apply to a run's layout (None = not measured for it)."""

    vector_cosine: float | None = None
    top_component: float | None = None
    empty_docs: float | None = None

    def metrics(self) -> dict[str, float]:
        values = {COSINE: self.vector_cosine, TOP_COMPONENT: self.top_component, EMPTY_DOCS: self.empty_docs}
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
        if self.top_component is not None and self.top_component > MAX_TOP_COMPONENT:
            problems.append(f"pooled features differ between documents along one direction only (first principal "
                            f"component {self.top_component:.3f} of their variance > {MAX_TOP_COMPONENT}): fix the "
                            f"vectors (above) or try model.pooling=max")
        if self.empty_docs is not None and self.empty_docs > MAX_EMPTY_DOCS:
            problems.append(f"{100 * self.empty_docs:.0f}% of training documents have no in-vocabulary word "
                            f"(> {100 * MAX_EMPTY_DOCS:.0f}%): lower embeddings.min_count or use vectors that "
                            f"cover this text")
        return ("uninformative inputs: " + "; ".join(problems)) if problems else ""
