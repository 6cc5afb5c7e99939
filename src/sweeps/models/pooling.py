"""Token-level pooling that has to be learned, so cannot be precomputed."""

from __future__ import annotations

import torch
from torch import nn


class AttentionPooling(nn.Module):
    """Weighted mean of token vectors with learned weights ``softmax(v . tanh(W e_t))``.

    Padding positions get weight exactly zero, so the output does not depend on how much padding
    a batch carries. The last weights are kept in ``last_weights`` for analysis.
    """

    def __init__(self, table: torch.Tensor, hidden: int = 64, trainable: bool = False) -> None:
        super().__init__()
        self.embedding = nn.Embedding.from_pretrained(table, freeze=not trainable, padding_idx=0)
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
