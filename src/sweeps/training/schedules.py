"""Learning-rate schedules, all stepped once per optimizer step.

Stepping per batch (not per epoch) makes warmup and cosine smooth and keeps a schedule's shape
independent of how many batches an epoch has.
"""

from __future__ import annotations

import math

import torch
from omegaconf import DictConfig


def lr_factor(name: str, step: int, total_steps: int, steps_per_epoch: int, *, warmup_fraction: float = 0.0,
              step_epochs: int = 10, gamma: float = 0.5, min_lr_ratio: float = 0.0) -> float:
    """Multiplier of the base lr after ``step`` optimizer steps out of ``total_steps``."""
    if name == "constant":
        return 1.0
    if name == "step":
        return gamma ** (step // max(1, step_epochs * steps_per_epoch))
    warmup = int(round(warmup_fraction * total_steps)) if name == "warmup_cosine" else 0
    if step < warmup:
        return (step + 1) / warmup
    if name in ("cosine", "warmup_cosine"):
        progress = min(1.0, (step - warmup) / max(1, total_steps - warmup))
        return min_lr_ratio + (1.0 - min_lr_ratio) * 0.5 * (1.0 + math.cos(math.pi * progress))
    raise ValueError(f"unknown schedule {name!r}")


def build_scheduler(cfg: DictConfig, optimizer: torch.optim.Optimizer, steps_per_epoch: int,
                    max_epochs: int) -> torch.optim.lr_scheduler.LambdaLR:
    total = max(1, steps_per_epoch * max_epochs)
    return torch.optim.lr_scheduler.LambdaLR(
        optimizer,
        lambda step: lr_factor(cfg.name, step, total, steps_per_epoch, warmup_fraction=cfg.warmup_fraction,
                               step_epochs=cfg.step_epochs, gamma=cfg.gamma, min_lr_ratio=cfg.min_lr_ratio),
    )
