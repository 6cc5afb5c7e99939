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
    # Symmetry never breaks: after training steps the weights have moved, yet every hidden unit
    # still has the same incoming weights, bias and outgoing weight. (Sigmoid, not ReLU: relu(0)
    # has zero gradient, so with ReLU the weights would simply never move.)
    torch.manual_seed(0)
    model = TextClassifier(6, [4], 2, activation="sigmoid", init="zeros")
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    x, y = torch.randn(64, 6), (torch.rand(64) > 0.5).float()
    for _ in range(5):
        optimizer.zero_grad()
        torch.nn.functional.binary_cross_entropy_with_logits(model(x), y).backward()
        optimizer.step()
    hidden, head = model.blocks[0].linear, model.head
    assert torch.count_nonzero(hidden.weight) > 0 and torch.count_nonzero(head.weight) > 0
    assert torch.allclose(hidden.weight, hidden.weight[:1].expand_as(hidden.weight))
    assert torch.allclose(hidden.bias, hidden.bias[:1].expand_as(hidden.bias))
    assert torch.allclose(head.weight, head.weight[:, :1].expand_as(head.weight))
    # A non-zero init on the same data ends with distinct units: the check can tell the difference.
    torch.manual_seed(0)
    other = TextClassifier(6, [4], 2, activation="sigmoid", init="normal", init_std=0.1)
    assert not torch.allclose(other.blocks[0].linear.weight, other.blocks[0].linear.weight[:1].expand(4, 6))


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
