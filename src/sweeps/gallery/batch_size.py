"""Batch size: smaller batches take noisier, cheaper steps; larger ones smoother, fewer steps.

Real runs at a fixed learning rate, plotted against epochs and against wall-clock time, with
the time each takes to reach a target validation accuracy.
"""

from __future__ import annotations

import numpy as np

from sweeps.gallery._context import GalleryContext, plt
from sweeps.gallery._runs import toy_run

TARGET = 0.95


def render(ctx: GalleryContext) -> list:
    sizes = (16, 256) if ctx.small else (8, 32, 128, 512)
    epochs = 5 if ctx.small else 40
    fig, axes = plt.subplots(1, 3, figsize=(15, 4))
    reached = {}
    for size in sizes:
        _, history = toy_run(ctx, "lab-batch-size", ["data=moons", "optimizer=sgd", "optimizer.lr=0.2",
                                                     "model.hidden_dims=[64,64]", f"data.batch_size={size}",
                                                     f"trainer.max_epochs={epochs}", f"tracking.run_name=batch {size}"])
        acc = [h["val/acc"] for h in history]
        wall = np.cumsum([h["epoch_time_s"] for h in history])
        axes[0].plot(range(1, len(acc) + 1), acc, label=f"batch {size}")
        axes[1].plot(wall, acc, label=f"batch {size}")
        axes[2].plot([h["train/loss"] for h in history], label=f"batch {size}")
        hit = next((t for t, a in zip(wall, acc) if a >= TARGET), None)
        reached[size] = hit
    axes[0].set(xlabel="epoch", ylabel="val accuracy", title="per epoch")
    axes[1].set(xlabel="seconds", title=f"per second (target {TARGET:.0%})")
    axes[1].axhline(TARGET, color="grey", ls=":")
    axes[2].set(xlabel="epoch", ylabel="train loss", title="train loss (smoothness)")
    for ax in axes:
        ax.legend(fontsize=8)
    fig.tight_layout()
    for size, hit in reached.items():
        print(f"batch {size:>4}: " + (f"{TARGET:.0%} val accuracy after {hit:.2f} s" if hit else "target not reached"))
    return [ctx.save(fig, "batch_size")]
