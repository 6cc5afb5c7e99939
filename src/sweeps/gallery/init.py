"""Why initialisation matters: activation spread through 20 layers for each scheme."""

from __future__ import annotations

import numpy as np

from sweeps.lab.activations import get_activation
from sweeps.gallery._context import GalleryContext, plt
from sweeps.lab.layers import init_weight

SCHEMES = ("zeros", "normal", "xavier", "kaiming")


def activation_stds(scheme: str, activation: str, depth: int, width: int, seed: int = 0) -> list[float]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(256, width))
    f = get_activation(activation).f
    stds = []
    for _ in range(depth):
        x = f(x @ init_weight(width, width, scheme, rng, np.float64, std=0.01, activation=activation).T)
        stds.append(float(x.std()))
    return stds


def render(ctx: GalleryContext) -> list:
    depth, width = (8, 64) if ctx.small else (20, 256)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    for ax, activation in zip(axes, ("tanh", "relu")):
        for scheme in SCHEMES:
            stds = activation_stds(scheme, activation, depth, width)
            ax.semilogy(range(1, depth + 1), np.maximum(stds, 1e-12), marker="o", ms=3, label=scheme)
        ax.set_title(f"{activation}: std of activations by layer")
        ax.set_xlabel("layer")
        ax.legend()
    axes[0].set_ylabel("std (log)")
    fig.tight_layout()
    return [ctx.save(fig, "init")]
