"""The training-curves gallery, from real runs: what good fit, over/underfitting and bad learning
rates look like, and what batch size does to the curves."""

from __future__ import annotations

from sweeps.gallery._context import GalleryContext, plt
from sweeps.gallery._runs import toy_run

MOONS = ["data=moons", "data.noise=0.3"]
CASES = {
    "good fit": MOONS + ["model.hidden_dims=[64,64]", "model.dropout=0.1", "optimizer.lr=0.01"],
    "overfitting": MOONS + ["data.subset=40", "model.hidden_dims=[256,256]", "model.dropout=0", "optimizer.lr=0.01",
                            "data.batch_size=8"],
    "underfitting": MOONS + ["model.hidden_dims=[]", "optimizer.lr=0.01"],
    "lr too high": MOONS + ["optimizer=sgd", "optimizer.lr=30", "model.hidden_dims=[64,64]"],
    "lr too low": MOONS + ["optimizer=sgd", "optimizer.lr=0.0005", "model.hidden_dims=[64,64]"],
    "lr about right": MOONS + ["optimizer=sgd", "optimizer.lr=0.5", "model.hidden_dims=[64,64]"],
    "batch 8": MOONS + ["optimizer=sgd", "optimizer.lr=0.1", "data.batch_size=8", "model.hidden_dims=[64,64]"],
    "batch 512": MOONS + ["optimizer=sgd", "optimizer.lr=0.1", "data.batch_size=512", "model.hidden_dims=[64,64]"],
}


def render(ctx: GalleryContext) -> list:
    epochs = 6 if ctx.small else 60
    cases = dict(list(CASES.items())[:3]) if ctx.small else CASES
    fig, axes = plt.subplots(2, len(cases), figsize=(3.2 * len(cases), 6), squeeze=False)
    for col, (title, overrides) in enumerate(cases.items()):
        result, history = toy_run(ctx, "lab-curves", overrides + [f"trainer.max_epochs={epochs}",
                                                                   f"tracking.run_name=curves: {title}"])
        for row, metric in enumerate(("loss", "acc")):
            ax = axes[row][col]
            ax.plot([h[f"train/{metric}"] for h in history], label="train")
            ax.plot([h[f"val/{metric}"] for h in history], "--", label="val")
            ax.set_xlabel("epoch")
        axes[0][col].set_title(title, fontsize=10)
    axes[0][0].set_ylabel("loss")
    axes[1][0].set_ylabel("accuracy")
    axes[0][0].legend()
    fig.tight_layout()
    return [ctx.save(fig, "curves")]
