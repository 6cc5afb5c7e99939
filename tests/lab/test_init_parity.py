"""One ``model.init`` name, one initialisation: the torch model and the NumPy lab draw their
weights from the same distribution (family and scale), and both follow torch.nn.init's meaning."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from sweeps.config import compose_config
from sweeps.config.models import Activation, Init
from sweeps.lab.layers import gain, init_bias, init_weight
from sweeps.models import build_model
from sweeps.models.classifier import init_linear

INITS = [i.value for i in Init]  # every name the config accepts, aliases included
ACTIVATIONS = [a.value for a in Activation]


def _kurtosis(x: np.ndarray) -> float:
    """1.8 for a uniform distribution, 3.0 for a normal one."""
    centred = x - x.mean()
    return float((centred**4).mean() / (centred**2).mean() ** 2)


def _same_distribution(a: np.ndarray, b: np.ndarray, rel: float) -> None:
    if not a.any() or not b.any():
        assert not a.any() and not b.any()  # zeros on one side means zeros on both
        return
    assert a.std() == pytest.approx(b.std(), rel=rel)  # same scale
    assert abs(_kurtosis(a) - _kurtosis(b)) < 0.3  # same family: uniform vs normal


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_gain_is_torchs_calculate_gain(activation):
    torch_name = {"gelu": "linear"}.get(activation, activation)  # torch has no gain for gelu: 1
    assert gain(activation) == pytest.approx(nn.init.calculate_gain(torch_name))


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("init", INITS)
def test_one_layer_draws_the_same_distribution_in_torch_and_numpy(init, activation):
    torch.manual_seed(0)
    layer = nn.Linear(300, 200)
    init_linear(layer, init, activation, std=0.05)
    rng = np.random.default_rng(0)
    w = init_weight(200, 300, init, rng, np.float64, std=0.05, activation=activation)
    b = init_bias(200, 300, init, rng, np.float64)
    # 60,000 weights: std within 2%, kurtosis within 0.3; 200 biases: std within 15%.
    _same_distribution(layer.weight.detach().double().numpy(), w, rel=0.02)
    _same_distribution(layer.bias.detach().double().numpy(), b, rel=0.15)


@pytest.mark.parametrize("init,expected_std", [
    ("xavier", np.sqrt(2.0) * np.sqrt(2.0 / 500)),   # Glorot with the ReLU gain, uniform
    ("kaiming", np.sqrt(2.0 / 300)),                 # He, fan-in
    ("he", np.sqrt(2.0 / 300)),                      # alias of kaiming
    ("default", 1 / np.sqrt(300) / np.sqrt(3.0)),    # nn.Linear's U(-1/sqrt(fan_in), 1/sqrt(fan_in))
])
def test_numpy_scales_are_torchs_formulas(init, expected_std):
    w = init_weight(200, 300, init, np.random.default_rng(0), np.float64, activation="relu")
    assert w.std() == pytest.approx(expected_std, rel=0.02)


def _weights(model: nn.Module) -> list[np.ndarray]:
    return [p.detach().double().numpy() for p in model.parameters() if p.dim() == 2]


@pytest.mark.parametrize("activation", ["relu", "tanh"])
@pytest.mark.parametrize("init", INITS)
def test_same_config_builds_the_same_networks_with_either_backend(init, activation):
    # What a user switches with model=mlp_numpy: every layer, the head included, alike.
    models = [build_model(compose_config([f"model.init={init}", f"model.activation={activation}",
                                          "model.hidden_dims=[256,128]", f"model={variant}"]), 200, 40)
              for variant in ("mlp", "mlp_numpy")]
    torch_layers, numpy_layers = (_weights(m) for m in models)
    assert [w.shape for w in torch_layers] == [w.shape for w in numpy_layers]
    for a, b in zip(torch_layers, numpy_layers):
        _same_distribution(a, b, rel=0.05)  # 40 classes: even the head has 5,120 weights
