"""Optimizers named in ``conf/optimizer``, with optional lr scaling by batch size."""

from __future__ import annotations

import math
from typing import Iterable

import torch
from omegaconf import DictConfig


def scaled_lr(lr: float, rule: str, batch_size: int, base_batch_size: int) -> float:
    """Goyal et al.'s linear rule, or the square-root rule suited to adaptive optimizers.

    Keeps a batch-size sweep comparable: larger batches take fewer, larger steps.
    """
    ratio = batch_size / base_batch_size
    if rule == "linear":
        return lr * ratio
    if rule == "sqrt":
        return lr * math.sqrt(ratio)
    if rule == "none":
        return lr
    raise ValueError(f"unknown lr scaling rule {rule!r}")


def build_optimizer(cfg: DictConfig, params: Iterable[torch.nn.Parameter],
                    effective_batch_size: int | None = None) -> torch.optim.Optimizer:
    """``sgd``/``momentum``/``adam`` add weight decay to the gradient (L2, coupled); ``adamw`` decouples it."""
    params = [p for p in params if p.requires_grad]
    lr = scaled_lr(cfg.lr, cfg.scale_lr_with_batch, effective_batch_size or cfg.base_batch_size,
                   cfg.base_batch_size)
    if cfg.impl == "scratch":
        from sweeps.lab.optimizers import ScratchOptimizer

        return ScratchOptimizer(params, cfg.name, lr=lr, **scratch_hyperparameters(cfg))
    if cfg.name == "sgd":
        return torch.optim.SGD(params, lr=lr, weight_decay=cfg.weight_decay)
    if cfg.name == "momentum":
        return torch.optim.SGD(params, lr=lr, momentum=cfg.momentum or 0.9, nesterov=cfg.nesterov,
                               weight_decay=cfg.weight_decay)
    betas = tuple(cfg.betas)
    if cfg.name == "adam":
        return torch.optim.Adam(params, lr=lr, betas=betas, eps=cfg.eps, weight_decay=cfg.weight_decay)
    if cfg.name == "adamw":
        return torch.optim.AdamW(params, lr=lr, betas=betas, eps=cfg.eps, weight_decay=cfg.weight_decay)
    if cfg.name == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, alpha=cfg.alpha, eps=cfg.eps, weight_decay=cfg.weight_decay)
    raise ValueError(f"unknown optimizer {cfg.name!r}")


def scratch_hyperparameters(cfg: DictConfig) -> dict:
    """The config's hyperparameters in the scratch rules' terms (same meaning as torch's)."""
    if cfg.name in ("sgd", "momentum"):
        momentum = (cfg.momentum or 0.9) if cfg.name == "momentum" else 0.0
        return {"momentum": momentum, "nesterov": cfg.nesterov, "weight_decay": cfg.weight_decay}
    if cfg.name in ("adam", "adamw"):
        return {"betas": tuple(cfg.betas), "eps": cfg.eps, "weight_decay": cfg.weight_decay}
    return {"alpha": cfg.alpha, "eps": cfg.eps, "weight_decay": cfg.weight_decay}
