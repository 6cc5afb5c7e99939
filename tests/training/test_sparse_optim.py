"""Sparse embedding gradients next to dense ones: one optimizer face, exact norms, clipping."""

from __future__ import annotations

import torch
from omegaconf import OmegaConf
from torch import nn

from sweeps.training.optim import SparseDenseOptimizer, build_model_optimizer


class _Model(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.table = nn.EmbeddingBag(50, 4, mode="sum", sparse=True)
        self.head = nn.Linear(4, 1)

    def forward(self, ids, offsets):
        return self.head(self.table(ids, offsets)).squeeze(-1)


_TARGETS = {"adam": "torch.optim.Adam", "adamw": "torch.optim.AdamW", "sgd": "torch.optim.SGD",
            "momentum": "torch.optim.SGD", "rmsprop": "torch.optim.RMSprop"}


def _cfg(name: str = "adam", momentum: float = 0.0):
    """The optimizer node conf/optimizer/<name>.yaml composes to, at lr 0.1."""
    extra = {"momentum": momentum} if _TARGETS[name].endswith("SGD") else {}
    return OmegaConf.create({"_target_": _TARGETS[name], "_partial_": True, "lr": 0.1, "weight_decay": 0.0, **extra})


def _step(model, optimizer):
    loss = model(torch.tensor([3, 4, 4]), torch.tensor([0, 2])).pow(2).sum()
    loss.backward()
    optimizer.step()
    optimizer.zero_grad()


def test_adam_pairs_with_sparse_adam_and_updates_only_touched_rows():
    torch.manual_seed(0)
    model = _Model()
    optimizer = build_model_optimizer(_cfg("adam"), model)
    assert isinstance(optimizer, SparseDenseOptimizer)
    assert isinstance(optimizer.sparse, torch.optim.SparseAdam) and isinstance(optimizer.dense, torch.optim.Adam)
    before = model.table.weight.detach().clone()
    _step(model, optimizer)
    changed = (model.table.weight.detach() != before).any(dim=1).nonzero().ravel().tolist()
    assert changed == [3, 4]


def test_schedule_reaches_both_and_state_round_trips():
    model = _Model()
    optimizer = build_model_optimizer(_cfg("adam"), model)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 0.5)
    assert optimizer.dense.param_groups[0]["lr"] == optimizer.sparse.param_groups[0]["lr"] == 0.05
    _step(model, optimizer)
    scheduler.step()
    state = optimizer.state_dict()
    again = build_model_optimizer(_cfg("adam"), model)
    again.load_state_dict(state)
    assert again.sparse.state_dict()["state"].keys() == optimizer.sparse.state_dict()["state"].keys()


def test_sgd_keeps_sgd_for_the_table():
    optimizer = build_model_optimizer(_cfg("momentum", momentum=0.9), _Model())
    assert isinstance(optimizer.sparse, torch.optim.SGD) and optimizer.sparse.param_groups[0]["momentum"] == 0.9
