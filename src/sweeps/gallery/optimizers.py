"""SGD / momentum / Adam / AdamW on 2-D surfaces: paths on contour plots and loss vs step."""

from __future__ import annotations

import numpy as np

from sweeps.gallery._context import GalleryContext, plt
from sweeps.lab.optimizers import NumpyOptimizer

# (function, gradient, start, view box); each shows a different difficulty.
SURFACES = {
    "ill-conditioned bowl": (lambda p: 0.5 * (p[0] ** 2 + 25 * p[1] ** 2),
                             lambda p: np.array([p[0], 25 * p[1]]), (-4.0, 1.5), (-5, 5, -2, 2)),
    "Rosenbrock": (lambda p: (1 - p[0]) ** 2 + 10 * (p[1] - p[0] ** 2) ** 2,
                   lambda p: np.array([-2 * (1 - p[0]) - 40 * p[0] * (p[1] - p[0] ** 2), 20 * (p[1] - p[0] ** 2)]),
                   (-1.5, 2.0), (-2, 2, -1, 3)),
    "saddle": (lambda p: p[0] ** 2 - p[1] ** 2 + 0.25 * p[1] ** 4,
               lambda p: np.array([2 * p[0], -2 * p[1] + p[1] ** 3]), (-2.0, 1e-3), (-2.5, 2.5, -2, 2)),
    "local minima": (lambda p: 0.1 * (p[0] ** 2 + p[1] ** 2) - np.cos(2 * p[0]) * np.cos(2 * p[1]),
                     lambda p: np.array([0.2 * p[0] + 2 * np.sin(2 * p[0]) * np.cos(2 * p[1]),
                                         0.2 * p[1] + 2 * np.cos(2 * p[0]) * np.sin(2 * p[1])]),
                     (2.8, 2.2), (-4, 4, -4, 4)),
}
OPTIMIZERS = ("sgd", "momentum", "adam", "adamw")
LEARNING_RATES = (0.01, 0.05)


def run_path(name: str, grad, start, lr: float, steps: int) -> np.ndarray:
    p = np.array(start, dtype=np.float64)
    opt = NumpyOptimizer(name, [p], lr=lr * (10 if name in ("adam", "adamw") else 1))
    path = [p.copy()]
    for _ in range(steps):
        opt.step([np.clip(grad(p), -1e3, 1e3)])
        path.append(p.copy())
    return np.array(path)


def render(ctx: GalleryContext) -> list:
    steps = 60 if ctx.small else 300
    paths = []
    for lr in LEARNING_RATES:
        fig, axes = plt.subplots(2, len(SURFACES), figsize=(4.2 * len(SURFACES), 8))
        for col, (surface, (f, grad, start, (x0, x1, y0, y1))) in enumerate(SURFACES.items()):
            gx, gy = np.meshgrid(np.linspace(x0, x1, 200), np.linspace(y0, y1, 200))
            axes[0][col].contour(gx, gy, f(np.stack([gx, gy])), levels=30, cmap="Greys", linewidths=0.6)
            for i, name in enumerate(OPTIMIZERS):
                path = run_path(name, grad, start, lr, steps)
                axes[0][col].plot(path[:, 0], path[:, 1], color=f"C{i}", lw=1.2, label=name)
                axes[1][col].plot([f(p) for p in path], color=f"C{i}", label=name)
            axes[0][col].plot(*start, "k*", ms=10)
            axes[0][col].set_xlim(x0, x1)
            axes[0][col].set_ylim(y0, y1)
            axes[0][col].set_title(surface)
            axes[1][col].set_xlabel("step")
        axes[0][0].legend(fontsize=8)
        axes[1][0].set_ylabel("loss")
        fig.suptitle(f"lr = {lr} (adam/adamw: {lr * 10})")
        fig.tight_layout()
        paths.append(ctx.save(fig, f"optimizers_lr{lr}"))
    return paths
