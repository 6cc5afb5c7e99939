"""The network as a diagram with every dimension annotated, and a forward pass with real numbers."""

from __future__ import annotations

import numpy as np

from sweeps.gallery._context import GalleryContext, plt
from sweeps.lab.network import MLP

NETWORKS = {
    # The lecture's text classifier: pooled 300-d Word2Vec -> 128 ReLU -> 1 logit.
    "text_classifier": (["tokens", "embed 300d", "mean pool"], [300, 128, 1], "relu"),
    "xor": ([], [2, 4, 1], "tanh"),
}


def _diagram(ax, prefix: list[str], sizes: list[int], activation: str, batch: str = "m") -> None:
    boxes = [(label, "") for label in prefix]
    boxes.append((f"input\n({batch}, {sizes[0]})", ""))
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        last = i == len(sizes) - 2
        boxes.append((f"Linear\nW ({n_out}, {n_in})\nb ({n_out},)", f"({batch}, {n_out})"))
        boxes.append(("sigmoid" if last else activation, f"({batch}, {n_out})"))
    ax.set_xlim(0, len(boxes))
    ax.set_ylim(0, 1)
    ax.axis("off")
    for i, (label, shape) in enumerate(boxes):
        ax.add_patch(plt.Rectangle((i + 0.1, 0.3), 0.8, 0.4, fill=True, color=f"C{i % 10}", alpha=0.25))
        ax.text(i + 0.5, 0.5, label, ha="center", va="center", fontsize=8)
        ax.text(i + 0.5, 0.2, shape, ha="center", va="center", fontsize=7, color="grey")
        if i:
            ax.annotate("", xy=(i + 0.1, 0.5), xytext=(i - 0.1, 0.5), arrowprops={"arrowstyle": "->"})


def render(ctx: GalleryContext) -> list:
    fig, axes = plt.subplots(len(NETWORKS), 1, figsize=(13, 2.2 * len(NETWORKS)))
    for ax, (name, (prefix, sizes, activation)) in zip(axes, NETWORKS.items()):
        _diagram(ax, prefix, sizes, activation)
        params = sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))
        ax.set_title(f"{name}: {' -> '.join(map(str, sizes))}, {params:,} parameters", fontsize=10)
    paths = [ctx.save(fig, "forward")]
    trace = MLP([3, 4, 1], activation="relu", seed=0).trace(np.array([[0.2, -0.5, 0.8]]))
    (ctx.out_dir / "forward_trace.txt").write_text(trace + "\n")
    print(trace)
    return paths
