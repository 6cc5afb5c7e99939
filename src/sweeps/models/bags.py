"""Mini-batches of CSR bags (token ids with weights), the input of trainable-embedding models."""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass
class Bag:
    """A batch of documents as flat ``ids``/``weights`` with ``offsets`` (B + 1) into them."""

    ids: torch.Tensor  # (nnz,) long
    offsets: torch.Tensor  # (B + 1,) long
    weights: torch.Tensor  # (nnz,) float

    def to(self, device: str | torch.device) -> "Bag":
        return Bag(self.ids.to(device), self.offsets.to(device), self.weights.to(device))

    def __len__(self) -> int:
        return len(self.offsets) - 1


@dataclass
class BagSplit:
    """One split of bags; ``batch`` gathers rows the way :class:`TensorSplit` indexes tensors."""

    ids: torch.Tensor
    offsets: torch.Tensor  # (N + 1,)
    weights: torch.Tensor
    labels: torch.Tensor

    def __len__(self) -> int:
        return len(self.labels)

    def batch(self, index: torch.Tensor) -> tuple[Bag, torch.Tensor]:
        starts, ends = self.offsets[index], self.offsets[index + 1]
        lengths = ends - starts
        batch_offsets = torch.zeros(len(index) + 1, dtype=torch.long)
        torch.cumsum(lengths, 0, out=batch_offsets[1:])
        # Position j of the batch's flat arrays reads source position starts[doc] + (j - batch_offsets[doc]).
        shift = torch.repeat_interleave(starts - batch_offsets[:-1], lengths)
        source = torch.arange(int(batch_offsets[-1])) + shift
        return Bag(self.ids[source], batch_offsets, self.weights[source]), self.labels[index]
