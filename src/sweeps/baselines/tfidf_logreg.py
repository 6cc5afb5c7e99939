"""Lecture 1's baseline: TF-IDF over words (or words + bigrams) and logistic regression.

Uses the same tokenizer and the same train/val/test split as the networks, so its row in the
results table is a fair comparison. ``C`` is sklearn's inverse regularisation strength.
"""

from __future__ import annotations

import time

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss

from sweeps.data.splits import Split, Splits
from sweeps.evaluation import classification_metrics


def _analyzer(ngrams: int):
    """Tokens are already produced by sweeps' tokenizer; add space-joined bigrams when asked."""
    def analyze(tokens: list[str]) -> list[str]:
        if ngrams < 2:
            return tokens
        return tokens + [f"{a} {b}" for a, b in zip(tokens, tokens[1:])]
    return analyze


class TfidfLogreg:
    """TF-IDF features and a logistic regression over them, unfitted until :meth:`fit`.

    The ``_target_`` of ``conf/model/logreg_tfidf.yaml``: ``ngrams`` (1 = words, 2 = + bigrams),
    ``min_df`` (drop rarer terms), ``C`` and ``max_iter`` (sklearn's), ``seed`` (the run's).
    """

    def __init__(self, ngrams: int = 2, min_df: int = 2, C: float = 1.0, max_iter: int = 1000,
                 seed: int = 0) -> None:
        self.vectorizer = TfidfVectorizer(analyzer=_analyzer(ngrams), min_df=min_df, sublinear_tf=True)
        self.classifier = LogisticRegression(C=C, max_iter=max_iter, random_state=seed)
        self.train_time_s = 0.0

    def fit(self, splits: Splits) -> "TfidfLogreg":
        """Fit on the training split only (vocabulary, IDF and weights); returns self."""
        start = time.perf_counter()
        self.classifier.fit(self.vectorizer.fit_transform(splits.train.tokens), splits.train.labels)
        self.train_time_s = time.perf_counter() - start
        return self

    @property
    def parameters(self) -> int:
        return int(self.classifier.coef_.size + self.classifier.intercept_.size)

    def probabilities(self, split: Split) -> np.ndarray:
        return self.classifier.predict_proba(self.vectorizer.transform(split.tokens))

    def evaluate(self, split: Split, num_classes: int) -> dict:
        """loss, metrics, probs (P(class 1) when binary, else (N, K)), preds and confidence."""
        probs = self.probabilities(split)
        preds = probs.argmax(axis=1)
        metrics = classification_metrics(split.labels, preds, num_classes)
        loss = float(log_loss(split.labels, probs, labels=list(range(num_classes))))
        return {"loss": loss, "metrics": metrics, "probs": probs[:, 1] if num_classes == 2 else probs,
                "preds": preds, "confidence": probs.max(axis=1)}

    def top_features(self, k: int = 30) -> dict[str, list[str]] | None:
        """The ``k`` terms that push hardest toward class 0 (``most_negative``) and class 1
        (``most_positive``, strongest first); None for several classes (one weight row per class)."""
        coef = self.classifier.coef_
        if coef.shape[0] != 1:
            return None
        names = self.vectorizer.get_feature_names_out()
        order = np.argsort(coef[0])
        return {"most_negative": names[order[:k]].tolist(), "most_positive": names[order[-k:]][::-1].tolist()}

    def oov_rates(self, split: Split) -> np.ndarray:
        """Share of each document's word tokens outside the TF-IDF vocabulary."""
        vocab = self.vectorizer.vocabulary_
        return np.asarray([1 - sum(t in vocab for t in doc) / len(doc) if doc else 0.0 for doc in split.tokens],
                          np.float32)
