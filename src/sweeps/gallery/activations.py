"""Each activation next to its derivative, with the regions where learning stalls marked."""

from __future__ import annotations

import numpy as np

from sweeps.lab.activations import ACTIVATIONS
from sweeps.gallery._context import GalleryContext, plt

SHOWN = ("sigmoid", "tanh", "relu", "leaky_relu", "gelu")


def render(ctx: GalleryContext) -> list:
    z = np.linspace(-6, 6, 601)
    fig, axes = plt.subplots(len(SHOWN) + 1, 2, figsize=(9, 2.3 * (len(SHOWN) + 1)))
    for row, name in zip(axes, SHOWN):
        act = ACTIVATIONS[name]
        row[0].plot(z, act.f(z), color="C0")
        row[1].plot(z, act.df(z), color="C1")
        row[0].set_ylabel(name)
        if name in ("sigmoid", "tanh"):
            saturated = np.abs(act.df(z)) < 0.05 * act.df(np.zeros(1))[0]
            for ax in row:
                ax.fill_between(z, *ax.get_ylim(), where=saturated, color="red", alpha=0.12, label="saturated: f' < 5% of max")
        if name == "relu":
            for ax in row:
                ax.axvspan(-6, 0, color="grey", alpha=0.15, label="dead region: f' = 0")
        if name in ("sigmoid", "tanh", "relu"):
            row[1].legend(loc="upper left", fontsize=7)
    axes[0][0].set_title("f(z)")
    axes[0][1].set_title("f'(z)")
    exact, approx = ACTIVATIONS["gelu"], ACTIVATIONS["gelu_tanh"]
    axes[-1][0].plot(z, exact.f(z), label="GELU (erf)")
    axes[-1][0].plot(z, approx.f(z), "--", label="tanh approximation")
    axes[-1][0].plot(z, ACTIVATIONS["relu"].f(z), ":", label="ReLU")
    axes[-1][0].legend(fontsize=7)
    axes[-1][1].plot(z, exact.f(z) - approx.f(z))
    axes[-1][1].set_title("GELU exact - approximation", fontsize=9)
    fig.tight_layout()
    return [ctx.save(fig, "activations")]
