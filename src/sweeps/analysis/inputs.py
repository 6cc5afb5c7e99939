"""What native code (scikit-learn's PCA and t-SNE, matplotlib) may be given.

A diverged model's hidden vectors hold NaN, inf or values near float32's limit; a collapsed one
maps every document to the same point; a tiny split has fewer points than a method needs.
Barnes-Hut t-SNE does not always refuse such input: it can segfault and take the whole run
down. Every end-of-run step that feeds model outputs to native code checks them here first and
is skipped with :class:`DegenerateInput`'s reason instead.
"""

from __future__ import annotations

import numpy as np


# Spread, relative to the largest value, below which the points are one point and rounding noise
# (the mean of identical float32 rows is not always exactly that row).
_SAME_POINT = 1e-9


class DegenerateInput(ValueError):
    """Input an optional analysis step cannot use; ``reason`` says why in a few words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def checked_points(points: np.ndarray, min_points: int, what: str = "points") -> np.ndarray:
    """``points`` (N, D) as float64, centred and scaled into [-1, 1], or :class:`DegenerateInput`.

    Refused: non-finite values, fewer than ``min_points`` rows, every row the same point. The
    rescaling keeps distances' ratios (what PCA and t-SNE look at) and keeps squared distances
    far from overflow, which huge finite values would otherwise reach inside float32 code."""
    array = np.asarray(points, dtype=np.float64)
    if array.ndim != 2:
        raise DegenerateInput(f"{what} have shape {array.shape}, need (N, D)")
    if len(array) < min_points:
        raise DegenerateInput(f"{len(array)} {what}, need at least {min_points}")
    bad = ~np.isfinite(array)
    if bad.any():
        rows = int(bad.any(axis=1).sum())
        kinds = "NaN" if np.isnan(array).any() else "inf"
        if np.isnan(array).any() and np.isinf(array).any():
            kinds = "NaN and inf"
        raise DegenerateInput(f"{rows} of {len(array)} {what} hold {kinds} (a diverged model?)")
    largest = float(np.abs(array).max()) if array.size else 0.0
    if largest > 0:
        array = array / largest  # first, so the mean of values near float64's limit cannot overflow
    centred = array - array.mean(axis=0)
    scale = float(np.abs(centred).max()) if centred.size else 0.0
    if not scale > _SAME_POINT:
        raise DegenerateInput(f"all {len(array)} {what} are the same point (zero variance)")
    return centred / scale

