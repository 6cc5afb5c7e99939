"""Learning-rate schedules over a run, as the trainer applies them (per optimizer step)."""

from __future__ import annotations

from sweeps.gallery._context import GalleryContext, plt
from sweeps.training.schedules import STEP_SCHEDULES, lr_factor


def render(ctx: GalleryContext) -> list:
    steps_per_epoch, epochs = 50, 30
    total = steps_per_epoch * epochs
    fig, ax = plt.subplots(figsize=(8, 4))
    for name in STEP_SCHEDULES:
        ax.plot([lr_factor(name, s, total, steps_per_epoch, warmup_fraction=0.1, step_epochs=10, gamma=0.5,
                           min_lr_ratio=0.05) for s in range(total)], label=name)
    ax.set_xlabel("optimizer step")
    ax.set_ylabel("lr / base lr")
    ax.set_title("schedules (warmup 10%, step: x0.5 every 10 epochs, floor 5%)")
    ax.legend()
    return [ctx.save(fig, "schedules")]
