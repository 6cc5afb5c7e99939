"""The loop's mechanics, each checked against the property it promises."""

from __future__ import annotations

import copy
import math

import pytest
import torch
from omegaconf import OmegaConf

from sweeps.config import compose_config
from sweeps.errors import ConfigError
from sweeps.models import TextClassifier
from sweeps.training import EarlyStopping, LoopOptions, TensorSplit, Trainer, build_scheduler, scaled_lr
from sweeps.training.loop import ClassificationLoss


def _data(n=96, d=6, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, d, generator=g)
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).long()
    return TensorSplit(x, y)


def _schedule_cfg(name="constant", **kw):
    """The scheduler node of ``scheduler=<name>`` with ``kw`` over its defaults."""
    return OmegaConf.merge(compose_config([f"scheduler={name}"]).scheduler, kw)


def _trainer(options: LoopOptions, schedule="constant", lr=0.05, hidden=(8,), dropout=0.0, **sched_kw):
    torch.manual_seed(0)
    model = TextClassifier(6, list(hidden), 2, dropout=dropout)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    steps = math.ceil(math.ceil(96 / options.batch_size) / options.accumulate_grad_batches)
    sched = build_scheduler(_schedule_cfg(schedule, **sched_kw), optimizer, steps, options.max_epochs)
    return Trainer(model, optimizer, sched, num_classes=2, options=options, early_stopping=EarlyStopping(patience=0))


def test_accumulating_k_batches_equals_one_batch_of_k_times_b():
    data = _data()
    small = _trainer(LoopOptions(batch_size=8, accumulate_grad_batches=4, max_epochs=3))
    big = _trainer(LoopOptions(batch_size=32, accumulate_grad_batches=1, max_epochs=3))
    small.fit(data, data)
    big.fit(data, data)
    # Same shuffled examples, same per-example loss weighting: identical parameters (no dropout).
    for a, b in zip(small.model.parameters(), big.model.parameters()):
        assert torch.allclose(a, b, atol=1e-6)
    assert small.global_step == big.global_step == 9


def test_clip_by_norm_bounds_the_update_and_reports_the_pre_clip_norm():
    trainer = _trainer(LoopOptions(batch_size=96, grad_clip=0.01, max_epochs=1), lr=1.0)
    data = _data()
    # The full-batch gradient at the starting weights, measured on a copy before the trainer steps.
    reference = copy.deepcopy(trainer.model)
    ClassificationLoss(1)(reference(data.inputs), data.labels).backward()
    grads = [p.grad.detach().clone() for p in reference.parameters()]
    grad_norm = float(torch.nn.utils.get_total_norm(grads))
    before = [p.detach().clone() for p in trainer.model.parameters()]
    metrics, _ = trainer.train_epoch(data, 1)
    assert trainer.global_step == 1  # one full batch: one optimizer step
    # The gradient was larger than the threshold before clipping, and that larger norm is what we log.
    assert grad_norm > 0.01 and metrics["grad_norm/max"] == pytest.approx(grad_norm, rel=1e-4)
    # The trainer's own step was clipped: SGD's first step (momentum buffer = gradient) at lr 1 moved
    # the weights by exactly the gradient rescaled to norm 0.01, not by the 0.01-exceeding raw gradient.
    moved = [a.detach() - b for a, b in zip(trainer.model.parameters(), before)]
    assert float(torch.nn.utils.get_total_norm(moved)) == pytest.approx(0.01, rel=1e-3)
    for step, grad in zip(moved, grads):
        assert torch.allclose(step, -grad * (0.01 / grad_norm), atol=1e-7)


def test_clip_by_value_clamps_every_element():
    trainer = _trainer(LoopOptions(batch_size=96, grad_clip=1e-4, grad_clip_algorithm="value"), lr=0.0)
    data = _data()
    loss = ClassificationLoss(1)(trainer.model(data.inputs), data.labels)
    loss.backward()
    trainer._clip(measure=True)
    assert max(float(p.grad.abs().max()) for p in trainer.model.parameters()) <= 1e-4


def test_label_smoothing_moves_binary_targets_towards_one_half():
    logits = torch.tensor([20.0])
    # With eps=0.2 the target for label 1 is 0.9, so a confident logit is penalised.
    assert float(ClassificationLoss(1, 0.2)(logits, torch.tensor([1]))) > 1.0
    assert float(ClassificationLoss(1, 0.0)(logits, torch.tensor([1]))) < 1e-6


def test_lr_scaling_rules():
    assert scaled_lr(0.1, "linear", 256, 64) == pytest.approx(0.4)
    assert scaled_lr(0.1, "sqrt", 256, 64) == pytest.approx(0.2)
    assert scaled_lr(0.1, "none", 256, 64) == 0.1


def test_drop_last_skips_the_incomplete_batch():
    trainer = _trainer(LoopOptions(batch_size=40, drop_last=True, max_epochs=1))
    trainer.train_epoch(_data(), 1)
    # 96 rows in batches of 40: two full batches, the 16-row remainder dropped.
    assert trainer.global_step == 2


def test_warmup_is_stepped_per_optimizer_step_and_sampled_per_step():
    trainer = _trainer(LoopOptions(batch_size=8, max_epochs=2, log_every_n_steps=1), schedule="warmup_linear",
                       warmup_fraction=0.5)
    _, steps = trainer.train_epoch(_data(), 1)
    lrs = [m["lr_step"] for _, m in steps]
    # 12 steps in epoch 1 of 24 total, all inside the 12-step warmup: lr rises every step.
    assert [s for s, _ in steps] == list(range(1, 13))
    assert all(a < b for a, b in zip(lrs, lrs[1:]))


def test_plateau_cuts_lr_when_the_monitor_stalls():
    # A tiny lr barely moves val/loss (below the plateau threshold): each epoch after the first is a
    # stall, and with patience 0 each stall halves the lr used in the next epoch.
    trainer = _trainer(LoopOptions(batch_size=32, max_epochs=4), schedule="plateau", lr=1e-6, factor=0.5, patience=0)
    result = trainer.fit(_data(), _data())
    assert [h["lr"] for h in result.history] == pytest.approx([1e-6, 1e-6, 5e-7, 2.5e-7])


def test_bf16_autocast_trains_on_cpu():
    trainer = _trainer(LoopOptions(batch_size=16, max_epochs=3, precision="bf16"))
    result = trainer.fit(_data(), _data())
    # Loss stays finite and goes down under bf16 autocast.
    assert result.history[-1]["train/loss"] < result.history[0]["train/loss"]


def test_fp16_on_cpu_is_refused_with_the_key():
    from sweeps.app import resolve_device

    with pytest.raises(ConfigError, match="trainer.precision"):
        resolve_device("cpu", "16")


def test_nan_loss_stops_training_as_diverged():
    trainer = _trainer(LoopOptions(batch_size=16, max_epochs=5), lr=1e30)
    result = trainer.fit(_data(), _data())
    assert result.stop_reason == "diverged" and result.stopped_epoch < 5


@pytest.mark.parametrize("norm", ["batch", "layer"])
def test_norm_layers_and_residual_blocks(norm):
    model = TextClassifier(8, [8, 8], 3, norm=norm, residual=True)
    x = torch.randn(4, 8)
    # Residual only between equal widths: both blocks here have 8 -> 8.
    assert all(block.residual for block in model.blocks)
    assert model(x).shape == (4, 3)
    assert not TextClassifier(8, [4, 4], 2, residual=True).blocks[0].residual
