"""Hand-written backprop agrees with central differences and with torch autograd."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from sweeps.lab import MLP, check_function, check_model
from sweeps.lab.activations import ACTIVATIONS
from sweeps.lab.losses import bce_with_logits, softmax_cross_entropy

TOLERANCE = 1e-6


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_derivatives_match_central_differences(name):
    z = np.linspace(-4, 4, 101) + 0.013  # avoid ReLU's kink at exactly 0
    activation = ACTIVATIONS[name]
    assert check_function(activation.f, activation.df, z) < TOLERANCE


@pytest.mark.parametrize("kwargs", [
    {"activation": "tanh"}, {"activation": "sigmoid"}, {"activation": "relu", "init": "he"},
    {"activation": "gelu"}, {"activation": "leaky_relu"}, {"activation": "tanh", "batch_norm": True},
    {"activation": "tanh", "residual": True},
])
@pytest.mark.parametrize("outputs", [1, 3])
def test_every_parameter_gradient_matches_central_differences(kwargs, outputs):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(6, 4))
    y = rng.integers(0, 2 if outputs == 1 else outputs, size=6)
    model = MLP([4, 4, 4, outputs], seed=1, **kwargs)
    if kwargs.get("batch_norm"):
        model.forward(x, train=True)  # give the running statistics something non-trivial
    errors = check_model(model, x, y)
    # Every weight, bias, gamma and beta: relative error far below 1e-6.
    assert max(errors.values()) < TOLERANCE, errors


def test_batchnorm_backward_in_training_mode():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(8, 3)), rng.integers(0, 2, size=8)
    model = MLP([3, 5, 1], activation="tanh", batch_norm=True, seed=0)
    model.loss_and_grads(x, y, train=True)
    analytic = {k: v.copy() for k, v in model.grads().items()}
    from sweeps.lab.gradcheck import numerical_gradient, relative_error

    for name, array, _ in model.named_params():
        numeric = numerical_gradient(lambda: model.loss_fn(model.forward(x, train=True), y)[0], array)
        assert relative_error(analytic[name], numeric) < TOLERANCE, name


def _torch_copy(model: MLP, activation: str) -> torch.nn.Sequential:
    acts = {"tanh": torch.nn.Tanh(), "relu": torch.nn.ReLU(), "sigmoid": torch.nn.Sigmoid(), "gelu": torch.nn.GELU()}
    layers = []
    linears = [layer for name, _, layer in model.named_params() if name.endswith(".W")]
    for i, linear in enumerate(linears):
        n_out, n_in = linear.params["W"].shape
        torch_linear = torch.nn.Linear(n_in, n_out, dtype=torch.float64)
        with torch.no_grad():
            torch_linear.weight.copy_(torch.from_numpy(linear.params["W"]))
            torch_linear.bias.copy_(torch.from_numpy(linear.params["b"]))
        layers.append(torch_linear)
        if i < len(linears) - 1:
            layers.append(acts[activation])
    return torch.nn.Sequential(*layers)


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid", "gelu"])
def test_same_network_in_torch_gives_the_same_loss_and_gradients(activation):
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(16, 5)), rng.integers(0, 2, size=16)
    model = MLP([5, 8, 6, 1], activation=activation, seed=2)
    loss = model.loss_and_grads(x, y, train=False)
    reference = _torch_copy(model, activation)
    logits = reference(torch.from_numpy(x))[:, 0]
    torch_loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, torch.from_numpy(y).double())
    torch_loss.backward()
    assert loss == pytest.approx(torch_loss.item(), abs=1e-12)
    ours = [g for name, g in model.grads().items()]
    theirs = [p.grad.numpy() for p in reference.parameters()]
    # Weight, bias, weight, bias, ... in the same order and layout (out, in).
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, atol=1e-12)


def test_losses_are_stable_for_huge_logits():
    loss, grad = bce_with_logits(np.array([1000.0, -1000.0]), np.array([1, 0]))
    assert np.isfinite(loss) and loss == pytest.approx(0.0) and np.all(np.isfinite(grad))
    loss, grad = softmax_cross_entropy(np.array([[1000.0, 0.0, -1000.0]]), np.array([2]))
    # Confidently wrong by 2000 nats: large but finite.
    assert loss == pytest.approx(2000.0) and np.all(np.isfinite(grad))


def test_trace_prints_every_step_with_numbers():
    model = MLP([3, 2, 1], activation="relu", seed=0)
    trace = model.trace(np.array([[0.2, -0.5, 0.8]]))
    lines = trace.splitlines()
    # input, Linear, relu, Linear, sigmoid: one line each with its shape.
    assert len(lines) == 5 and "Linear(3 -> 2)" in lines[1] and "(1, 2)" in lines[1] and "P(class 1)" in lines[-1]
