"""The loss landscape around a trained model: filter-normalised 2-D projection (Li et al., 2018).

Two random directions d1, d2 are drawn in weight space and each row ("filter") of every weight
matrix is rescaled to the norm of the corresponding row of the trained weights, so the picture
is not distorted by the scale of individual layers. Biases and norm parameters stay fixed.
The plot is L(w* + a d1 + b d2) over a grid of (a, b).
"""

from __future__ import annotations

import numpy as np
import torch

from sweeps.gallery._checkpoint_model import load_run_model
from sweeps.gallery._context import GalleryContext, plt


def filter_normalized_direction(params: list[torch.Tensor], generator: torch.Generator) -> list[torch.Tensor]:
    directions = []
    for w in params:
        if w.dim() <= 1:
            directions.append(torch.zeros_like(w))
            continue
        d = torch.randn(w.shape, generator=generator, dtype=w.dtype)
        d *= w.norm(dim=1, keepdim=True) / (d.norm(dim=1, keepdim=True) + 1e-10)
        directions.append(d)
    return directions


@torch.no_grad()
def loss_surface(model, data, loss_fn, steps: int, span: float = 1.0, rows: int = 2000, seed: int = 0):
    params = [p for p in model.parameters() if p.requires_grad]
    origin = [p.detach().clone() for p in params]
    generator = torch.Generator().manual_seed(seed)
    d1, d2 = filter_normalized_direction(origin, generator), filter_normalized_direction(origin, generator)
    index = torch.arange(min(rows, len(data)))
    inputs, labels = data.batch(index)
    grid = np.linspace(-span, span, steps)
    surface = np.zeros((steps, steps))
    for i, a in enumerate(grid):
        for j, b in enumerate(grid):
            for p, w, u, v in zip(params, origin, d1, d2):
                p.copy_(w + a * u + b * v)
            surface[j, i] = float(loss_fn(model(inputs), labels))
    for p, w in zip(params, origin):
        p.copy_(w)
    return grid, surface


def render(ctx: GalleryContext) -> list:
    model, data, loss_fn = load_run_model(ctx, ctx.run_id)
    grid, surface = loss_surface(model, data, loss_fn, steps=7 if ctx.small else 25)
    a, b = np.meshgrid(grid, grid)
    fig = plt.figure(figsize=(12, 5))
    ax = fig.add_subplot(1, 2, 1)
    contour = ax.contour(a, b, surface, levels=20, cmap="viridis")
    ax.clabel(contour, fontsize=6)
    ax.plot(0, 0, "r*", ms=10)
    ax.set(xlabel="direction 1", ylabel="direction 2", title=f"loss contours around run {ctx.run_id[:8]}")
    ax3d = fig.add_subplot(1, 2, 2, projection="3d")
    ax3d.plot_surface(a, b, surface, cmap="viridis", linewidth=0)
    ax3d.set(xlabel="d1", ylabel="d2", zlabel="loss", title="surface")
    fig.tight_layout()
    return [ctx.save(fig, "landscape")]
