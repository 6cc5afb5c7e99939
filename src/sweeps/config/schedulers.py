"""Typed configs of the built-in learning-rate schedulers (``conf/scheduler``), with range checks.

Each node is a ``_target_`` with ``_partial_: true``; the trainer calls it with the optimizer and
whichever of ``total_steps``, ``steps_per_epoch`` and ``epochs`` the class accepts (so torch's
``OneCycleLR`` works as written). Schedulers step once per optimizer step, except
``ReduceLROnPlateau`` and its subclasses, which step once per epoch on a validation metric.
"""

from __future__ import annotations

from dataclasses import dataclass

from omegaconf import MISSING, DictConfig

from sweeps.config.checks import Checked, one_of, register, require


@dataclass
class SchedulerConf(Checked):
    _target_: str = MISSING
    _partial_: bool = True


@dataclass
class ConstantConf(SchedulerConf):
    """The learning rate never changes."""

    targets = ("sweeps.training.schedules.Constant",)
    _target_: str = "sweeps.training.schedules.Constant"


@dataclass
class StepDecayConf(SchedulerConf):
    """Multiply the rate by ``gamma`` every ``step_epochs`` epochs (torch's StepLR, counted in epochs)."""

    targets = ("sweeps.training.schedules.StepDecay",)
    _target_: str = "sweeps.training.schedules.StepDecay"
    step_epochs: int = 10
    gamma: float = 0.5

    @classmethod
    def check(cls, node: DictConfig, key: str) -> None:
        require(node.step_epochs >= 1, f"{key}.step_epochs", f"must be >= 1, got {node.step_epochs}")
        require(0 < node.gamma <= 1, f"{key}.gamma", f"must be in (0, 1], got {node.gamma}")


@dataclass
class CosineConf(SchedulerConf):
    """Cosine decay (Loshchilov & Hutter's SGDR, one cycle) to ``min_lr_ratio`` x the initial rate."""

    targets = ("sweeps.training.schedules.Cosine",)
    _target_: str = "sweeps.training.schedules.Cosine"
    min_lr_ratio: float = 0.0

    @classmethod
    def check(cls, node: DictConfig, key: str) -> None:
        require(0 <= node.min_lr_ratio <= 1, f"{key}.min_lr_ratio", f"must be in [0, 1], got {node.min_lr_ratio}")


@dataclass
class WarmupConf(CosineConf):
    """Linear warmup from 0 over ``warmup_fraction`` of all steps, then a decay."""

    warmup_fraction: float = 0.05

    @classmethod
    def check(cls, node: DictConfig, key: str) -> None:
        super().check(node, key)
        require(0 <= node.warmup_fraction < 1, f"{key}.warmup_fraction",
                f"must be in [0, 1), got {node.warmup_fraction}")


@dataclass
class WarmupCosineConf(WarmupConf):
    targets = ("sweeps.training.schedules.WarmupCosine",)
    _target_: str = "sweeps.training.schedules.WarmupCosine"


@dataclass
class WarmupLinearConf(WarmupConf):
    targets = ("sweeps.training.schedules.WarmupLinear",)
    _target_: str = "sweeps.training.schedules.WarmupLinear"


@dataclass
class PlateauConf(SchedulerConf):
    """torch's ``ReduceLROnPlateau`` watching ``monitor`` (a logged metric, e.g. ``val/loss``)."""

    targets = ("sweeps.training.schedules.ReduceOnPlateau",)
    _target_: str = "sweeps.training.schedules.ReduceOnPlateau"
    monitor: str = "val/loss"
    mode: str = "min"
    factor: float = 0.5
    patience: int = 2

    @classmethod
    def check(cls, node: DictConfig, key: str) -> None:
        one_of(node.mode, f"{key}.mode", ("min", "max"))
        require(0 < node.factor < 1, f"{key}.factor", f"must be in (0, 1), got {node.factor}")
        require(node.patience >= 0, f"{key}.patience", f"must be >= 0, got {node.patience}")


SCHEMAS: dict[str, type[SchedulerConf]] = {
    "constant": ConstantConf, "step": StepDecayConf, "cosine": CosineConf, "warmup_cosine": WarmupCosineConf,
    "warmup_linear": WarmupLinearConf, "plateau": PlateauConf}
register(*SCHEMAS.values())
