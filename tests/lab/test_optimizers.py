"""Scratch optimizers equal torch.optim's, step for step."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from sweeps.lab.optimizers import NumpyOptimizer, ScratchOptimizer

CASES = {
    "sgd": (torch.optim.SGD, {"lr": 0.05, "weight_decay": 0.01}, {"weight_decay": 0.01}),
    "momentum": (torch.optim.SGD, {"lr": 0.05, "momentum": 0.9}, {"momentum": 0.9}),
    "nesterov": (torch.optim.SGD, {"lr": 0.05, "momentum": 0.9, "nesterov": True}, {"momentum": 0.9, "nesterov": True}),
    "adam": (torch.optim.Adam, {"lr": 0.01, "weight_decay": 0.01}, {"weight_decay": 0.01}),
    "adamw": (torch.optim.AdamW, {"lr": 0.01, "weight_decay": 0.05}, {"weight_decay": 0.05}),
    "rmsprop": (torch.optim.RMSprop, {"lr": 0.005}, {}),
}


def _problem():
    torch.manual_seed(0)
    x, y = torch.randn(64, 5, dtype=torch.float64), torch.randn(64, dtype=torch.float64)
    w = torch.randn(5, dtype=torch.float64)
    return x, y, w


@pytest.mark.parametrize("case", sorted(CASES))
def test_scratch_torch_optimizer_matches_torch_optim_over_200_steps(case):
    torch_cls, torch_kwargs, scratch_kwargs = CASES[case]
    name = {"nesterov": "momentum"}.get(case, case)
    x, y, w0 = _problem()
    ours, theirs = w0.clone().requires_grad_(), w0.clone().requires_grad_()
    scratch = ScratchOptimizer([ours], name, lr=torch_kwargs["lr"], **scratch_kwargs)
    reference = torch_cls([theirs], **torch_kwargs)
    for _ in range(200):
        for param, opt in ((ours, scratch), (theirs, reference)):
            opt.zero_grad()
            ((x @ param - y) ** 2).mean().backward()
            opt.step()
    assert torch.allclose(ours, theirs, atol=1e-6), (ours - theirs).abs().max()


@pytest.mark.parametrize("case", sorted(CASES))
def test_numpy_optimizer_follows_the_same_path(case):
    torch_cls, torch_kwargs, scratch_kwargs = CASES[case]
    name = {"nesterov": "momentum"}.get(case, case)
    x, y, w0 = _problem()
    theirs = w0.clone().requires_grad_()
    reference = torch_cls([theirs], **torch_kwargs)
    w = w0.numpy().copy()
    ours = NumpyOptimizer(name, [w], lr=torch_kwargs["lr"], **scratch_kwargs)
    xn, yn = x.numpy(), y.numpy()
    for _ in range(200):
        grad = 2 * xn.T @ (xn @ w - yn) / len(yn)
        ours.step([grad])
        reference.zero_grad()
        ((x @ theirs - y) ** 2).mean().backward()
        reference.step()
    np.testing.assert_allclose(w, theirs.detach().numpy(), atol=1e-6)
