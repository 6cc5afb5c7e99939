"""Learning-rate schedulers, and the one face the trainer steps them through.

Step-based schedulers are stepped once per optimizer step (not per epoch): warmup and cosine
stay smooth and their shape does not depend on how many batches an epoch has. ``plateau``
reacts to a validation metric, so it can only be stepped once per epoch. Each class here is the
``_target_`` of a ``conf/scheduler`` variant; its typed config is in
:mod:`sweeps.config.schedulers`.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import torch
from omegaconf import DictConfig
from torch.optim.lr_scheduler import LambdaLR, LRScheduler, ReduceLROnPlateau

from sweeps.utils.instantiate import instantiate_with

STEP_SCHEDULES = ("constant", "step", "cosine", "warmup_cosine", "warmup_linear")


def lr_factor(name: str, step: int, total_steps: int, steps_per_epoch: int, *, warmup_fraction: float = 0.0,
              step_epochs: int = 10, gamma: float = 0.5, min_lr_ratio: float = 0.0) -> float:
    """Multiplier of the base lr after ``step`` optimizer steps out of ``total_steps``.

    ``name`` is one of :data:`STEP_SCHEDULES`. Cosine: SGDR's half cosine (Loshchilov & Hutter
    2017) without restarts; warmup: linear from ``1/warmup`` to 1 (Goyal et al. 2017).
    """
    if name == "constant":
        return 1.0
    if name == "step":
        return gamma ** (step // max(1, step_epochs * steps_per_epoch))
    warmup = int(round(warmup_fraction * total_steps)) if name.startswith("warmup_") else 0
    if step < warmup:
        return (step + 1) / warmup
    progress = min(1.0, (step - warmup) / max(1, total_steps - warmup))
    if name in ("cosine", "warmup_cosine"):
        return min_lr_ratio + (1.0 - min_lr_ratio) * 0.5 * (1.0 + math.cos(math.pi * progress))
    if name == "warmup_linear":
        return min_lr_ratio + (1.0 - min_lr_ratio) * (1.0 - progress)
    raise ValueError(f"unknown schedule {name!r}")


class _Stepwise(LambdaLR):
    """A :func:`lr_factor` curve as a torch ``LambdaLR``. The factor's arguments are plain numbers,
    read once: it runs on every optimizer step, and reading an OmegaConf node there cost ~0.2 ms a
    step (a tenth of a small model's epoch)."""

    kind = "constant"

    def __init__(self, optimizer: torch.optim.Optimizer, total_steps: int = 1, steps_per_epoch: int = 1,
                 **knobs: float) -> None:
        factor = functools.partial(lr_factor, self.kind, total_steps=max(1, int(total_steps)),
                                   steps_per_epoch=max(1, int(steps_per_epoch)),
                                   **{k: float(v) for k, v in knobs.items()})
        super().__init__(optimizer, lambda step: factor(step=step))


class Constant(_Stepwise):
    """The learning rate never changes."""

    def __init__(self, optimizer: torch.optim.Optimizer) -> None:
        super().__init__(optimizer)


class StepDecay(_Stepwise):
    """lr x ``gamma`` every ``step_epochs`` epochs, applied at the optimizer step that starts the epoch."""

    kind = "step"

    def __init__(self, optimizer: torch.optim.Optimizer, steps_per_epoch: int, step_epochs: int = 10,
                 gamma: float = 0.5) -> None:
        super().__init__(optimizer, steps_per_epoch=steps_per_epoch, step_epochs=step_epochs, gamma=gamma)


class Cosine(_Stepwise):
    """Cosine decay over ``total_steps`` optimizer steps to ``min_lr_ratio`` x the initial lr."""

    kind = "cosine"

    def __init__(self, optimizer: torch.optim.Optimizer, total_steps: int, min_lr_ratio: float = 0.0) -> None:
        super().__init__(optimizer, total_steps=total_steps, min_lr_ratio=min_lr_ratio)


class WarmupCosine(_Stepwise):
    """Linear warmup over ``warmup_fraction`` of ``total_steps``, then cosine decay."""

    kind = "warmup_cosine"

    def __init__(self, optimizer: torch.optim.Optimizer, total_steps: int, warmup_fraction: float = 0.05,
                 min_lr_ratio: float = 0.0) -> None:
        super().__init__(optimizer, total_steps=total_steps, warmup_fraction=warmup_fraction,
                         min_lr_ratio=min_lr_ratio)


class WarmupLinear(WarmupCosine):
    """Linear warmup over ``warmup_fraction`` of ``total_steps``, then linear decay."""

    kind = "warmup_linear"


class ReduceOnPlateau(ReduceLROnPlateau):
    """torch's ``ReduceLROnPlateau`` that also knows which logged metric it watches (``monitor``)."""

    def __init__(self, optimizer: torch.optim.Optimizer, monitor: str = "val/loss", mode: str = "min",
                 factor: float = 0.5, patience: int = 2) -> None:
        super().__init__(optimizer, mode=mode, factor=factor, patience=patience)
        self.monitor = monitor


class Schedule:
    """One face over per-step and per-epoch schedulers; the trainer calls both hooks.

    Any ``torch.optim.lr_scheduler.LRScheduler`` is stepped after every optimizer step;
    a ``ReduceLROnPlateau`` after every epoch with the metric named by its ``monitor``
    attribute (``val/loss`` when it has none).
    """

    def __init__(self, scheduler: LRScheduler | ReduceLROnPlateau) -> None:
        self.scheduler = scheduler
        self.per_epoch = isinstance(scheduler, ReduceLROnPlateau)
        self.monitor = getattr(scheduler, "monitor", "val/loss")

    def step_batch(self) -> None:
        if not self.per_epoch:
            self.scheduler.step()

    def step_epoch(self, metrics: dict[str, float]) -> None:
        if self.per_epoch:
            self.scheduler.step(metrics[self.monitor])

    def state_dict(self) -> dict[str, Any]:
        return self.scheduler.state_dict()

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.scheduler.load_state_dict(state)


def build_scheduler(cfg: DictConfig, optimizer: torch.optim.Optimizer, steps_per_epoch: int,
                    max_epochs: int) -> Schedule:
    """``instantiate(cfg)(optimizer, ...)`` behind :class:`Schedule`, offered ``total_steps``
    (optimizer steps in ``max_epochs`` epochs), ``steps_per_epoch`` and ``epochs``."""
    offered = {"total_steps": max(1, steps_per_epoch * max_epochs), "steps_per_epoch": steps_per_epoch,
               "epochs": max_epochs}
    return Schedule(instantiate_with(cfg, optimizer, offered=offered))
