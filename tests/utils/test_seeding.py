"""``sweeps.utils.seeding``: one seed fixes Python's, NumPy's and torch's draws."""

from __future__ import annotations

import random

import numpy as np
import torch

from sweeps.utils.seeding import seed_everything


def _draws():
    return random.random(), float(np.random.rand()), float(torch.rand(1))


def test_the_same_seed_gives_the_same_draws_from_every_generator():
    seed_everything(3)
    first = _draws()
    seed_everything(3)
    assert _draws() == first
    seed_everything(4)
    assert all(a != b for a, b in zip(_draws(), first))


def test_seeds_past_numpys_32_bit_range_are_accepted():
    seed_everything(2**40 + 5)
    big = _draws()
    seed_everything(2**40 + 5)
    assert _draws() == big
