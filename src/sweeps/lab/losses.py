"""Losses on logits, numerically stable, each returning (mean loss, dL/dlogits).

Binary cross-entropy on a logit z with p = sigmoid(z):
    L = -[y log p + (1 - y) log(1 - p)] = max(z, 0) - z*y + log(1 + e^{-|z|})   (never overflows)
    dL/dz = p - y        (the sigmoid's derivative p(1-p) cancels against the log's 1/p and 1/(1-p))

Softmax cross-entropy on logits z (K classes), y the true class:
    L = -log softmax(z)_y = logsumexp(z) - z_y      (logsumexp shifted by max(z) for stability)
    dL/dz = softmax(z) - onehot(y)
Averaging over a batch of m divides both by m.
"""

from __future__ import annotations

import numpy as np

from sweeps.lab.activations import sigmoid


def bce_with_logits(z: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    z, y = z.reshape(-1), y.reshape(-1).astype(z.dtype)
    loss = np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))
    return float(loss.mean()), (sigmoid(z) - y) / len(y)


def softmax(z: np.ndarray) -> np.ndarray:
    shifted = z - z.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)


def softmax_cross_entropy(z: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    m = len(y)
    shifted = z - z.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_probs[np.arange(m), y].mean()
    grad = np.exp(log_probs)
    grad[np.arange(m), y] -= 1.0
    return float(loss), grad / m


def num_outputs(num_classes: int) -> int:
    """Logits a classifier over ``num_classes`` emits: 1 for binary (sigmoid + BCE), else K
    (softmax + cross-entropy). The product's models and trainer use this same rule."""
    return 1 if num_classes == 2 else num_classes


def loss_for(num_outputs: int):
    return bce_with_logits if num_outputs == 1 else softmax_cross_entropy
