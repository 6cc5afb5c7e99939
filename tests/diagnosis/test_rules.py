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


# Held-out benchmark runs (issue 20's pathology grid, seed 7): SGD at lr 4e-5 on IMDB, training loss
# from an init above ln 2 coming down every epoch; it was read as lr_too_high ("never beat guessing").
SLOW_TRAIN = [0.904, 0.881, 0.853, 0.84, 0.815, 0.808, 0.791, 0.784, 0.775, 0.766, 0.758, 0.749, 0.742, 0.739, 0.734]
SLOW_VAL = [0.838, 0.814, 0.793, 0.777, 0.762, 0.750, 0.740, 0.731, 0.723, 0.716, 0.710, 0.704, 0.699, 0.694, 0.689]


def test_a_slow_steady_descent_from_a_high_init_is_lr_too_low_not_lr_too_high():
    tiny_steps = [_epoch(t, v, 0.51 + 0.005 * i, 0.52 + 0.005 * i, ratio=(3e-6, 3e-5))
                  for i, (t, v) in enumerate(zip(SLOW_TRAIN, SLOW_VAL))]
    diagnosis = diagnose(tiny_steps, CFG, 2)
    assert diagnosis.labels == ["lr_too_low"]
    assert "lr_too_high" not in {f.label for f in diagnosis.findings + diagnosis.observations}
    # The same curves with small steps not past the tiny-step threshold (1.5e-4: above low_update_ratio,
    # under slow_update_ratio): the curves say it, a loss still near guessing's after coming down
    # every epoch. (Healthy-sized steps on such curves are underfitting: test_precedence.)
    ordinary = [{**e, "diag/update_ratio/layer1": 1.5e-4, "diag/update_ratio/head": 1.5e-4} for e in tiny_steps]
    [finding] = diagnose(ordinary, CFG, 2).roots
    assert finding.label == "lr_too_low" and finding.signal.startswith("final train/loss")
    # Huge steps whose loss comes down from 15x guessing's still overshot (lr 10 on IMDB).
    huge = [{**e, "train/loss": 20 * e["train/loss"], "diag/update_ratio/head": 0.6} for e in tiny_steps]
    assert diagnose(huge, CFG, 2).labels[0] == "lr_too_high"


def test_a_network_killed_by_its_first_steps_is_not_lr_too_low():
    # momentum lr 1.5: epoch 1 overshoots, then every unit is dead: no gradient, no update, a flat loss.
    flat = [1.04, 0.713, 0.711, 0.708, 0.707, 0.71, 0.709, 0.708, 0.715, 0.707, 0.704, 0.71]
    dead = [_epoch(t, 0.70 + 0.002 * (i % 2), 0.5, 0.5, ratio=(0.0, 0.0), dead=0.1 if i == 0 else 1.0)
            for i, t in enumerate(flat)]
    diagnosis = diagnose(dead, CFG, 2)
    assert diagnosis.labels[0] == "lr_too_high"
    assert diagnosis.explained.get("dying_relu") == "lr_too_high"
    assert "lr_too_low" not in {f.label for f in diagnosis.findings + diagnosis.observations}


def test_a_noisy_runs_lucky_validation_dip_is_not_overfitting():
    # BBC News, SGD lr 2.5 (seed 7): validation loss zigzags around a lucky low at epoch 6 while the
    # train/val accuracy gap stays within 3 points: noise, not memorisation.
    train = [1.217, 0.871, 0.653, 0.532, 0.588, 0.476, 0.49, 0.413, 0.4, 0.396, 0.187, 0.252, 0.32, 0.393, 0.314]
    val = [0.332, 0.304, 0.471, 0.454, 0.558, 0.243, 0.38, 0.373, 1.255, 0.549, 0.417, 0.443, 0.755, 0.439, 0.444]
    train_acc = [0.859, 0.918, 0.935, 0.944, 0.94, 0.949, 0.952, 0.958, 0.955, 0.954, 0.974, 0.967, 0.965, 0.96, 0.961]
    val_acc = [0.952, 0.952, 0.946, 0.946, 0.937, 0.964, 0.949, 0.955, 0.916, 0.949, 0.955, 0.958, 0.955, 0.967, 0.949]
    history = [_epoch(*values, ratio=(0.03, 0.06)) for values in zip(train, val, train_acc, val_acc)]
    assert diagnose(history, CFG, 5).labels == ["noisy_training"]


