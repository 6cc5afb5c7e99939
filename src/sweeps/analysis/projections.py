"""2-D maps of what the network sees (the pooled document vector) and what it makes of it (the
last hidden layer), before and after training, coloured by the true label.

Before training the hidden layer is a random projection of the pooled vectors; after training
the classes should pull apart in it. PCA shows the linear picture, t-SNE the neighbourhoods.
"""

from __future__ import annotations

import numpy as np
import torch
from sklearn.decomposition import PCA
from sklearn.manifold import TSNE

from sweeps.analysis.inputs import DegenerateInput, checked_points
from sweeps.utils.plotting import plt

# Fewest points each method is given: PCA needs two directions' worth, t-SNE a perplexity of 5
# below the number of points.
MIN_POINTS = {"pca": 3, "tsne": 10}


@torch.no_grad()
def representations(model: torch.nn.Module, inputs) -> dict[str, np.ndarray] | None:
    """``{"pooled": (N, D), "hidden": (N, H)}`` for models that expose them, else None."""
    if not hasattr(model, "representations"):
        return None
    was_training = model.training
    model.eval()
    try:
        return {k: v.float().cpu().numpy() for k, v in model.representations(inputs).items()}
    finally:
        model.train(was_training)


def embed_2d(points: np.ndarray, method: str, seed: int) -> np.ndarray:
    """(N, 2) map of ``points`` by ``method`` (pca | tsne); :class:`DegenerateInput` when the points
    are not fit for it."""
    points = checked_points(points, MIN_POINTS[method], "vectors")
    if points.shape[1] <= 2:
        return np.pad(points, ((0, 0), (0, 2 - points.shape[1])))
    if method == "pca":
        return PCA(n_components=2, random_state=seed).fit_transform(points)
    perplexity = float(min(30, max(5, (len(points) - 1) // 3)))
    return TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=seed).fit_transform(points)


def projection_figure(before: dict[str, np.ndarray], after: dict[str, np.ndarray], labels: np.ndarray,
                      class_names: list[str], method: str, seed: int = 0) -> tuple[object, list[str]]:
    """Rows: pooled input, hidden layer; columns: before, after training.

    Returns the figure and the reasons of the panels left blank (empty when every panel drew)."""
    layers = [name for name in ("pooled", "hidden") if name in after]
    fig, axes = plt.subplots(len(layers), 2, figsize=(9, 4.2 * len(layers)), dpi=80, squeeze=False)
    try:
        skipped = _draw_panels(axes, layers, before, after, labels, class_names, method, seed)
    except BaseException:
        plt.close(fig)  # pyplot keeps every open figure: a study would accumulate them
        raise
    fig.suptitle(f"{method.upper()} of {len(labels)} validation documents")
    fig.tight_layout()
    return fig, skipped


def _draw_panels(axes, layers: list[str], before: dict[str, np.ndarray], after: dict[str, np.ndarray],
                 labels: np.ndarray, class_names: list[str], method: str, seed: int) -> list[str]:
    skipped = []
    for row, layer in enumerate(layers):
        for col, (when, reps) in enumerate((("before training", before), ("after training", after))):
            ax = axes[row, col]
            try:
                xy = embed_2d(reps[layer], method, seed)
            except DegenerateInput as exc:
                skipped.append(f"{layer} {when}: {exc.reason}")
                ax.text(0.5, 0.5, f"not drawn:\n{exc.reason}", ha="center", va="center", wrap=True,
                        transform=ax.transAxes)
            else:
                for k, name in enumerate(class_names):
                    mask = labels == k
                    ax.scatter(xy[mask, 0], xy[mask, 1], s=5, alpha=0.6, label=name)
            ax.set_title(f"{layer} ({reps[layer].shape[1]}-d), {when}")
            ax.set_xticks([])
            ax.set_yticks([])
        if axes[row, 0].has_data():
            axes[row, 0].legend(markerscale=3, fontsize=8)
    return skipped
