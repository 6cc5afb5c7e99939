"""A multi-layer perceptron from the layers, with a forward pass you can watch step by step."""

from __future__ import annotations

import numpy as np

from sweeps.lab.layers import INIT_ALIASES, ActivationLayer, BatchNorm, Dropout, Layer, Linear, Residual, Sequential
from sweeps.lab.losses import loss_for


class MLP:
    """input -> [Linear -> (BatchNorm) -> activation -> (Dropout)] x H -> Linear -> logits.

    With ``residual=True`` hidden blocks of equal width get a skip connection around them.
    """

    def __init__(self, sizes: list[int], activation: str = "relu", init: str = "xavier", dropout: float = 0.0,
                 batch_norm: bool = False, residual: bool = False, seed: int = 0, dtype=np.float64,
                 std: float = 0.01) -> None:
        rng = np.random.default_rng(seed)
        layers: list[Layer] = []
        for n_in, n_out in zip(sizes[:-2], sizes[1:-1]):
            block = [Linear(n_in, n_out, init, rng, dtype, std, activation)]
            if batch_norm:
                block.append(BatchNorm(n_out, dtype=dtype))
            block.append(ActivationLayer(activation))
            if dropout:
                block.append(Dropout(dropout, rng))
            layers.append(Residual(Sequential(block)) if residual and n_in == n_out else Sequential(block))
        # The output layer has no activation to compensate for: variance-preserving schemes use plain
        # Xavier there (gain 1), the others (normal, zeros, default) the same scheme as the body.
        head_init = "xavier" if INIT_ALIASES.get(init, init) in ("kaiming", "xavier", "xavier_normal") else init
        layers.append(Linear(sizes[-2], sizes[-1], head_init, rng, dtype, std, "identity"))
        self.net = Sequential(layers)
        self.num_outputs = sizes[-1]
        self.loss_fn = loss_for(self.num_outputs)

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        out = self.net.forward(x, train)
        return out[:, 0] if self.num_outputs == 1 else out

    def backward(self, dlogits: np.ndarray) -> np.ndarray:
        return self.net.backward(dlogits.reshape(len(dlogits), -1))

    def loss_and_grads(self, x: np.ndarray, y: np.ndarray, train: bool = True) -> float:
        loss, dlogits = self.loss_fn(self.forward(x, train), y)
        self.backward(dlogits)
        return loss

    def named_params(self):
        """(name, array, owning layer) for every parameter, in a fixed order."""
        return list(self.net.named_params())

    def grads(self) -> dict[str, np.ndarray]:
        return {name: layer.grads[name.rsplit(".", 1)[1]] for name, _, layer in self.named_params()}

    def trace(self, x: np.ndarray, decimals: int = 3) -> str:
        """The forward pass on a tiny input, one line per step with shapes and actual numbers."""
        lines = [f"input {x.shape}: {np.round(x, decimals).tolist()}"]
        for layer in _flatten(self.net):
            x = layer.forward(x, train=False)
            lines.append(f"{layer.describe():>22} -> {x.shape}: {np.round(x, decimals).tolist()}")
        if self.num_outputs == 1:
            from sweeps.lab.activations import sigmoid

            lines.append(f"{'sigmoid':>22} -> P(class 1) = {np.round(sigmoid(x[:, 0]), decimals).tolist()}")
        return "\n".join(lines)


def _flatten(layer: Layer):
    if isinstance(layer, Sequential):
        for child in layer.layers:
            yield from _flatten(child)
    else:
        yield layer
