"""Model shapes, init schemes and padding-invariance of attention pooling."""

from __future__ import annotations

import torch

from sweeps.models import AttentionPooling, TextClassifier


def test_binary_has_one_logit_and_multiclass_one_per_class():
    x = torch.randn(5, 12)
    assert TextClassifier(12, [8], 2)(x).shape == (5,)
    assert TextClassifier(12, [8, 8], 4)(x).shape == (5, 4)


def test_no_hidden_layers_is_logistic_regression():
    model = TextClassifier(12, [], 2)
    # Just the head: 12 weights + 1 bias.
    assert sum(p.numel() for p in model.parameters()) == 13


def test_zero_init_leaves_hidden_units_identical():
    model = TextClassifier(6, [4], 2, init="zeros")
    assert torch.count_nonzero(model.blocks[0].linear.weight) == 0


def test_attention_pooling_ignores_padding():
    torch.manual_seed(0)
    pool = AttentionPooling(torch.randn(10, 4))
    ids = torch.tensor([[3, 5, 7]])
    padded = torch.tensor([[3, 5, 7, 0, 0, 0]])
    # Extra padding changes neither the pooled vector nor the weights of real tokens.
    assert torch.allclose(pool(ids), pool(padded), atol=1e-6)
    assert torch.all(pool.last_weights[0, 3:] == 0)


def test_attention_pooling_handles_documents_with_no_known_word():
    pool = AttentionPooling(torch.randn(10, 4))
    out = pool(torch.tensor([[0, 0, 0], [1, 2, 0]]))
    assert torch.isfinite(out).all() and torch.all(out[0] == 0)
