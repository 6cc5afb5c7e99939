"""Bags of token ids for trainable embeddings: each document as a CSR row of (id, weight) pairs.

A trainable table cannot be pooled ahead of time, but it need not be padded either: an
``EmbeddingBag`` over CSR rows touches only the ids a batch contains, and its sparse gradient
updates only those rows. Word ids come first (the rows pretrained vectors can initialise), then
n-gram ids (bigrams, and trigrams with ``ngrams=3``), either one per n-gram seen often enough in
training or hashed into a fixed number of buckets as fastText does (Joulin et al. 2017, "Bag of
Tricks for Efficient Text Classification").
"""

from __future__ import annotations

import zlib
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # scipy/sklearn load only when a bag is built, not on every cached run
    import scipy.sparse as sps


def phrases(tokens: list[str], ngrams: int) -> list[str]:
    """The document's n-grams for n = 2..``ngrams``, space-joined: ["a b", "b c", "a b c"] for
    ``ngrams=3`` and tokens a b c; none for ``ngrams=1``."""
    return [" ".join(tokens[i:i + n]) for n in range(2, ngrams + 1) for i in range(len(tokens) - n + 1)]


@dataclass
class BagVocabulary:
    """Which token or n-gram gets which row."""

    words: dict[str, int]
    bigrams: dict[str, int] | None = None  # exact n-gram rows (after the words)
    buckets: int = 0  # > 0: n-grams hashed into this many rows after the words
    ngrams: int = 2  # longest n-gram with a row (2: bigrams, 3: bigrams and trigrams)

    @property
    def rows(self) -> int:
        return len(self.words) + (len(self.bigrams) if self.bigrams is not None else self.buckets)

    def encode(self, tokens: list[str]) -> list[int]:
        ids = [self.words[t] for t in tokens if t in self.words]
        if self.bigrams is None and not self.buckets:
            return ids
        pairs = phrases(tokens, self.ngrams)
        if self.bigrams is not None:
            ids += [self.bigrams[p] for p in pairs if p in self.bigrams]
        elif self.buckets:
            offset = len(self.words)
            # crc32, not hash(): Python salts hash() per process and the cache outlives processes.
            ids += [offset + zlib.crc32(p.encode()) % self.buckets for p in pairs]
        return ids


def build_vocabulary(train_tokens: list[list[str]], min_count: int, ngrams: int, buckets: int,
                     bigram_min_count: int) -> BagVocabulary:
    """Words (and n-grams up to ``ngrams``, each kept when seen ``bigram_min_count`` times, or
    hashed into ``buckets`` rows) of the training split only."""
    counts = Counter(t for doc in train_tokens for t in doc)
    words = {w: i for i, w in enumerate(sorted(w for w, c in counts.items() if c >= min_count))}
    if ngrams < 2:
        return BagVocabulary(words)
    if buckets:
        return BagVocabulary(words, buckets=buckets, ngrams=ngrams)
    pair_counts = Counter(p for doc in train_tokens for p in phrases(doc, ngrams))
    kept = sorted(p for p, c in pair_counts.items() if c >= bigram_min_count)
    return BagVocabulary(words, bigrams={p: len(words) + i for i, p in enumerate(kept)}, ngrams=ngrams)


def count_matrix(docs: list[list[str]], vocab: BagVocabulary) -> sps.csr_matrix:
    """(N, rows) token counts; duplicates summed."""
    import scipy.sparse as sps

    encoded = [vocab.encode(doc) for doc in docs]
    indptr = np.cumsum([0] + [len(e) for e in encoded])
    indices = np.fromiter((i for e in encoded for i in e), dtype=np.int64, count=int(indptr[-1]))
    matrix = sps.csr_matrix((np.ones(len(indices), np.float32), indices, indptr), shape=(len(docs), vocab.rows))
    matrix.sum_duplicates()
    return matrix


def mean_weights(counts: sps.csr_matrix) -> sps.csr_matrix:
    """Each row's counts divided by its token total: the bag's sum becomes the mean of its vectors."""
    import scipy.sparse as sps

    totals = np.asarray(counts.sum(axis=1)).ravel()
    return (sps.diags(1.0 / np.maximum(totals, 1.0)) @ counts).tocsr().astype(np.float32)


def tfidf_weights(train: sps.csr_matrix, *others: sps.csr_matrix) -> list[sps.csr_matrix]:
    """Sublinear TF times IDF fitted on the training split, rows L2-normalised (sklearn's TF-IDF)."""
    from sklearn.feature_extraction.text import TfidfTransformer

    transformer = TfidfTransformer(sublinear_tf=True).fit(train)
    return [transformer.transform(m).tocsr().astype(np.float32) for m in (train, *others)]


def nb_weights(train: sps.csr_matrix, labels: np.ndarray, *others: sps.csr_matrix,
               alpha: float = 1.0) -> list[sps.csr_matrix]:
    """Binarised counts, each token (table row) scaled by its Naive Bayes log-count ratio fitted on
    the training split (Wang & Manning 2012, "Baselines and Bigrams", NBSVM's ``r``, smoothing
    ``alpha`` = 1): ``r = log((p / |p|_1) / (q / |q|_1))`` with ``p`` (``q``) the smoothed counts of
    training documents holding the token in one class (in the others).

    Adapted to a trainable bag, not the paper's exact features: the weight is ``|r|`` (the learnt
    row carries the sign), document rows are L2-normalised like TF-IDF's, and with K > 2 classes a
    token takes its largest one-vs-rest ``|r|`` over the classes present in training. A token no
    class prefers weighs ~0; a token of one class weighs most.

    ``labels``: (N,) class indices of ``train``'s N rows. Raises ValueError when their lengths differ."""
    import scipy.sparse as sps
    from sklearn.preprocessing import normalize

    binary = [m.copy() for m in (train, *others)]
    for matrix in binary:
        matrix.data[:] = 1.0
    labels = np.asarray(labels, dtype=np.int64)
    if len(labels) != train.shape[0]:
        raise ValueError(f"nb_weights: {len(labels)} labels for {train.shape[0]} training rows")
    classes = np.unique(labels)  # a class absent from training would only add smoothing
    per_class = np.vstack([np.asarray(binary[0][labels == k].sum(axis=0), dtype=np.float64).ravel()
                           for k in classes])
    total = per_class.sum(axis=0)
    ratios = []
    for k in range(len(classes) if len(classes) > 2 else 1):
        p, q = per_class[k] + alpha, total - per_class[k] + alpha
        ratios.append(np.abs(np.log(p / p.sum()) - np.log(q / q.sum())))
    weight = sps.diags(np.max(ratios, axis=0).astype(np.float32))
    return [normalize((matrix @ weight).tocsr()).astype(np.float32) for matrix in binary]


def csr_arrays(matrix: sps.csr_matrix) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ids, offsets, weights) with ``offsets`` of length N + 1."""
    return matrix.indices.astype(np.int64), matrix.indptr.astype(np.int64), matrix.data.astype(np.float32)
