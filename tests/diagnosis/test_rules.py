"""Each rule on a hand-made history: it fires on its pathology and stays quiet on a healthy run."""

from __future__ import annotations

import math

import pytest

from sweeps.config import compose_config
from sweeps.diagnosis.diagnoser import diagnose, live_alarm, resolve_fix

CFG = compose_config([]).diagnosis


def _epoch(train_loss, val_loss, train_acc, val_acc, grad=(0.3, 0.1), ratio=(2e-3, 1e-3), dead=0.1):
    return {"train/loss": train_loss, "val/loss": val_loss, "train/acc": train_acc, "val/acc": val_acc,
            "diag/grad_norm/layer1": grad[0], "diag/grad_norm/head": grad[1],
            "diag/update_ratio/layer1": ratio[0], "diag/update_ratio/head": ratio[1],
            "diag/dead_frac/layer1": dead, "diag/nonfinite": 0.0}


def healthy(n=10):
    return [_epoch(0.6 - 0.02 * i, 0.62 - 0.015 * i, 0.7 + 0.01 * i, 0.69 + 0.009 * i) for i in range(n)]


CASES = {
    "healthy": healthy(),
    "overfitting": [_epoch(0.6 - 0.05 * i, 0.6 - 0.03 * i if i < 3 else 0.51 + 0.05 * (i - 3), 0.7 + 0.03 * i,
                           0.72) for i in range(10)],
    "underfitting": [_epoch(0.69 - 0.01 * min(i, 3), 0.69 - 0.01 * min(i, 3), 0.55 + 0.01 * min(i, 3), 0.55)
                     for i in range(10)],
    "lr_too_high": [_epoch(50.0 + (i % 2) * 20, 60.0, 0.5, 0.5, ratio=(0.2, 0.4)) for i in range(10)],
    "lr_too_low": [_epoch(0.78 - 0.005 * i, 0.77 - 0.005 * i, 0.5, 0.5, ratio=(1e-6, 1e-5)) for i in range(10)],
    "exploding_gradients": healthy(2) + [{**_epoch(math.nan, math.nan, 0.5, 0.5), "diag/nonfinite": 12.0}],
    "vanishing_gradients": [_epoch(0.693, 0.693, 0.5, 0.5, grad=(1e-12, 0.3)) for _ in range(6)],
    "dying_relu": [_epoch(0.69, 0.69, 0.52, 0.5, dead=0.1 if i == 0 else 0.95) for i in range(8)],
    "noisy_training": [_epoch(0.5 - 0.01 * i, 0.5 + (0.03 if i % 2 else -0.03), 0.75, 0.75 + (0.05 if i % 2 else -0.05))
                       for i in range(8)],
}


@pytest.mark.parametrize("label", sorted(CASES))
def test_each_pathology_gets_exactly_its_label(label):
    assert diagnose(CASES[label], CFG, 2).labels == [label]


def test_findings_carry_evidence_confidence_and_fixes():
    diagnosis = diagnose(CASES["lr_too_high"], CFG, 2, {"optimizer.lr": "0.3"})
    [finding] = diagnosis.roots
    assert finding.signal == "train/loss vs chance" and 0.5 <= finding.confidence <= 1.0
    assert finding.harm  # a label always says how the run is harmed
    assert diagnosis.first_fix() == "optimizer.lr=0.003"  # "*0.01" resolved against the run's lr


def test_live_alarm_fires_the_epoch_gradients_vanish_and_not_on_healthy_runs():
    assert live_alarm(CASES["vanishing_gradients"][:2], CFG, 2).label == "vanishing_gradients"
    assert live_alarm(CASES["exploding_gradients"], CFG, 2).epoch == 3
    assert live_alarm(healthy(), CFG, 2) is None


def test_a_steadily_climbing_curve_is_not_noisy():
    # A monotone curve moves a lot between epochs without reversing: zigzag is zero.
    climbing = [_epoch(1.6 - 0.1 * i, 1.6 - 0.1 * i, 0.2 + 0.05 * i, 0.2 + 0.05 * i) for i in range(12)]
    assert "noisy_training" not in diagnose(climbing, CFG, 5).labels


def test_fix_resolution_leaves_unknown_values_and_group_swaps_alone():
    assert resolve_fix("optimizer.lr=*10 optimizer=adam", {"optimizer.lr": "0.001"}) == "optimizer.lr=0.01 optimizer=adam"
    assert resolve_fix("optimizer.lr=*10", None) == "optimizer.lr=*10"
