"""Figures logged on every run: confusion matrices and training curves."""

from __future__ import annotations

import io

import numpy as np

from sweeps.utils.plotting import plt


def confusion_figure(confusion: np.ndarray, class_names: list[str], title: str):
    """Counts with the row-normalized rate in each cell (rows = true class)."""
    totals = confusion.sum(axis=1, keepdims=True).clip(min=1)
    rates = confusion / totals
    size = 2.2 + 0.6 * len(class_names)
    fig, ax = plt.subplots(figsize=(size, size), dpi=90)
    ax.imshow(rates, cmap="Blues", vmin=0, vmax=1)
    ticks = range(len(class_names))
    ax.set_xticks(ticks, class_names, rotation=45, ha="right")
    ax.set_yticks(ticks, class_names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    for i in ticks:
        for j in ticks:
            ax.text(j, i, f"{confusion[i, j]}\n{rates[i, j]:.0%}", ha="center", va="center",
                    color="white" if rates[i, j] > 0.6 else "black", fontsize=8)
    fig.tight_layout()
    return fig


def figure_to_array(fig) -> np.ndarray:
    """RGB uint8 array of a figure, then close it (log_image takes arrays)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    buffer.seek(0)
    from PIL import Image

    return np.asarray(Image.open(buffer).convert("RGB"))


def curves_figure(history: list[dict[str, float]], best_epoch: int):
    """Loss and accuracy per epoch, train vs validation, best epoch marked."""
    epochs = np.arange(1, len(history) + 1)
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.6), dpi=90)
    for ax, metric in zip(axes[:2], ("loss", "acc")):
        for split, style in (("train", "-"), ("val", "--")):
            ax.plot(epochs, [h[f"{split}/{metric}"] for h in history], style, label=split)
        if best_epoch > 0:
            ax.axvline(best_epoch, color="grey", lw=0.8, ls=":", label=f"best (epoch {best_epoch})")
        ax.set_xlabel("epoch")
        ax.set_title(metric)
        ax.legend()
    axes[2].plot(epochs, [h["lr"] for h in history])
    axes[2].set_title("learning rate (end of epoch)")
    axes[2].set_xlabel("epoch")
    fig.tight_layout()
    return fig


def close(fig) -> None:
    plt.close(fig)


def decision_boundary_figure(predict, x: np.ndarray, y: np.ndarray, title: str, resolution: int = 150):
    """P(class 1) over the plane (binary) or the argmax class, with the training points on top."""
    pad = 0.25 * (x.max(axis=0) - x.min(axis=0))
    lo, hi = x.min(axis=0) - pad, x.max(axis=0) + pad
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution))
    grid = np.stack([gx.ravel(), gy.ravel()], axis=1).astype(np.float32)
    surface = predict(grid).reshape(gx.shape)
    fig, ax = plt.subplots(figsize=(4.5, 4.2), dpi=90)
    ax.contourf(gx, gy, surface, levels=20, cmap="RdBu_r", alpha=0.6)
    ax.contour(gx, gy, surface, levels=[0.5], colors="k", linewidths=1)
    ax.scatter(x[:, 0], x[:, 1], c=y, cmap="RdBu_r", s=6, edgecolors="none")
    ax.set_title(title)
    fig.tight_layout()
    return fig
