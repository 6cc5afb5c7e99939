"""Numerical gradient checking: does backprop agree with central differences?

    dL/dθ ≈ (L(θ + h) - L(θ - h)) / 2h,   error O(h²)

In float64 with h = 1e-6 a correct backward pass agrees to a relative error around 1e-9;
an error above 1e-6 means a bug.
"""

from __future__ import annotations

from typing import Callable

import numpy as np


def relative_error(analytic: np.ndarray, numeric: np.ndarray) -> float:
    """||a - n|| / (||a|| + ||n||) over a whole parameter.

    Taken over the tensor rather than per entry: entries whose gradient is ~1e-10 are pure
    finite-difference noise and would make a correct backward pass look wrong.
    """
    difference = float(np.linalg.norm(analytic - numeric))
    scale = float(np.linalg.norm(analytic) + np.linalg.norm(numeric))
    # A gradient that is truly zero (a bias right before batch norm) has no scale to be relative
    # to: the absolute difference is reported instead.
    return difference if scale < 1e-7 else difference / scale


def numerical_gradient(loss: Callable[[], float], array: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Perturb each entry of ``array`` in place and restore it."""
    grad = np.zeros_like(array)
    it = np.nditer(array, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        original = array[i]
        array[i] = original + h
        plus = loss()
        array[i] = original - h
        minus = loss()
        array[i] = original
        grad[i] = (plus - minus) / (2 * h)
    return grad


def check_model(model, x: np.ndarray, y: np.ndarray, h: float = 1e-6) -> dict[str, float]:
    """Relative error per parameter of ``model`` (an :class:`~sweeps.lab.network.MLP`) and the input.

    Run in eval mode (no dropout randomness) so the loss is a deterministic function of θ.
    """
    model.loss_and_grads(x, y, train=False)
    analytic = {name: grad.copy() for name, grad in model.grads().items()}

    def loss() -> float:
        return model.loss_fn(model.forward(x, train=False), y)[0]

    errors = {name: relative_error(analytic[name], numerical_gradient(loss, array, h))
              for name, array, _ in model.named_params()}
    return errors


def check_function(f: Callable[[np.ndarray], np.ndarray], df: Callable[[np.ndarray], np.ndarray],
                   z: np.ndarray, h: float = 1e-6) -> float:
    """Elementwise derivative check of an activation."""
    numeric = (f(z + h) - f(z - h)) / (2 * h)
    return relative_error(df(z), numeric)