def test_training_accuracy_catching_up_with_validation_is_not_overfitting():
    # BBC News, batch 4, lr 0.02 (seed 6): train accuracy (dropout on) climbs to validation's 0.955
    # while validation loss zigzags above its first epoch: noise; the gap never turned positive.
    train = [0.689, 0.619, 0.61, 0.558, 0.527, 0.587, 0.423, 0.562]
    val = [0.262, 0.355, 0.858, 0.394, 0.512, 0.625, 0.577, 0.579]
    train_acc = [0.887, 0.915, 0.94, 0.944, 0.942, 0.946, 0.952, 0.955]
    val_acc = [0.949, 0.955, 0.916, 0.946, 0.958, 0.955, 0.955, 0.955]
    history = [_epoch(*values) for values in zip(train, val, train_acc, val_acc)]
    assert diagnose(history, CFG, 5).labels == ["noisy_training"]


def test_a_gap_from_one_bad_last_epoch_is_not_overfitting():
    # IMDB, momentum SGD lr 0.15 (probe, seed 1): training accuracy falls from 0.80 to 0.74 while
    # validation accuracy zigzags; only the last epoch's drop to 0.62 opens a 13-point gap.
    train = [0.496, 0.456, 0.436, 0.45, 0.441, 0.421, 0.43, 0.428, 0.431, 0.444, 0.455, 0.447, 0.481, 0.553, 0.536]
    val = [0.5, 0.446, 0.446, 0.513, 0.453, 0.516, 0.464, 0.497, 0.569, 0.688, 0.537, 0.533, 0.572, 0.514, 0.688]
    train_acc = [0.782, 0.793, 0.802, 0.791, 0.798, 0.806, 0.802, 0.794, 0.795, 0.789, 0.782, 0.782, 0.772, 0.716, 0.743]
    val_acc = [0.79, 0.788, 0.811, 0.686, 0.788, 0.707, 0.772, 0.691, 0.7, 0.801, 0.719, 0.758, 0.778, 0.761, 0.616]
    history = [_epoch(*values) for values in zip(train, val, train_acc, val_acc)]
    diagnosis = diagnose(history, CFG, 2)
    assert "overfitting" not in diagnosis.labels
    assert diagnosis.labels[0] == "noisy_training"


def test_a_gap_held_over_the_last_two_epochs_is_overfitting_without_a_val_loss_rise():
    # Validation loss flat (no rise branch), training accuracy pulling away and staying away.
    history = [_epoch(0.6 - 0.05 * i, 0.55, min(0.7 + 0.04 * i, 0.99), 0.78) for i in range(10)]
    finding = diagnose(history, CFG, 2).findings[0]
    assert finding.label == "overfitting" and finding.signal == "train/acc - val/acc (last 2 epochs)"
    assert abs(finding.value - 0.21) < 1e-9


def test_tiny_steps_from_a_high_init_never_overshot_even_when_the_loss_wobbles():
    # BBC News, SGD lr 4e-5, batch 96: loss 3.16 -> 2.94 (above ln 5 throughout, up in some epochs),
    # update ratio 4e-5: the loss is the initialisation's, not an overshoot.
    wobbly = [3.162, 3.077, 3.100, 3.061, 3.044, 3.090, 3.005, 3.059, 2.975, 2.977, 3.008, 2.965, 2.914, 2.912, 2.940]
    history = [_epoch(t, 2.694 - 0.013 * i, 0.3, 0.29 + 0.002 * i, ratio=(9e-6, 4.5e-5), dead=0.0)
               for i, t in enumerate(wobbly)]
    diagnosis = diagnose(history, CFG, 5)
    assert diagnosis.labels == ["lr_too_low"]
    assert "lr_too_high" not in {f.label for f in diagnosis.findings + diagnosis.observations}
