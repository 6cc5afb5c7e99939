"""Toy 2-D classification sets for the lab: XOR, two moons, spirals, concentric circles.

Small enough to train in seconds, yet none is linearly separable: a model without a hidden
layer cannot fit them, which is the lecture's point about non-linearity.
"""

from __future__ import annotations

import numpy as np
from sklearn.datasets import make_circles, make_moons

TOY_DATASETS = ("xor", "moons", "spirals", "circles")


def xor(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Clusters around the four corners of the unit square; label = x1 XOR x2."""
    corners = rng.integers(0, 2, size=(n, 2))
    x = corners + rng.normal(0, noise, size=(n, 2))
    return (x - 0.5).astype(np.float32), (corners[:, 0] ^ corners[:, 1]).astype(np.int64)


def spirals(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved arms, each one turn and a half."""
    labels = rng.integers(0, 2, size=n)
    t = np.sqrt(rng.random(n)) * 3 * np.pi
    angle = t + labels * np.pi
    x = np.stack([t * np.cos(angle), t * np.sin(angle)], axis=1) / (3 * np.pi)
    return (x + rng.normal(0, noise, size=x.shape)).astype(np.float32), labels.astype(np.int64)


def make_toy(name: str, n: int, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    if name == "xor":
        return xor(n, noise, rng)
    if name == "spirals":
        return spirals(n, noise, rng)
    if name == "moons":
        x, y = make_moons(n, noise=noise, random_state=seed)
    elif name == "circles":
        x, y = make_circles(n, noise=noise, factor=0.5, random_state=seed)
    else:
        raise ValueError(f"unknown toy dataset {name!r}; expected one of {TOY_DATASETS}")
    return x.astype(np.float32), y.astype(np.int64)
