"""Layers with hand-written backward passes (the lecture's Exercise 1).

Conventions, as in torch so weights copy across unchanged: a batch X is (m, n_in), a Linear
weight W is (n_out, n_in), Z = X W^T + b. Each ``forward`` caches what its ``backward`` needs;
``backward(dOut)`` fills ``grads`` (same keys as ``params``) and returns dL/dInput.
"""

from __future__ import annotations

import numpy as np

from sweeps.lab.activations import LEAKY_SLOPE, get_activation


class Layer:
    def __init__(self) -> None:
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        raise NotImplementedError

    def backward(self, dout: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def named_params(self, prefix: str = ""):
        for name, value in self.params.items():
            yield f"{prefix}{name}", value, self

    def describe(self) -> str:
        return type(self).__name__


# Other names accepted for a scheme: "he" is Kaiming He's init, which torch calls kaiming.
INIT_ALIASES = {"he": "kaiming", "xavier_uniform": "xavier"}


def gain(activation: str) -> float:
    """torch.nn.init.calculate_gain: the factor that keeps the activation's output variance steady."""
    if activation == "relu":
        return float(np.sqrt(2.0))
    if activation == "leaky_relu":
        return float(np.sqrt(2.0 / (1 + LEAKY_SLOPE**2)))
    if activation == "tanh":
        return 5.0 / 3.0
    return 1.0  # sigmoid, gelu, identity: torch's gain for these is 1


def init_weight(n_out: int, n_in: int, scheme: str, rng: np.random.Generator, dtype, std: float = 0.01,
                activation: str = "relu") -> np.ndarray:
    """A (n_out, n_in) weight drawn as torch.nn.init draws it for the same scheme name.

    ``xavier`` / ``xavier_normal``: Var W = gain^2 * 2 / (n_in + n_out), uniform / normal, so
    activations keep their variance for tanh/sigmoid; ``kaiming`` (alias ``he``): normal with
    Var W = gain^2 / n_in (2 / n_in for ReLU), compensating for the half of units ReLU zeroes;
    ``normal``: N(0, std^2); ``zeros``; ``default``: torch's nn.Linear default, U(-1/sqrt(n_in),
    1/sqrt(n_in)).
    """
    scheme = INIT_ALIASES.get(scheme, scheme)
    shape = (n_out, n_in)  # torch's layout
    if scheme == "xavier":
        bound = gain(activation) * np.sqrt(6.0 / (n_in + n_out))
        w = rng.uniform(-bound, bound, size=shape)
    elif scheme == "xavier_normal":
        w = rng.normal(0.0, gain(activation) * np.sqrt(2.0 / (n_in + n_out)), size=shape)
    elif scheme == "kaiming":
        # torch's kaiming_normal_ (fan_in) with the ReLU gain, or the leaky ReLU's for leaky_relu.
        w = rng.normal(0.0, gain("leaky_relu" if activation == "leaky_relu" else "relu") / np.sqrt(n_in), size=shape)
    elif scheme == "normal":
        w = rng.normal(0.0, std, size=shape)
    elif scheme == "zeros":
        w = np.zeros(shape)
    elif scheme == "default":
        w = rng.uniform(-1 / np.sqrt(n_in), 1 / np.sqrt(n_in), size=shape)
    else:
        raise ValueError(f"unknown init {scheme!r}")
    return w.astype(dtype)


def init_bias(n_out: int, n_in: int, scheme: str, rng: np.random.Generator, dtype) -> np.ndarray:
    """Zero biases, except torch's ``default``: U(-1/sqrt(n_in), 1/sqrt(n_in)) like nn.Linear's."""
    if INIT_ALIASES.get(scheme, scheme) == "default":
        return rng.uniform(-1 / np.sqrt(n_in), 1 / np.sqrt(n_in), size=n_out).astype(dtype)
    return np.zeros(n_out, dtype)


class Linear(Layer):
    def __init__(self, n_in: int, n_out: int, init: str = "xavier", rng: np.random.Generator | None = None,
                 dtype=np.float64, std: float = 0.01, activation: str = "relu") -> None:
        super().__init__()
        rng = rng or np.random.default_rng(0)
        self.params = {"W": init_weight(n_out, n_in, init, rng, dtype, std, activation),
                       "b": init_bias(n_out, n_in, init, rng, dtype)}
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}

    def forward(self, x, train=True):
        self.x = x  # (m, n_in)
        return x @ self.params["W"].T + self.params["b"]  # (m, n_out)

    def backward(self, dout):  # dout (m, n_out)
        self.grads["W"][...] = dout.T @ self.x  # (n_out, n_in)
        self.grads["b"][...] = dout.sum(axis=0)
        return dout @ self.params["W"]  # (m, n_in)

    def describe(self):
        n_out, n_in = self.params["W"].shape
        return f"Linear({n_in} -> {n_out})"


