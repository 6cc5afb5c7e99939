"""Optimizers from scratch. Each update rule is written once and runs on NumPy arrays (the lab's
network) and on torch tensors (the product's trainer, ``optimizer._target_=sweeps.lab.optimizers.Adam`` etc.).

The rules follow torch.optim's order of operations, so over hundreds of steps they agree with
torch to float rounding (a test checks 200 steps to 1e-6).
"""

from __future__ import annotations

import math
from typing import Any, Callable, Iterable

import numpy as np
import torch


def _sqrt(x):
    return x.sqrt() if isinstance(x, torch.Tensor) else np.sqrt(x)


def sgd_rule(p, g, state: dict, *, lr: float, momentum: float = 0.0, nesterov: bool = False,
             weight_decay: float = 0.0, **_: Any) -> None:
    """p -= lr * g; with momentum the step follows a velocity v = mu v + g (Nesterov: looks ahead)."""
    if weight_decay:
        g = g + weight_decay * p  # L2 penalty, coupled into the gradient
    if momentum:
        if "buf" not in state:
            state["buf"] = g * 1.0
        else:
            state["buf"] *= momentum
            state["buf"] += g
        g = g + momentum * state["buf"] if nesterov else state["buf"]
    p -= lr * g


def adam_rule(p, g, state: dict, *, lr: float, betas=(0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0.0,
              decoupled: bool = False, **_: Any) -> None:
    """Moving averages of g (m) and g² (v), bias-corrected because both start at zero.

    AdamW decays the weights directly (p *= 1 - lr*wd) instead of adding wd*p to the gradient,
    so the decay is not rescaled by Adam's per-parameter step sizes.
    """
    beta1, beta2 = betas
    if weight_decay and decoupled:
        p *= 1 - lr * weight_decay
    elif weight_decay:
        g = g + weight_decay * p
    if "m" not in state:
        state["step"], state["m"], state["v"] = 0, g * 0.0, g * 0.0
    state["step"] += 1
    t = state["step"]
    state["m"] += (1 - beta1) * (g - state["m"])
    state["v"] *= beta2
    state["v"] += (1 - beta2) * g * g
    step_size = lr / (1 - beta1**t)
    denom = _sqrt(state["v"]) / math.sqrt(1 - beta2**t) + eps
    p -= step_size * state["m"] / denom


def rmsprop_rule(p, g, state: dict, *, lr: float, alpha: float = 0.99, eps: float = 1e-8, weight_decay: float = 0.0,
                 **_: Any) -> None:
    """Divide each step by a running RMS of its gradient: large-gradient directions are damped."""
    if weight_decay:
        g = g + weight_decay * p
    if "v" not in state:
        state["v"] = g * 0.0
    state["v"] *= alpha
    state["v"] += (1 - alpha) * g * g
    p -= lr * g / (_sqrt(state["v"]) + eps)


RULES: dict[str, tuple[Callable, dict]] = {
    "sgd": (sgd_rule, {}),
    "momentum": (sgd_rule, {"momentum": 0.9}),
    "adam": (adam_rule, {}),
    "adamw": (adam_rule, {"decoupled": True, "weight_decay": 0.01}),
    "rmsprop": (rmsprop_rule, {}),
}


class NumpyOptimizer:
    """Applies a rule to NumPy parameter arrays in place."""

    def __init__(self, name: str, params: list[np.ndarray], lr: float, **hyper: Any) -> None:
        self.rule, defaults = RULES[name]
        self.params, self.lr, self.hyper = params, lr, {**defaults, **hyper}
        self.state: list[dict] = [{} for _ in params]

    def step(self, grads: list[np.ndarray], lr: float | None = None) -> None:
        for p, g, state in zip(self.params, grads, self.state):
            self.rule(p, g, state, lr=self.lr if lr is None else lr, **self.hyper)


class ScratchOptimizer(torch.optim.Optimizer):
    """A ``torch.optim.Optimizer`` running the scratch rules, so schedulers, checkpoints and the
    trainer work with it unchanged."""

    def __init__(self, params: Iterable[torch.nn.Parameter], name: str, lr: float, **hyper: Any) -> None:
        rule, defaults = RULES[name]
        self.rule = rule
        super().__init__(params, {"lr": lr, **defaults, **hyper})

    @torch.no_grad()
    def step(self, closure=None):
        loss = closure() if closure is not None else None
        for group in self.param_groups:
            hyper = {k: v for k, v in group.items() if k != "params"}
            for p in group["params"]:
                if p.grad is not None:
                    self.rule(p, p.grad, self.state[p], **hyper)
        return loss


class SGD(ScratchOptimizer):
    """``torch.optim.SGD``'s arguments over :func:`sgd_rule` (``optimizer._target_=sweeps.lab.optimizers.SGD``)."""

    def __init__(self, params: Iterable[torch.nn.Parameter], lr: float = 0.1, momentum: float = 0.0,
                 nesterov: bool = False, weight_decay: float = 0.0) -> None:
        super().__init__(params, "sgd", lr=lr, momentum=momentum, nesterov=nesterov, weight_decay=weight_decay)


class Adam(ScratchOptimizer):
    """``torch.optim.Adam``'s arguments over :func:`adam_rule` (coupled weight decay)."""

    def __init__(self, params: Iterable[torch.nn.Parameter], lr: float = 1e-3, betas=(0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0) -> None:
        super().__init__(params, "adam", lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay)


class AdamW(ScratchOptimizer):
    """``torch.optim.AdamW``'s arguments over :func:`adam_rule` (decoupled weight decay)."""

    def __init__(self, params: Iterable[torch.nn.Parameter], lr: float = 1e-3, betas=(0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.01) -> None:
        super().__init__(params, "adamw", lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay)


class RMSprop(ScratchOptimizer):
    """``torch.optim.RMSprop``'s arguments over :func:`rmsprop_rule`."""

    def __init__(self, params: Iterable[torch.nn.Parameter], lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0.0) -> None:
        super().__init__(params, "rmsprop", lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay)
