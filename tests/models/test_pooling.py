"""Trainable bag pooling: what it computes, and that its gradient stays sparse."""

from __future__ import annotations

import torch

from sweeps.models.pooling import BAG_INIT_STD, BagPooling, bag_table
from sweeps.models.bags import Bag


def _bag():
    # doc 0 = rows {1, 2}, doc 1 = rows {3}, doc 2 = no tokens at all.
    return Bag(torch.tensor([1, 2, 3]), torch.tensor([0, 2, 3, 3]), torch.tensor([0.5, 0.5, 1.0]))


def test_weighted_sum_max_and_mean_max():
    table = torch.randn(6, 4)
    bag = _bag()
    mean = BagPooling(table.clone(), "mean")(bag)
    assert torch.allclose(mean[0], (table[1] + table[2]) / 2, atol=1e-6)
    assert torch.allclose(mean[1], table[3]) and torch.all(mean[2] == 0)
    top = BagPooling(table.clone(), "max")(bag)
    assert torch.allclose(top[0], torch.maximum(table[1], table[2])) and torch.all(top[2] == 0)
    both = BagPooling(table.clone(), "mean_max")(bag)
    assert both.shape == (3, 8) and torch.allclose(both[:, :4], mean) and torch.allclose(both[:, 4:], top)


def test_gradient_is_sparse_and_touches_only_the_batch_rows():
    pool = BagPooling(torch.randn(100, 4), "mean_max")
    pool(_bag()).sum().backward()
    grad = pool.bag.weight.grad
    assert grad.is_sparse
    assert set(grad.coalesce().indices()[0].tolist()) == {1, 2, 3}


def test_table_uses_pretrained_rows_rescaled_and_draws_the_rest_from_the_seed():
    words = torch.randn(3, 5) * 7
    pretrained = torch.tensor([True, False, True])
    torch.manual_seed(1)
    table = bag_table(10, words, pretrained)
    torch.manual_seed(1)
    assert torch.equal(table, bag_table(10, words, pretrained))
    known = table[:3][pretrained]
    assert torch.allclose(known / known.std(), words[pretrained] / words[pretrained].std(), atol=1e-5)
    assert abs(float(table[3:].std()) - BAG_INIT_STD) < 0.05
