"""The per-layer signals measure what they claim on small models."""

from __future__ import annotations

import torch
from torch import nn

from sweeps.training.instrumentation import Instrumentation
from sweeps.models import TextClassifier


def _one_step(model, instruments, x, y):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    instruments.begin()
    loss = nn.functional.binary_cross_entropy_with_logits(model(x), y)
    loss.backward()
    instruments.after_backward()
    optimizer.step()
    instruments.after_step()
    return instruments.epoch_metrics()


def test_dead_units_gradients_and_update_ratio():
    torch.manual_seed(0)
    model = TextClassifier(8, [16], 2, dropout=0.0)
    with torch.no_grad():
        model.blocks[0].linear.bias[:8] = -100.0  # half the units can never fire
    metrics = _one_step(model, Instrumentation(model, every=1), torch.randn(64, 8), torch.randint(0, 2, (64,)).float())
    assert metrics["diag/dead_frac/layer1"] == 0.5
    assert metrics["diag/grad_norm/layer1"] > 0 and metrics["diag/grad_norm/head"] > 0
    assert 0 < metrics["diag/update_ratio/head"] < 1 and metrics["diag/nonfinite"] == 0


def test_deep_sigmoid_stack_shows_the_gradient_fan_out():
    torch.manual_seed(0)
    model = TextClassifier(8, [32] * 6, 2, activation="sigmoid", init="normal", init_std=0.01, dropout=0.0)
    metrics = _one_step(model, Instrumentation(model, every=1), torch.randn(64, 8), torch.randint(0, 2, (64,)).float())
    assert metrics["diag/grad_norm/layer1"] < 1e-6 * metrics["diag/grad_norm/head"]
    assert "diag/saturated_frac/layer1" in metrics and "diag/act_std/layer6" in metrics


def test_convolution_channels_are_the_units_whatever_the_sequence_length():
    torch.manual_seed(0)
    conv = nn.Conv1d(3, 4, 3, padding=1)
    model = nn.Sequential(conv, nn.ReLU())
    with torch.no_grad():
        conv.bias[:2] = -100.0  # two of the four channels never fire
    instruments = Instrumentation(model, every=1)
    model.train()
    for length in (5, 9):  # batches of different lengths: a channel is a unit, a position is an example
        model(torch.randn(8, 3, length))
    assert instruments.epoch_metrics()["diag/dead_frac/layer1"] == 0.5
