"""Typed configs of the built-in optimizers (``conf/optimizer``), each beside its range checks.

Every node is a Hydra ``_target_`` with ``_partial_: true``: the trainer calls
``hydra.utils.instantiate(cfg.optimizer)(params, lr=<effective lr>)``. The fields are the
keyword arguments of the torch class of the same name, so a new optimizer is one YAML file
(``_target_: torch.optim.NAdam``, ``_partial_: true``, its keyword arguments), with or without a
schema here. The lab's from-scratch classes (``sweeps.lab.optimizers.SGD`` ...) take the same
arguments: ``optimizer._target_=sweeps.lab.optimizers.Adam`` runs the written-out update rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from omegaconf import MISSING, DictConfig

from sweeps.config.checks import Checked, register, require


@dataclass
class OptimizerConf(Checked):
    """What every built-in optimizer has: a learning rate and an L2 penalty."""

    _target_: str = MISSING
    _partial_: bool = True
    lr: float = 1e-3
    weight_decay: float = 0.0

    @classmethod
    def check(cls, node: DictConfig, key: str) -> None:
        require(node.lr > 0, f"{key}.lr", f"must be > 0, got {node.lr}")
        require(node.weight_decay >= 0, f"{key}.weight_decay", f"must be >= 0, got {node.weight_decay}")


@dataclass
class SGDConf(OptimizerConf):
    """``torch.optim.SGD``: plain steps, or heavy-ball / Nesterov momentum when ``momentum > 0``."""

    targets = ("torch.optim.SGD", "sweeps.lab.optimizers.SGD")
    _target_: str = "torch.optim.SGD"
    lr: float = 0.1
    momentum: float = 0.0
    nesterov: bool = False

    @classmethod
    def check(cls, node: DictConfig, key: str) -> None:
        super().check(node, key)
        require(0 <= node.momentum < 1, f"{key}.momentum", f"must be in [0, 1), got {node.momentum}")
        require(not (node.nesterov and node.momentum == 0), f"{key}.nesterov",
                "needs optimizer.momentum > 0 (Nesterov looks ahead along the velocity)")


def _check_betas(betas, key: str) -> None:
    require(len(betas) == 2 and all(0 <= b < 1 for b in betas), f"{key}.betas",
            f"must be two decay rates in [0, 1), got {list(betas)}")


@dataclass
class AdamConf(OptimizerConf):
    """``torch.optim.Adam`` (Kingma & Ba 2015): weight decay coupled into the gradient."""

    targets = ("torch.optim.Adam", "sweeps.lab.optimizers.Adam")
    _target_: str = "torch.optim.Adam"
    betas: list[float] = field(default_factory=lambda: [0.9, 0.999])
    eps: float = 1e-8

    @classmethod
    def check(cls, node: DictConfig, key: str) -> None:
        super().check(node, key)
        _check_betas(node.betas, key)
        require(node.eps > 0, f"{key}.eps", f"must be > 0, got {node.eps}")


@dataclass
class AdamWConf(AdamConf):
    """``torch.optim.AdamW`` (Loshchilov & Hutter 2019): weight decay applied to the weights."""

    targets = ("torch.optim.AdamW", "sweeps.lab.optimizers.AdamW")
    _target_: str = "torch.optim.AdamW"
    weight_decay: float = 0.01


@dataclass
class RMSpropConf(OptimizerConf):
    """``torch.optim.RMSprop`` (Hinton's lecture 6e): steps over a running RMS of the gradient."""

    targets = ("torch.optim.RMSprop", "sweeps.lab.optimizers.RMSprop")
    _target_: str = "torch.optim.RMSprop"
    alpha: float = 0.99
    eps: float = 1e-8

    @classmethod
    def check(cls, node: DictConfig, key: str) -> None:
        super().check(node, key)
        require(0 <= node.alpha < 1, f"{key}.alpha", f"must be in [0, 1), got {node.alpha}")
        require(node.eps > 0, f"{key}.eps", f"must be > 0, got {node.eps}")


# Schema names in the `optimizer` config group (conf/optimizer/<name>.yaml lists `base_<name>`).
SCHEMAS: dict[str, type[OptimizerConf]] = {"sgd": SGDConf, "adam": AdamConf, "adamw": AdamWConf,
                                           "rmsprop": RMSpropConf}
register(*SCHEMAS.values())
