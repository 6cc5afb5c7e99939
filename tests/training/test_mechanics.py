"""Schedules, early stopping and checkpoints behave as documented."""

from __future__ import annotations

import math

import pytest
import torch

from sweeps.errors import CheckpointError
from sweeps.models import TextClassifier
from sweeps.training import EarlyStopping, load_checkpoint, lr_factor, save_checkpoint
from sweeps.training.checkpoint import load_model_state


def test_step_schedule_halves_every_step_epochs():
    # 10 steps per epoch, halve every 2 epochs: steps 0-19 full lr, 20-39 half, 40.. quarter.
    factors = [lr_factor("step", s, 100, 10, step_epochs=2, gamma=0.5) for s in (0, 19, 20, 39, 40)]
    assert factors == [1.0, 1.0, 0.5, 0.5, 0.25]


def test_cosine_goes_from_one_to_min_ratio():
    assert lr_factor("cosine", 0, 100, 10) == 1.0
    assert math.isclose(lr_factor("cosine", 50, 100, 10), 0.5)
    assert math.isclose(lr_factor("cosine", 100, 100, 10, min_lr_ratio=0.1), 0.1)


def test_warmup_cosine_rises_linearly_then_decays():
    factors = [lr_factor("warmup_cosine", s, 100, 10, warmup_fraction=0.1) for s in range(100)]
    # Strictly increasing during the 10 warmup steps, peaking at 1, then non-increasing.
    assert all(a < b for a, b in zip(factors[:10], factors[1:10]))
    assert factors[9] == 1.0 and all(a >= b for a, b in zip(factors[10:], factors[11:]))


def test_early_stopping_counts_epochs_without_improvement():
    stopper = EarlyStopping("val/loss", "min", patience=2, min_delta=0.01)
    outcomes = [stopper.update(e, {"val/loss": v}) for e, v in enumerate([1.0, 0.9, 0.895, 0.95], 1)]
    # 0.895 is within min_delta of 0.9, so it does not count; the second bad epoch stops.
    assert outcomes == [(True, False), (True, False), (False, False), (False, True)]
    assert stopper.best_epoch == 2


def test_early_stopping_max_mode_and_nan():
    stopper = EarlyStopping("val/acc", "max", patience=0)
    assert stopper.update(1, {"val/acc": 0.5}) == (True, False)
    # NaN is never an improvement, and patience=0 never stops.
    assert stopper.update(2, {"val/acc": float("nan")}) == (False, False)


def test_checkpoint_round_trip_and_mismatch(tmp_path):
    model = TextClassifier(6, [4], 2)
    path = tmp_path / "ckpt" / "best.pt"
    save_checkpoint(path, {"model": model.state_dict(), "epoch": 3, "config": {"seed": 0}})
    payload = load_checkpoint(path)
    assert payload["epoch"] == 3 and torch.equal(payload["model"]["head.weight"], model.head.weight)
    # No temp files are left beside the checkpoint.
    assert [p.name for p in path.parent.iterdir()] == ["best.pt"]
    with pytest.raises(CheckpointError, match="does not fit"):
        load_model_state(TextClassifier(6, [5], 2), payload["model"], path)


@pytest.mark.parametrize("content", [b"", b"garbage bytes", None])
def test_corrupt_checkpoint_is_a_clear_error(tmp_path, content):
    path = tmp_path / "bad.pt"
    if content is None:
        torch.save({"something": "else"}, path)  # valid torch file, not ours
    else:
        path.write_bytes(content)
    with pytest.raises(CheckpointError, match="bad.pt"):
        load_checkpoint(path)


def test_a_crash_mid_write_keeps_the_last_good_checkpoint(tmp_path, monkeypatch):
    model = TextClassifier(6, [4], 2)
    path = tmp_path / "last.pt"
    save_checkpoint(path, {"model": model.state_dict(), "epoch": 1})

    def torn_write(obj, target):
        with open(target, "wb") as fh:
            fh.write(b"half a checkp")  # the process dies here
        raise KeyboardInterrupt

    monkeypatch.setattr(torch, "save", torn_write)
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint(path, {"model": model.state_dict(), "epoch": 2})
    monkeypatch.undo()
    # The previous checkpoint still loads, and the torn temp file was cleaned up.
    assert load_checkpoint(path)["epoch"] == 1 and [p.name for p in tmp_path.iterdir()] == ["last.pt"]
