"""Activations forward and gradients backward, layer by layer.

Deep sigmoid nets shrink the gradient at every layer (f' <= 0.25): the first layers barely learn.
ReLU with He init keeps it roughly constant; residual connections add an identity path for it.
With a RUN_ID the trained run's own layers are shown too.
"""

from __future__ import annotations

import numpy as np
import torch

from sweeps.gallery._context import GalleryContext, plt
from sweeps.lab.network import MLP

NETS = {"sigmoid (xavier)": {"activation": "sigmoid", "init": "xavier"},
        "relu (he)": {"activation": "relu", "init": "he"},
        "relu + residual (he)": {"activation": "relu", "init": "he", "residual": True}}


def layer_flow(model: MLP, x: np.ndarray, y: np.ndarray) -> tuple[list[float], list[float]]:
    """Std of each hidden layer's output and the norm of each Linear weight's gradient."""
    model.loss_and_grads(x, y, train=False)
    linears = [layer for name, _, layer in model.named_params() if name.endswith(".W")]
    grad_norms = [float(np.linalg.norm(layer.grads["W"])) for layer in linears]
    activations, h = [], x
    for layer in model.net.layers[:-1]:
        h = layer.forward(h, train=False)
        activations.append(float(h.std()))
    return activations, grad_norms


def _run_flow(ctx: GalleryContext):
    from sweeps.gallery._checkpoint_model import load_run_model

    model, data, loss_fn = load_run_model(ctx, ctx.run_id)
    model.train()
    inputs, labels = data.batch(torch.arange(min(512, len(data))))
    model.zero_grad()
    loss_fn(model(inputs), labels).backward()
    return [(name, float(p.grad.norm())) for name, p in model.named_parameters()
            if p.grad is not None and name.endswith("weight")]


def render(ctx: GalleryContext) -> list:
    depth, width = (6, 32) if ctx.small else (12, 64)
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(256, width)), rng.integers(0, 2, size=256)
    panels = 3 if ctx.run_id else 2
    fig, axes = plt.subplots(1, panels, figsize=(5.5 * panels, 4))
    for name, kwargs in NETS.items():
        activations, grads = layer_flow(MLP([width] * (depth + 1) + [1], seed=0, **kwargs), x, y)
        axes[0].semilogy(range(1, len(activations) + 1), activations, marker="o", ms=3, label=name)
        axes[1].semilogy(range(1, len(grads) + 1), grads, marker="o", ms=3, label=name)
    axes[0].set(xlabel="layer", ylabel="std of activations", title=f"forward, {depth} hidden layers")
    axes[1].set(xlabel="layer (1 = first)", ylabel="||dL/dW||", title="backward: gradient per layer")
    for ax in axes[:2]:
        ax.legend(fontsize=8)
    if ctx.run_id:
        flow = _run_flow(ctx)
        axes[2].bar(range(len(flow)), [g for _, g in flow])
        axes[2].set_xticks(range(len(flow)), [n for n, _ in flow], rotation=45, ha="right", fontsize=7)
        axes[2].set(yscale="log", title=f"run {ctx.run_id[:8]}: gradient norm per weight")
    fig.tight_layout()
    return [ctx.save(fig, "gradient_flow")]


__all__ = ["layer_flow", "render"]
