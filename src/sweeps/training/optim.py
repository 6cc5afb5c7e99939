"""The configured optimizer (a ``_partial_`` ``_target_`` node), with optional lr scaling by batch size."""

from __future__ import annotations

import math
from typing import Iterable

import torch
from hydra.utils import get_object
from omegaconf import DictConfig

from sweeps.utils.instantiate import instantiate_with

LR_SCALING_RULES = ("none", "linear", "sqrt")


def scaled_lr(lr: float, rule: str, batch_size: int, base_batch_size: int) -> float:
    """Goyal et al.'s linear rule, or the square-root rule suited to adaptive optimizers.

    Keeps a batch-size sweep comparable: larger batches take fewer, larger steps.

    Raises:
        ValueError: ``rule`` is not one of :data:`LR_SCALING_RULES`.
    """
    ratio = batch_size / base_batch_size
    if rule == "linear":
        return lr * ratio
    if rule == "sqrt":
        return lr * math.sqrt(ratio)
    if rule == "none":
        return lr
    raise ValueError(f"unknown lr scaling rule {rule!r}")


def effective_lr(optimizer: DictConfig, trainer: DictConfig, effective_batch_size: int | None = None) -> float:
    """The learning rate the optimizer starts with: ``optimizer.lr`` after ``trainer.scale_lr_with_batch``.

    Args:
        optimizer: the ``optimizer`` node (its ``lr``).
        trainer: the ``trainer`` node (``scale_lr_with_batch``, ``base_batch_size``).
        effective_batch_size: examples per optimizer step (batch size x accumulated batches);
            ``None`` means ``trainer.base_batch_size``, i.e. no scaling.

    Returns:
        The rate the run trains with (before any schedule), which runs log as ``optimizer.effective_lr``
        beside the configured ``optimizer.lr``.
    """
    base = trainer.base_batch_size
    return scaled_lr(float(optimizer.lr), str(trainer.scale_lr_with_batch), effective_batch_size or base, base)


def _fused(optimizer_class: type, params: list[torch.nn.Parameter]) -> dict[str, bool]:
    """torch's fused kernels where they apply: one call updates every tensor instead of a Python
    loop over them, which shows at small batches (a batch-32 epoch of the imdb study's MLP:
    0.77x the time on one thread, 0.82x on two, `benchmarks/optimizer_kernels.py`). Same update rule; only
    float rounding differs. Offered to torch's own classes only; those without ``fused`` ignore the offer."""
    usable = all(p.device.type in ("cpu", "cuda") and p.is_floating_point() for p in params)
    ours = optimizer_class.__module__.startswith("torch.optim")
    return {"fused": True} if params and usable and ours else {}


def build_optimizer(cfg: DictConfig, params: Iterable[torch.nn.Parameter], lr: float | None = None) -> torch.optim.Optimizer:
    """``instantiate(cfg)(params, lr=lr)``: the configured optimizer over the trainable ``params``.

    ``lr`` (the effective rate) replaces ``cfg.lr`` when given. ``SGD``/``Adam`` add weight decay
    to the gradient (L2, coupled); ``AdamW`` decouples it.
    """
    params = [p for p in params if p.requires_grad]
    overrides = {"lr": lr} if lr is not None else {}
    return instantiate_with(cfg, params, offered=_fused(get_object(cfg._target_), params), **overrides)


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


def build_model_optimizer(cfg: DictConfig, model: torch.nn.Module, lr: float | None = None) -> torch.optim.Optimizer:
    """:func:`build_optimizer` over ``model``, pairing it with a sparse optimizer when the model
    trains an embedding table with sparse gradients: ``SGD`` (with the dense group's momentum)
    beside an ``SGD``, ``SparseAdam`` (with the dense group's betas and eps when it has them) beside
    anything else."""
    sparse = sparse_parameters(model)
    if not sparse:
        return build_optimizer(cfg, model.parameters(), lr)
    sparse_ids = {id(p) for p in sparse}
    dense = build_optimizer(cfg, [p for p in model.parameters() if id(p) not in sparse_ids], lr)
    group = dense.param_groups[0]
    if isinstance(dense, torch.optim.SGD):
        table_optimizer = torch.optim.SGD(sparse, lr=group["lr"], momentum=group["momentum"])
    else:
        table_optimizer = torch.optim.SparseAdam(sparse, lr=group["lr"], betas=tuple(group.get("betas", (0.9, 0.999))),
                                                 eps=group.get("eps", 1e-8))
    return SparseDenseOptimizer(dense, table_optimizer)
