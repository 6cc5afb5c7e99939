"""Reading a run's per-epoch history (a list of metric dicts, epoch 1 first) as signals."""

from __future__ import annotations

import math
from statistics import median


def series(history: list[dict[str, float]], key: str) -> list[float]:
    return [h[key] for h in history if key in h]


def layers_with(history: list[dict[str, float]], prefix: str) -> list[str]:
    """Layer names that have a ``diag/<prefix>/<layer>`` metric, in forward order."""
    names = {k.split("/", 2)[2] for h in history for k in h if k.startswith(f"diag/{prefix}/")}
    return sorted(names, key=lambda n: (n == "head", int(n[5:]) if n[5:].isdigit() else 0))


def first_nonfinite_epoch(history: list[dict[str, float]]) -> int | None:
    for epoch, h in enumerate(history, start=1):
        if not math.isfinite(h.get("train/loss", 0.0)) or h.get("diag/nonfinite", 0.0) > 0:
            return epoch
    return None


def finite(values: list[float]) -> list[float]:
    return [v for v in values if math.isfinite(v)]


def median_or_nan(values: list[float]) -> float:
    values = finite(values)
    return median(values) if values else float("nan")


def chance_accuracy(history: list[dict[str, float]], num_classes: int | None) -> float:
    return 1.0 / num_classes if num_classes else 0.5
