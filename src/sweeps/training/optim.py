"""Optimizers named in ``conf/optimizer``."""

from __future__ import annotations

from typing import Iterable

import torch
from omegaconf import DictConfig


def build_optimizer(cfg: DictConfig, params: Iterable[torch.nn.Parameter]) -> torch.optim.Optimizer:
    """``sgd`` and ``adam`` add weight decay to the gradient (L2, coupled); ``adamw`` decouples it."""
    params = [p for p in params if p.requires_grad]
    if cfg.name == "sgd":
        return torch.optim.SGD(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    if cfg.name == "momentum":
        return torch.optim.SGD(params, lr=cfg.lr, momentum=cfg.momentum or 0.9, nesterov=cfg.nesterov,
                               weight_decay=cfg.weight_decay)
    betas = tuple(cfg.betas)
    if cfg.name == "adam":
        return torch.optim.Adam(params, lr=cfg.lr, betas=betas, eps=cfg.eps, weight_decay=cfg.weight_decay)
    if cfg.name == "adamw":
        return torch.optim.AdamW(params, lr=cfg.lr, betas=betas, eps=cfg.eps, weight_decay=cfg.weight_decay)
    raise ValueError(f"unknown optimizer {cfg.name!r}")
