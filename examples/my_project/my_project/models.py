"""Two models of the user's, written as plain torch modules.

sweeps builds them with ``hydra.utils.instantiate(cfg.model, ...)`` and passes the constructor
arguments it names from what only the data knows: ``num_classes``, ``num_outputs`` (1 logit for
two classes, else one per class), ``input_dim``, ``input_shape``, and ``embeddings`` (the (V, D)
word vectors, row 0 = padding; asking for it means the model is fed token ids, not pooled vectors).
"""

from __future__ import annotations

import torch
from torch import nn


class ConvText(nn.Module):
    """Kim (2014)'s CNN for sentence classification over sweeps' word vectors.

    Input: token ids (B, L), 0 = padding. Output: logits (B,) for two classes, else (B, K).
    """

    def __init__(self, embeddings: torch.Tensor, num_outputs: int, channels: int = 64,
                 kernel_sizes: tuple[int, ...] = (3, 4, 5), dropout: float = 0.5, freeze: bool = True) -> None:
        super().__init__()
        self.embedding = nn.Embedding.from_pretrained(embeddings, freeze=freeze, padding_idx=0)
        dim = embeddings.shape[1]
        self.convs = nn.ModuleList(nn.Conv1d(dim, channels, k, padding=k // 2) for k in kernel_sizes)
        self.activation = nn.ReLU()
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(channels * len(kernel_sizes), num_outputs)
        self.num_outputs = num_outputs

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        x = self.embedding(ids).transpose(1, 2)  # (B, D, L)
        # Max over time of each filter's response (Kim 2014): one number per filter.
        pooled = [self.activation(conv(x)).amax(dim=2) for conv in self.convs]  # each (B, C)
        logits = self.head(self.dropout(torch.cat(pooled, dim=1)))
        return logits.squeeze(-1) if self.num_outputs == 1 else logits


class DigitsCNN(nn.Module):
    """A small CNN for 8x8 grey images: two 3x3 conv layers, 2x2 max pooling, an MLP head.

    Input: (B, 1, 8, 8) floats in [0, 1]. Output: logits (B, K).
    """

    def __init__(self, input_shape: tuple[int, ...], num_classes: int, channels: int = 16, hidden: int = 64,
                 dropout: float = 0.2) -> None:
        super().__init__()
        in_channels, height, width = input_shape
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, channels, 3, padding=1), nn.ReLU(),
            nn.Conv2d(channels, 2 * channels, 3, padding=1), nn.ReLU(),
            nn.MaxPool2d(2),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(2 * channels * (height // 2) * (width // 2), hidden), nn.ReLU(),
            nn.Dropout(dropout), nn.Linear(hidden, num_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))
