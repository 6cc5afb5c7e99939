"""Run the NumPy network inside the torch trainer (``model=mlp_numpy``).

The NumPy MLP does its own forward and backward; torch only carries the result. Its parameters
are torch Parameters that share memory with the NumPy arrays, so any torch optimizer (or the
scratch ones), checkpoints and resume work on them unchanged.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from sweeps.lab.losses import num_outputs
from sweeps.lab.network import MLP


class _NumpyMLPFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, module, *params):
        ctx.module = module
        out = module.mlp.forward(x.detach().cpu().numpy().astype(module.dtype, copy=False), train=module.training)
        return torch.from_numpy(np.ascontiguousarray(out))

    @staticmethod
    def backward(ctx, grad_out):
        module = ctx.module
        module.mlp.backward(grad_out.detach().cpu().numpy().astype(module.dtype, copy=False))
        grads = [torch.from_numpy(module.mlp_grads[name].copy()) for name in module.param_names]
        return (None, None, *grads)


class NumpyMLPModule(nn.Module):
    def __init__(self, mlp: MLP, dtype=np.float32) -> None:
        super().__init__()
        self.mlp, self.dtype = mlp, dtype
        named = mlp.named_params()
        self.param_names = [name for name, _, _ in named]
        self.weights = nn.ParameterList(nn.Parameter(torch.from_numpy(array)) for _, array, _ in named)
        self.mlp_grads = mlp.grads()  # views into each layer's grad arrays, filled by backward
        # BatchNorm running statistics are state too: share them as buffers so checkpoints keep them.
        for i, (layer, attr) in enumerate((l, a) for l in _batchnorms(mlp) for a in ("running_mean", "running_var")):
            self.register_buffer(f"bn_{i}", torch.from_numpy(getattr(layer, attr)))
        self.num_outputs = mlp.num_outputs

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _NumpyMLPFunction.apply(x, self, *self.weights)


def _batchnorms(mlp: MLP):
    from sweeps.lab.layers import BatchNorm
    from sweeps.lab.network import _flatten

    return [layer for layer in _flatten(mlp.net) if isinstance(layer, BatchNorm)]


def build_numpy_model(input_dim: int, hidden_dims: list[int], num_classes: int, activation: str, init: str,
                      dropout: float, norm: str, residual: bool, seed: int, std: float = 0.01) -> NumpyMLPModule:
    mlp = MLP([input_dim, *hidden_dims, num_outputs(num_classes)], activation=activation, init=init, dropout=dropout,
              batch_norm=norm == "batch", residual=residual, seed=seed, dtype=np.float32, std=std)
    return NumpyMLPModule(mlp)


class NumpyMLP(NumpyMLPModule):
    """The lab's NumPy MLP as a model ``_target_`` (``model=mlp_numpy``): the same keyword
    arguments as ``sweeps.models.TextClassifier``, so one typed config serves both.

    Takes pooled vectors only; ``pooling`` and the bag options are read by the features step
    (the schema refuses ``attention`` pooling and layer norm for this class).
    """

    def __init__(self, input_dim: int, hidden_dims: list[int], num_classes: int, activation: str = "relu",
                 dropout: float = 0.0, init: str = "xavier", norm: str = "none", residual: bool = False,
                 input_dropout: float = 0.0, init_std: float = 0.01, *, seed: int = 0,
                 **features_options: object) -> None:
        name = lambda v: str(getattr(v, "value", v))  # noqa: E731 - enums of the typed config
        mlp = MLP([input_dim, *hidden_dims, num_outputs(num_classes)], activation=name(activation), init=name(init), dropout=dropout,
                  batch_norm=name(norm) == "batch", residual=residual, seed=seed, dtype=np.float32, std=init_std)
        super().__init__(mlp)
