"""Pooling that has to be learned (attention) or whose table is trained, so cannot be precomputed."""

from __future__ import annotations

import torch
from torch import nn

from sweeps.models.bags import Bag

# Element std of freshly drawn rows; pretrained rows are rescaled to it so both start on one scale.
BAG_INIT_STD = 0.1


class AttentionPooling(nn.Module):
    """Weighted mean of token vectors with learned weights ``softmax(v . tanh(W e_t))``.

    Padding positions get weight exactly zero, so the output does not depend on how much padding
    a batch carries. The last weights are kept in ``last_weights`` for analysis.
    """

    def __init__(self, table: torch.Tensor, hidden: int = 64, trainable: bool = False) -> None:
        super().__init__()
        # Sparse gradients when trained: a step touches only the rows its batch contains.
        self.embedding = nn.Embedding.from_pretrained(table, freeze=not trainable, padding_idx=0,
                                                      sparse=trainable)
        dim = table.shape[1]
        self.score = nn.Sequential(nn.Linear(dim, hidden), nn.Tanh(), nn.Linear(hidden, 1, bias=False))
        self.last_weights: torch.Tensor | None = None

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        vectors = self.embedding(ids)  # (B, L, D)
        mask = ids != 0  # (B, L)
        scores = self.score(vectors).squeeze(-1)  # (B, L)
        scores = scores.masked_fill(~mask, float("-inf"))
        # A document with no known token would be all -inf: give it uniform zero weight instead.
        empty = ~mask.any(dim=1, keepdim=True)
        weights = torch.softmax(scores.masked_fill(empty, 0.0), dim=1) * mask  # (B, L)
        self.last_weights = weights.detach()
        return torch.einsum("bl,bld->bd", weights, vectors)  # (B, D)


def bag_table(rows: int, word_rows: torch.Tensor, pretrained: torch.Tensor) -> torch.Tensor:
    """(rows, D) initial table: pretrained word vectors where known, N(0, BAG_INIT_STD) elsewhere.

    Drawn from torch's global generator, so the run's seed decides it."""
    table = torch.randn(rows, word_rows.shape[1]) * BAG_INIT_STD
    if bool(pretrained.any()):
        known = word_rows[pretrained]
        table[: len(pretrained)][pretrained] = known * (BAG_INIT_STD / known.std().clamp_min(1e-8))
    return table


class BagPooling(nn.Module):
    """Weighted sum (mean, TF-IDF or NB weights), max, or both, over a trainable table.

    The table gets sparse gradients: each step touches only the rows of the ids in its batch,
    which keeps a 400k-row table of words and bigrams as cheap to train as a small MLP.
    """

    def __init__(self, table: torch.Tensor, mode: str) -> None:
        super().__init__()
        self.mode = mode
        self.bag = nn.EmbeddingBag.from_pretrained(table, freeze=False, mode="sum", sparse=True)

    def _max(self, bag: Bag) -> torch.Tensor:
        # EmbeddingBag's max mode has no sparse gradient: gather the rows, reduce per document.
        vectors = nn.functional.embedding(bag.ids, self.bag.weight, sparse=True)  # (nnz, D)
        lengths = bag.offsets[1:] - bag.offsets[:-1]
        document = torch.repeat_interleave(torch.arange(len(lengths), device=vectors.device), lengths)
        out = torch.zeros(len(lengths), vectors.shape[1], dtype=vectors.dtype, device=vectors.device)
        return out.scatter_reduce(0, document[:, None].expand_as(vectors), vectors, "amax", include_self=False)

    def forward(self, bag: Bag) -> torch.Tensor:
        if self.mode == "max":
            return self._max(bag)
        total = self.bag(bag.ids, bag.offsets[:-1], per_sample_weights=bag.weights)  # (B, D)
        return torch.cat([total, self._max(bag)], dim=1) if self.mode == "mean_max" else total
