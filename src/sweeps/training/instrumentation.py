"""Per-layer training signals, sampled cheaply during every run.

Every ``every``-th optimizer step (and only then) forward hooks on the activation modules record
activation statistics, and the gradients and weight updates of each linear layer are measured.
The epoch's summary joins the epoch's curves in one MLflow ``log_batch``:

- ``diag/grad_norm/<layer>``: mean L2 norm of the layer's weight gradient,
- ``diag/update_ratio/<layer>``: ||W_after - W_before|| / ||W_before|| of one step (healthy
  training sits near 1e-3; far above means the lr is too high, far below too low),
- ``diag/dead_frac/<layer>``: share of ReLU units that never fired on any example of the epoch
  (tracked on every step: a column max is cheap),
- ``diag/saturated_frac/<layer>``: share of sigmoid/tanh outputs in their flat tails,
- ``diag/act_mean/<layer>``, ``diag/act_std/<layer>``: activation statistics,
- ``diag/nonfinite``: NaN/inf values seen in sampled gradients.

Sampling keeps the cost within a few percent of training (``benchmarks/instrumentation_overhead.py``).
"""

from __future__ import annotations

from collections import defaultdict

import torch
from torch import nn

_RELU_LIKE = (nn.ReLU, nn.LeakyReLU, nn.GELU)
_SATURATING = (nn.Sigmoid, nn.Tanh)


def layer_names(model: nn.Module) -> dict[str, nn.Linear]:
    """Linear layers in forward order as ``layer1..layerN`` and ``head``."""
    linears = [m for name, m in model.named_modules() if isinstance(m, nn.Linear) and not name.startswith("pooler")]
    names = {f"layer{i + 1}": m for i, m in enumerate(linears[:-1])}
    if linears:
        names["head"] = linears[-1]
    return names


def _activations(model: nn.Module) -> dict[str, nn.Module]:
    found = [m for name, m in model.named_modules()
             if isinstance(m, _RELU_LIKE + _SATURATING) and not name.startswith("pooler")]
    return {f"layer{i + 1}": m for i, m in enumerate(found)}


def _units_last(output: torch.Tensor) -> torch.Tensor:
    """(examples, units): a linear layer's (B, H) as is; a convolution's (B, C, *spatial) with the
    C channels as units (torch's N, C, ... layout), every position an example of its channel."""
    if output.dim() <= 2:
        return output.reshape(-1, output.shape[-1])
    return output.movedim(1, -1).reshape(-1, output.shape[1])


class Instrumentation:
    """Collects the signals above for one model; the Trainer drives it around sampled steps."""

    def __init__(self, model: nn.Module, every: int) -> None:
        self.every = max(1, every)
        self.layers = layer_names(model)
        self.active = False
        self.untracked: set[str] = set()
        self._hooks = [module.register_forward_hook(self._hook(name))
                       for name, module in _activations(model).items()]
        self._reset()

    def _reset(self) -> None:
        self.sums: dict[str, list[float]] = defaultdict(list)
        self.unit_max: dict[str, torch.Tensor] = {}
        self.nonfinite = 0
        self._before: dict[str, torch.Tensor] = {}

    def _hook(self, name: str):
        def record(module: nn.Module, _inputs, output: torch.Tensor) -> None:
            if not module.training:
                return
            out = _units_last(output.detach())
            if isinstance(module, _RELU_LIKE) and name not in self.untracked:
                # Every step, not only sampled ones: a unit is dead only if no example of the
                # epoch made it fire, and a per-column max is cheap next to the layer's matmul.
                batch_max = out.max(dim=0).values
                previous = self.unit_max.get(name)
                if previous is not None and previous.shape != batch_max.shape:
                    # Units that change from batch to batch (not (B, units) or (B, C, ...)): no dead-unit count.
                    self.untracked.add(name)
                    self.unit_max.pop(name)
                else:
                    self.unit_max[name] = batch_max if previous is None else torch.maximum(previous, batch_max)
            if not self.active:
                return
            out = out.float()
            self.sums[f"act_mean/{name}"].append(float(out.mean()))
            self.sums[f"act_std/{name}"].append(float(out.std()) if out.numel() > 1 else 0.0)
            if isinstance(module, _SATURATING):
                # sigmoid below 0.01 / above 0.99, tanh beyond +-0.99: the gradient there is < 2% of its peak.
                low, high = (0.0, 1.0) if isinstance(module, nn.Sigmoid) else (-1.0, 1.0)
                saturated = ((out < low + 0.01) | (out > high - 0.01)).float().mean()
                self.sums[f"saturated_frac/{name}"].append(float(saturated))
        return record

    def wants(self, step: int) -> bool:
        return step % self.every == 0

    def begin(self) -> None:
        self.active = True

    @torch.no_grad()
    def after_backward(self, loss_scale: float = 1.0) -> None:
        """Gradient norms (of the true gradient when fp16 scales the loss), non-finite counts, and
        the weights as they are before the update."""
        self.active = False
        for name, layer in self.layers.items():
            grad = layer.weight.grad
            if grad is None:
                continue
            finite = torch.isfinite(grad)
            self.nonfinite += int((~finite).sum())
            self.sums[f"grad_norm/{name}"].append(float(torch.linalg.vector_norm(grad.float())) / loss_scale)
            self._before[name] = layer.weight.detach().clone()

    @torch.no_grad()
    def after_step(self) -> None:
        for name, before in self._before.items():
            weight = self.layers[name].weight.detach()
            ratio = torch.linalg.vector_norm((weight - before).float()) / torch.linalg.vector_norm(before.float()).clamp_min(1e-12)
            self.sums[f"update_ratio/{name}"].append(float(ratio))
        self._before = {}

    def epoch_metrics(self) -> dict[str, float]:
        """Means over the epoch's sampled steps, then reset for the next epoch."""
        out = {f"diag/{key}": sum(values) / len(values) for key, values in self.sums.items() if values}
        for name, unit_max in self.unit_max.items():
            out[f"diag/dead_frac/{name}"] = float((unit_max <= 0).float().mean())
        out["diag/nonfinite"] = float(self.nonfinite)
        self._reset()
        return out

    def close(self) -> None:
        for hook in self._hooks:
            hook.remove()
