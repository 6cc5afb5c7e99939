"""Activation functions and their derivatives, in NumPy.

Each derivative is taken with respect to the pre-activation z, which is what backprop needs:
dL/dz = dL/da * f'(z).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
from scipy.special import erf

_SQRT_2_OVER_PI = np.sqrt(2.0 / np.pi)
LEAKY_SLOPE = 0.01


def sigmoid(z: np.ndarray) -> np.ndarray:
    # Split by sign so exp never overflows: for z < 0 use e^z / (1 + e^z).
    out = np.empty_like(z, dtype=np.result_type(z, np.float32))
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1.0 + ez)
    return out


def _gelu_tanh_inner(z):
    return _SQRT_2_OVER_PI * (z + 0.044715 * z**3)


@dataclass(frozen=True)
class Activation:
    name: str
    f: Callable[[np.ndarray], np.ndarray]
    df: Callable[[np.ndarray], np.ndarray]  # f'(z)


ACTIVATIONS: dict[str, Activation] = {
    "sigmoid": Activation("sigmoid", sigmoid, lambda z: sigmoid(z) * (1 - sigmoid(z))),  # peaks at 0.25: vanishing
    "tanh": Activation("tanh", np.tanh, lambda z: 1 - np.tanh(z) ** 2),
    "relu": Activation("relu", lambda z: np.maximum(z, 0), lambda z: (z > 0).astype(z.dtype)),  # 0 for z<0: dead units
    "leaky_relu": Activation("leaky_relu", lambda z: np.where(z > 0, z, LEAKY_SLOPE * z),
                             lambda z: np.where(z > 0, 1.0, LEAKY_SLOPE).astype(z.dtype)),
    # GELU(z) = z * Phi(z), Phi the standard normal CDF; f' = Phi(z) + z * phi(z).
    "gelu": Activation("gelu", lambda z: 0.5 * z * (1 + erf(z / np.sqrt(2))),
                       lambda z: 0.5 * (1 + erf(z / np.sqrt(2))) + z * np.exp(-0.5 * z**2) / np.sqrt(2 * np.pi)),
    # The tanh approximation GPT-2 used.
    "gelu_tanh": Activation(
        "gelu_tanh", lambda z: 0.5 * z * (1 + np.tanh(_gelu_tanh_inner(z))),
        lambda z: 0.5 * (1 + np.tanh(_gelu_tanh_inner(z)))
        + 0.5 * z * (1 - np.tanh(_gelu_tanh_inner(z)) ** 2) * _SQRT_2_OVER_PI * (1 + 3 * 0.044715 * z**2)),
    "identity": Activation("identity", lambda z: z, lambda z: np.ones_like(z)),
}


def get_activation(name: str) -> Activation:
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise ValueError(f"unknown activation {name!r}; expected one of {sorted(ACTIVATIONS)}") from None
