"""Early stopping on any logged metric."""

from __future__ import annotations

import math


class EarlyStopping:
    """Tracks the best value of ``monitor``; says stop after ``patience`` epochs without improvement.

    ``patience=0`` never stops. NaN never counts as an improvement.
    """

    def __init__(self, monitor: str = "val/loss", mode: str = "min", patience: int = 5,
                 min_delta: float = 0.0) -> None:
        self.monitor, self.mode, self.patience, self.min_delta = monitor, mode, patience, min_delta
        self.best: float = math.inf if mode == "min" else -math.inf
        self.best_epoch: int = -1
        self.bad_epochs = 0

    def improved(self, value: float) -> bool:
        if math.isnan(value):
            return False
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def update(self, epoch: int, metrics: dict[str, float]) -> tuple[bool, bool]:
        """Record an epoch; return (is_new_best, should_stop)."""
        if self.monitor not in metrics:
            raise KeyError(f"early stopping monitors '{self.monitor}' but the epoch logged only {sorted(metrics)}")
        value = metrics[self.monitor]
        if self.improved(value):
            self.best, self.best_epoch, self.bad_epochs = value, epoch, 0
            return True, False
        self.bad_epochs += 1
        return False, self.patience > 0 and self.bad_epochs >= self.patience

    def state_dict(self) -> dict:
        return {"best": self.best, "best_epoch": self.best_epoch, "bad_epochs": self.bad_epochs}

    def load_state_dict(self, state: dict) -> None:
        self.best, self.best_epoch, self.bad_epochs = state["best"], state["best_epoch"], state["bad_epochs"]
