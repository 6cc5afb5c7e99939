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


def effective_lr(cfg: DictConfig, effective_batch_size: int | None = None) -> float:
    """The learning rate the optimizer starts with: ``cfg.lr`` after ``cfg.scale_lr_with_batch``.

    Args:
        cfg: the ``optimizer`` node.
        effective_batch_size: examples per optimizer step (batch size x accumulated batches);
            ``None`` means ``cfg.base_batch_size``, i.e. no scaling.

    Returns:
        The rate the run trains with (before any schedule), which runs log as ``optimizer.effective_lr``
        beside the configured ``optimizer.lr``.
    """
    return scaled_lr(cfg.lr, cfg.scale_lr_with_batch, effective_batch_size or cfg.base_batch_size,
                     cfg.base_batch_size)


def _fused(params: list[torch.nn.Parameter]) -> dict[str, bool]:
    """torch's fused kernels where they apply: one call updates every tensor instead of a Python
    loop over them, which shows at small batches (a batch-32 epoch of the imdb study's MLP:
    0.77x the time on one thread, 0.82x on two, `benchmarks/optimizer_kernels.py`). Same update rule; only
    float rounding differs."""
    usable = all(p.device.type in ("cpu", "cuda") and p.is_floating_point() for p in params)
    return {"fused": True} if params and usable else {}


def build_optimizer(cfg: DictConfig, params: Iterable[torch.nn.Parameter],
                    effective_batch_size: int | None = None) -> torch.optim.Optimizer:
    """``sgd``/``momentum``/``adam`` add weight decay to the gradient (L2, coupled); ``adamw`` decouples it."""
    params = [p for p in params if p.requires_grad]
    lr = effective_lr(cfg, effective_batch_size)
    if cfg.impl == "scratch":
        from sweeps.lab.optimizers import ScratchOptimizer

        return ScratchOptimizer(params, cfg.name, lr=lr, **scratch_hyperparameters(cfg))
    fused = _fused(params)
    if cfg.name == "sgd":
        return torch.optim.SGD(params, lr=lr, weight_decay=cfg.weight_decay, **fused)
    if cfg.name == "momentum":
        # The configured momentum as is: 0 means plain SGD steps (conf/optimizer/momentum.yaml says 0.9).
        return torch.optim.SGD(params, lr=lr, momentum=cfg.momentum, nesterov=cfg.nesterov,
                               weight_decay=cfg.weight_decay, **fused)
    betas = tuple(cfg.betas)
    if cfg.name == "adam":
        return torch.optim.Adam(params, lr=lr, betas=betas, eps=cfg.eps, weight_decay=cfg.weight_decay, **fused)
    if cfg.name == "adamw":
        return torch.optim.AdamW(params, lr=lr, betas=betas, eps=cfg.eps, weight_decay=cfg.weight_decay, **fused)
    if cfg.name == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, alpha=cfg.alpha, eps=cfg.eps, weight_decay=cfg.weight_decay)
    raise ValueError(f"unknown optimizer {cfg.name!r}")


class SparseDenseOptimizer(torch.optim.Optimizer):
    """The configured optimizer for dense parameters and a sparse-gradient one for embedding
    tables, behind one face so schedules, clipping and checkpoints see a single optimizer.

    Adam-family optimizers reject sparse gradients; ``SparseAdam`` (lazy Adam: moments of the
    rows a step touches) takes their place for the table, SGD handles sparse gradients itself.
    Weight decay does not reach the sparse table.
    """

    def __init__(self, dense: torch.optim.Optimizer, sparse: torch.optim.Optimizer) -> None:
        self.dense, self.sparse = dense, sparse
        super().__init__([p for group in dense.param_groups for p in group["params"]], {})
        # The very group dicts of both: a schedule writing group["lr"] reaches both optimizers.
        self.param_groups = [*dense.param_groups, *sparse.param_groups]

    @torch.no_grad()
    def step(self, closure=None):  # noqa: D102 - torch's signature
        self.dense.step()
        self.sparse.step()

    def zero_grad(self, set_to_none: bool = True) -> None:
        self.dense.zero_grad(set_to_none)
        self.sparse.zero_grad(set_to_none)

    def state_dict(self) -> dict:
        return {"dense": self.dense.state_dict(), "sparse": self.sparse.state_dict()}

    def load_state_dict(self, state_dict: dict) -> None:
        self.dense.load_state_dict(state_dict["dense"])
        self.sparse.load_state_dict(state_dict["sparse"])
        self.param_groups = [*self.dense.param_groups, *self.sparse.param_groups]


def sparse_parameters(model: torch.nn.Module) -> list[torch.nn.Parameter]:
    """Trainable weights of embedding layers that produce sparse gradients."""
    return [m.weight for m in model.modules()
            if isinstance(m, (torch.nn.Embedding, torch.nn.EmbeddingBag)) and m.sparse and m.weight.requires_grad]


def build_model_optimizer(cfg: DictConfig, model: torch.nn.Module,
                          effective_batch_size: int | None = None) -> torch.optim.Optimizer:
    """:func:`build_optimizer` over ``model``, pairing it with a sparse optimizer when the model
    trains an embedding table with sparse gradients."""
    sparse = sparse_parameters(model)
    if not sparse:
        return build_optimizer(cfg, model.parameters(), effective_batch_size)
    if cfg.impl == "scratch":
        raise ValueError("optimizer.impl=scratch cannot train sparse embedding tables; use impl=torch")
    sparse_ids = {id(p) for p in sparse}
    dense = build_optimizer(cfg, [p for p in model.parameters() if id(p) not in sparse_ids], effective_batch_size)
    lr = dense.param_groups[0]["lr"]
    if cfg.name in ("sgd", "momentum"):
        table_optimizer = torch.optim.SGD(sparse, lr=lr, momentum=dense.param_groups[0]["momentum"])
    else:
        table_optimizer = torch.optim.SparseAdam(sparse, lr=lr, betas=tuple(cfg.betas), eps=cfg.eps)
    return SparseDenseOptimizer(dense, table_optimizer)


def scratch_hyperparameters(cfg: DictConfig) -> dict:
    """The config's hyperparameters in the scratch rules' terms (same meaning as torch's)."""
    if cfg.name in ("sgd", "momentum"):
        momentum = cfg.momentum if cfg.name == "momentum" else 0.0
        return {"momentum": momentum, "nesterov": cfg.nesterov, "weight_decay": cfg.weight_decay}
    if cfg.name in ("adam", "adamw"):
        return {"betas": tuple(cfg.betas), "eps": cfg.eps, "weight_decay": cfg.weight_decay}
    return {"alpha": cfg.alpha, "eps": cfg.eps, "weight_decay": cfg.weight_decay}