class ActivationLayer(Layer):
    def __init__(self, name: str) -> None:
        super().__init__()
        self.activation = get_activation(name)

    def forward(self, x, train=True):
        self.z = x
        return self.activation.f(x)

    def backward(self, dout):
        return dout * self.activation.df(self.z)

    def describe(self):
        return self.activation.name


class Dropout(Layer):
    """Inverted dropout: scale kept units by 1/(1-p) in training so evaluation needs no rescaling."""

    def __init__(self, p: float, rng: np.random.Generator | None = None) -> None:
        super().__init__()
        self.p, self.rng = p, rng or np.random.default_rng(0)

    def forward(self, x, train=True):
        if not train or self.p == 0:
            self.mask = None
            return x
        self.mask = (self.rng.random(x.shape) >= self.p).astype(x.dtype) / (1 - self.p)
        return x * self.mask

    def backward(self, dout):
        return dout if self.mask is None else dout * self.mask

    def describe(self):
        return f"Dropout(p={self.p})"


class BatchNorm(Layer):
    """Normalise each feature over the batch, then scale and shift (gamma, beta).

    Training uses batch statistics and updates running ones; evaluation uses the running ones.
    """

    def __init__(self, n: int, eps: float = 1e-5, momentum: float = 0.1, dtype=np.float64) -> None:
        super().__init__()
        self.eps, self.momentum = eps, momentum
        self.params = {"gamma": np.ones(n, dtype), "beta": np.zeros(n, dtype)}
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        self.running_mean, self.running_var = np.zeros(n, dtype), np.ones(n, dtype)

    def forward(self, x, train=True):
        if train:
            mean, var = x.mean(axis=0), x.var(axis=0)
            m = len(x)
            # In place: the torch bridge shares these arrays as buffers.
            self.running_mean *= 1 - self.momentum
            self.running_mean += self.momentum * mean
            self.running_var *= 1 - self.momentum
            self.running_var += self.momentum * var * m / max(m - 1, 1)
        else:
            mean, var = self.running_mean, self.running_var
        self.batch_stats = train
        self.inv_std = 1.0 / np.sqrt(var + self.eps)
        self.x_hat = (x - mean) * self.inv_std  # (m, n)
        return self.params["gamma"] * self.x_hat + self.params["beta"]

    def backward(self, dout):
        m = len(dout)
        self.grads["gamma"][...] = (dout * self.x_hat).sum(axis=0)
        self.grads["beta"][...] = dout.sum(axis=0)
        dx_hat = dout * self.params["gamma"]
        if not self.batch_stats:
            return dx_hat * self.inv_std  # running statistics are constants here
        # Every x affects the batch mean and variance too; this is the compact form of that chain rule.
        return self.inv_std / m * (m * dx_hat - dx_hat.sum(axis=0) - self.x_hat * (dx_hat * self.x_hat).sum(axis=0))

    def describe(self):
        return f"BatchNorm({len(self.params['gamma'])})"


class Sequential(Layer):
    def __init__(self, layers: list[Layer]) -> None:
        super().__init__()
        self.layers = layers

    def forward(self, x, train=True):
        for layer in self.layers:
            x = layer.forward(x, train)
        return x

    def backward(self, dout):
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        return dout

    def named_params(self, prefix: str = ""):
        for i, layer in enumerate(self.layers):
            yield from layer.named_params(f"{prefix}{i}.")


class Residual(Layer):
    """out = x + block(x): the identity path carries the gradient unchanged past the block."""

    def __init__(self, block: Sequential) -> None:
        super().__init__()
        self.block = block

    def forward(self, x, train=True):
        return x + self.block.forward(x, train)

    def backward(self, dout):
        return dout + self.block.backward(dout)

    def named_params(self, prefix: str = ""):
        yield from self.block.named_params(f"{prefix}block.")

    def describe(self):
        return "Residual(" + " -> ".join(layer.describe() for layer in self.block.layers) + ")"
