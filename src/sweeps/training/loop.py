"""The training loop: mini-batches, accumulation, clipping, precision, schedule, early stopping,
checkpoints and exact resume.

It knows nothing about MLflow or Optuna. Those plug in as callbacks that receive each epoch's
report, so the same loop serves a single run, a study trial and the benchmarks.
"""

from __future__ import annotations

import copy
import math
import sys
import time
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Protocol

import numpy as np
import torch
from torch import nn

from sweeps.errors import ConfigError
from sweeps.evaluation import classification_metrics
from sweeps.models import num_outputs
from sweeps.training.checkpoint import save_checkpoint
from sweeps.training.early_stopping import EarlyStopping
from sweeps.training.instrumentation import Instrumentation
from sweeps.training.schedules import Schedule

# Without clipping, the pre-clip gradient norm is measured every NORM_EVERY optimizer steps.
NORM_EVERY = 10


@dataclass
class TensorSplit:
    """One split as tensors; ``lengths`` is set for padded token ids."""

    inputs: torch.Tensor  # (N, D) float or (N, L) long
    labels: torch.Tensor  # (N,) long
    lengths: torch.Tensor | None = None

    def __len__(self) -> int:
        return len(self.labels)

    def batch(self, index: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        inputs = self.inputs[index]
        if self.lengths is not None:
            inputs = inputs[:, : max(1, int(self.lengths[index].max()))]  # trim padding to the batch's longest
        return inputs, self.labels[index]


@dataclass
class LoopOptions:
    """How to train, independent of what is trained."""

    batch_size: int = 64
    max_epochs: int = 30
    seed: int = 0
    accumulate_grad_batches: int = 1
    grad_clip: float | None = None
    grad_clip_algorithm: str = "norm"  # norm | value
    label_smoothing: float = 0.0
    precision: str = "32"  # 32 | bf16 | 16
    device: str = "cpu"
    drop_last: bool = False
    log_every_n_steps: int = 50
    progress: bool | None = None
    # Per-layer diagnostics (sweeps.training.instrumentation) every N optimizer steps; 0 = off.
    instrument_every: int = 10


@dataclass
class Evaluation:
    loss: float
    metrics: dict  # acc, precision, recall, f1, confusion
    probs: np.ndarray  # (N,) P(class 1) or (N, K)
    preds: np.ndarray  # (N,)


@dataclass
class EpochReport:
    """Everything a callback may want about the epoch that just ended."""

    epoch: int
    metrics: dict[str, float]
    evaluation: Evaluation
    # (global step, {name: value}) every `log_every_n_steps` optimizer steps.
    step_metrics: list[tuple[int, dict[str, float]]] = field(default_factory=list)
    is_best: bool = False
    # Set by the live diagnosis when a pathology worth stopping for appears this epoch.
    alarm_label: str | None = None


@dataclass
class FitResult:
    history: list[dict[str, float]]
    best_epoch: int
    best_value: float
    stopped_epoch: int
    stop_reason: str  # max_epochs | early_stopping | diverged | <callback reason>
    best_state: dict[str, torch.Tensor]
    train_time_s: float


class Callback(Protocol):
    """Sees every finished epoch; may raise to stop training (``StopTraining``, ``optuna.TrialPruned``).

    A callback may also define ``on_checkpoint(epoch)``, called once that epoch's checkpoint is on disk.
    """

    def on_epoch_end(self, report: EpochReport) -> None: ...


class StopTraining(Exception):
    """Raised by a callback to end training early but normally, with a reason."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ClassificationLoss(nn.Module):
    """BCE on one logit or cross-entropy on K, with label smoothing, summed or averaged.

    Training sums per-example losses and divides by the examples of the whole accumulation group,
    so k accumulated batches of b give exactly the gradient of one batch of k*b.
    """

    def __init__(self, num_outputs: int, label_smoothing: float = 0.0) -> None:
        super().__init__()
        self.num_outputs, self.label_smoothing = num_outputs, label_smoothing

    def forward(self, logits: torch.Tensor, labels: torch.Tensor, reduction: str = "mean") -> torch.Tensor:
        logits = logits.float()
        if self.num_outputs == 1:
            target = labels.float()
            if self.label_smoothing:
                target = target * (1 - self.label_smoothing) + self.label_smoothing / 2
            return nn.functional.binary_cross_entropy_with_logits(logits, target, reduction=reduction)
        return nn.functional.cross_entropy(logits, labels, label_smoothing=self.label_smoothing, reduction=reduction)


class UserLoss(nn.Module):
    """A loss of the user's (``trainer.loss``) in the loop's form: ``loss(logits, labels)`` returns
    the batch's mean loss, a scalar; ``reduction="sum"`` multiplies it by the batch size.

    ``logits`` are (B, K) floats, or (B,) for two classes (one logit, as built-in models give);
    ``labels`` are (B,) int64 class indices. A loss with parameters of its own is not trained.
    """

    def __init__(self, loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> None:
        super().__init__()
        self.loss = loss

    def forward(self, logits: torch.Tensor, labels: torch.Tensor, reduction: str = "mean") -> torch.Tensor:
        value = self.loss(logits.float(), labels)
        if not isinstance(value, torch.Tensor) or value.ndim != 0:
            shape = tuple(value.shape) if isinstance(value, torch.Tensor) else type(value).__name__
            raise ConfigError("trainer.loss", f"must return the batch's mean loss as a scalar tensor, got {shape}")
        return value * len(labels) if reduction == "sum" else value


def _predict(logits: torch.Tensor, num_outputs: int) -> tuple[torch.Tensor, torch.Tensor]:
    logits = logits.float()
    if num_outputs == 1:
        probs = torch.sigmoid(logits)
        return probs, (probs >= 0.5).long()
    probs = torch.softmax(logits, dim=-1)
    return probs, probs.argmax(dim=-1)


class Trainer:
    """Trains a classifier whose forward maps a batch of inputs to logits."""

    def __init__(self, model: nn.Module, optimizer: torch.optim.Optimizer, schedule: Schedule, *,
                 num_classes: int, options: LoopOptions, early_stopping: EarlyStopping,
                 callbacks: list[Callback] | None = None, checkpoint_dir: Path | None = None,
                 checkpoint_extra: dict[str, Any] | None = None,
                 loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None) -> None:
        """``loss``: the user's ``(logits, labels) -> mean loss`` (:class:`UserLoss`), used for
        training and evaluation alike; None = :class:`ClassificationLoss` with ``label_smoothing``."""
        self.options = options
        self.model, self.optimizer, self.schedule = model.to(options.device), optimizer, schedule
        self.num_classes, self.num_outputs = num_classes, num_outputs(num_classes)
        self.loss_fn = (ClassificationLoss(self.num_outputs, options.label_smoothing) if loss is None
                        else UserLoss(loss))
        self.early_stopping = early_stopping
        self.callbacks = list(callbacks or [])
        self.checkpoint_dir = Path(checkpoint_dir) if checkpoint_dir else None
        self.checkpoint_extra = dict(checkpoint_extra or {})
        self.progress = sys.stderr.isatty() if options.progress is None else options.progress
        device_type = "cuda" if options.device.startswith("cuda") else "cpu"
        self._autocast_dtype = {"bf16": torch.bfloat16, "16": torch.float16}.get(options.precision)
        self._device_type = device_type
        self.scaler = torch.amp.GradScaler(device_type, enabled=options.precision == "16")
        self.global_step = 0
        self.epoch = 0
        self.history: list[dict[str, float]] = []
        self.best_state = copy.deepcopy(self.model.state_dict())
        self.instrumentation = Instrumentation(self.model, options.instrument_every) if options.instrument_every else None

    # -- one epoch -----------------------------------------------------------------------------
    def _autocast(self):
        if self._autocast_dtype is None:
            return nullcontext()
        return torch.autocast(self._device_type, dtype=self._autocast_dtype)

    def _epoch_order(self, n: int, epoch: int) -> torch.Tensor:
        """Shuffle from (seed, epoch) alone, so a resumed run replays the same batches."""
        generator = torch.Generator().manual_seed(self.options.seed * 1_000_003 + epoch)
        return torch.randperm(n, generator=generator)

    def _batches(self, n: int, epoch: int) -> list[torch.Tensor]:
        batches = list(self._epoch_order(n, epoch).split(self.options.batch_size))
        if self.options.drop_last and len(batches) > 1 and len(batches[-1]) < self.options.batch_size:
            batches.pop()
        return batches

    def _clip(self, measure: bool) -> float | None:
        """Clip per config; return the pre-clip global gradient norm when clipping or asked to measure."""
        if self.options.grad_clip is None and not measure:
            return None
        params = [p for p in self.model.parameters() if p.grad is not None]
        sparse = [p for p in params if p.grad.is_sparse]
        if sparse:
            return self._clip_with_sparse(params)
        norm = torch.nn.utils.get_total_norm([p.grad for p in params])
        if self.options.grad_clip is not None:
            if self.options.grad_clip_algorithm == "value":
                torch.nn.utils.clip_grad_value_(params, self.options.grad_clip)
            else:
                torch.nn.utils.clip_grads_with_norm_(params, self.options.grad_clip, norm)
        return float(norm)

    def _clip_with_sparse(self, params: list[nn.Parameter]) -> float:
        """Same rule with sparse embedding gradients: their norm counts each row once (coalesced)."""
        for p in params:
            if p.grad.is_sparse:
                p.grad = p.grad.coalesce()
        parts = [p.grad.values() if p.grad.is_sparse else p.grad for p in params]
        norm = torch.nn.utils.get_total_norm(parts)
        clip = self.options.grad_clip
        if clip is not None:
            if self.options.grad_clip_algorithm == "value":
                for part in parts:
                    part.clamp_(-clip, clip)
            else:
                coef = (clip / (norm + 1e-6)).clamp(max=1.0)
                for part in parts:
                    part.mul_(coef)
        return float(norm)

    def _optimizer_step(self, measure_norm: bool) -> float | None:
        if self.scaler.is_enabled():
            self.scaler.unscale_(self.optimizer)  # clip true gradients, not loss-scaled ones
            norm = self._clip(measure_norm)
            self.scaler.step(self.optimizer)
            self.scaler.update()
        else:
            norm = self._clip(measure_norm)
            self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        self.schedule.step_batch()
        self.global_step += 1
        return norm

    def _correct(self, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        preds = (logits > 0).long() if self.num_outputs == 1 else logits.argmax(dim=-1)
        return (preds == labels).sum()

    def train_epoch(self, data: TensorSplit, epoch: int) -> tuple[dict[str, float], list]:
        """One pass over ``data``; returns epoch metrics and the sampled per-step metrics.

        Per-step Python work is kept to a minimum (no host syncs, the gradient norm sampled every
        ``NORM_EVERY`` steps unless clipping needs it): this loop is what the overhead benchmark times.
        """
        opts = self.options
        self.model.train()
        batches = self._batches(len(data), epoch)
        groups = [batches[i:i + opts.accumulate_grad_batches] for i in range(0, len(batches), opts.accumulate_grad_batches)]
        if self.progress:
            from tqdm import tqdm
            groups = tqdm(groups, desc=f"epoch {epoch}", leave=False, file=sys.stderr)
        loss_sum = torch.zeros((), device=opts.device)
        correct = torch.zeros((), dtype=torch.long, device=opts.device)
        seen, norms, step_metrics = 0, [], []
        log_every = max(1, opts.log_every_n_steps)
        self.optimizer.zero_grad(set_to_none=True)
        instruments = self.instrumentation
        for group in groups:
            sampled = instruments is not None and instruments.wants(self.global_step)
            if sampled:
                instruments.begin()
            group_size = sum(len(index) for index in group)
            group_loss = torch.zeros((), device=opts.device)
            for index in group:
                inputs, labels = data.batch(index)
                inputs, labels = inputs.to(opts.device), labels.to(opts.device)
                with self._autocast():
                    logits = self.model(inputs)
                loss = self.loss_fn(logits, labels, reduction="sum")
                scaled = loss / group_size
                (self.scaler.scale(scaled) if self.scaler.is_enabled() else scaled).backward()
                with torch.no_grad():
                    group_loss += loss.detach()
                    correct += self._correct(logits.detach(), labels)
                seen += len(labels)
            loss_sum += group_loss
            lr = self.optimizer.param_groups[0]["lr"]
            log_step = (self.global_step + 1) % log_every == 0
            if sampled:
                instruments.after_backward(self.scaler.get_scale() if self.scaler.is_enabled() else 1.0)
            norm = self._optimizer_step(measure_norm=log_step or self.global_step % NORM_EVERY == 0)
            if sampled:
                instruments.after_step()
            if norm is not None:
                norms.append(norm)
            if log_step:
                loss_value = float(group_loss) / group_size
                step_metrics.append((self.global_step, {"lr_step": lr, "train/loss_step": loss_value,
                                                        "grad_norm_step": norm}))
                if not math.isfinite(loss_value):
                    break  # diverged: the rest of the epoch cannot recover
        metrics = {"train/loss": float(loss_sum) / max(seen, 1), "train/acc": float(correct) / max(seen, 1)}
        if norms:
            metrics.update({"grad_norm/mean": float(np.mean(norms)), "grad_norm/max": float(np.max(norms))})
        if instruments is not None:
            metrics.update(instruments.epoch_metrics())
        return metrics, step_metrics

    @torch.no_grad()
    def evaluate(self, data: TensorSplit, batch_size: int = 1024) -> Evaluation:
        self.model.eval()
        loss_sum, probs, preds = 0.0, [], []
        for index in torch.arange(len(data)).split(batch_size):
            inputs, labels = data.batch(index)
            with self._autocast():
                logits = self.model(inputs.to(self.options.device))
            loss_sum += float(self.loss_fn(logits, labels.to(self.options.device), reduction="sum"))
            p, y = _predict(logits, self.num_outputs)
            probs.append(p.cpu())
            preds.append(y.cpu())
        preds_np = torch.cat(preds).numpy()
        metrics = classification_metrics(data.labels.numpy(), preds_np, self.num_classes)
        return Evaluation(loss_sum / len(data), metrics, torch.cat(probs).float().numpy(), preds_np)

    # -- the whole fit ---------------------------------------------------------------------------
    def fit(self, train: TensorSplit, val: TensorSplit) -> FitResult:
        stop_reason = "max_epochs"
        started = time.perf_counter()
        first_epoch = self.epoch + 1
        for epoch in range(first_epoch, self.options.max_epochs + 1):
            self.epoch = epoch
            t0 = time.perf_counter()
            metrics, step_metrics = self.train_epoch(train, epoch)
            train_time = time.perf_counter() - t0
            evaluation = self.evaluate(val)
            metrics.update({
                "val/loss": evaluation.loss, "val/acc": evaluation.metrics["acc"],
                "val/f1": evaluation.metrics["f1"], "lr": self.optimizer.param_groups[0]["lr"],
                "epoch_time_s": time.perf_counter() - t0, "throughput": len(train) / max(train_time, 1e-9),
                "global_step": float(self.global_step),
            })
            self.history.append(metrics)
            report = EpochReport(epoch, metrics, evaluation, step_metrics)
            if not math.isfinite(metrics["train/loss"]):
                stop_reason = "diverged"
                try:
                    self._notify(report)  # still logged; a pruner may also ask to stop: same outcome
                except StopTraining:
                    pass
                break
            report.is_best, stop = self.early_stopping.update(epoch, metrics)
            if report.is_best:
                self.best_state = copy.deepcopy(self.model.state_dict())
            self.schedule.step_epoch(metrics)
            try:
                self._notify(report)
            except StopTraining as request:
                stop_reason = request.reason
                break
            finally:
                self._save_checkpoints(report.is_best)
            if stop:
                stop_reason = "early_stopping"
                break
        return FitResult(history=self.history, best_epoch=self.early_stopping.best_epoch,
                         best_value=self.early_stopping.best, stopped_epoch=self.epoch, stop_reason=stop_reason,
                         best_state=self.best_state, train_time_s=time.perf_counter() - started)

    def _notify(self, report: EpochReport) -> None:
        for callback in self.callbacks:
            callback.on_epoch_end(report)

    # -- checkpoints and resume --------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """Everything needed to continue exactly where this epoch ended."""
        state = {
            "model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(),
            "schedule": self.schedule.state_dict(), "scaler": self.scaler.state_dict(),
            "early_stopping": self.early_stopping.state_dict(), "epoch": self.epoch,
            "global_step": self.global_step, "history": self.history, "best_state": self.best_state,
            "rng_torch": torch.get_rng_state(),
        }
        if torch.cuda.is_available():
            state["rng_cuda"] = torch.cuda.get_rng_state_all()
        return {**self.checkpoint_extra, **state}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.schedule.load_state_dict(state["schedule"])
        self.scaler.load_state_dict(state["scaler"])
        self.early_stopping.load_state_dict(state["early_stopping"])
        self.epoch, self.global_step = int(state["epoch"]), int(state["global_step"])
        self.history = [dict(h) for h in state["history"]]
        self.best_state = state["best_state"]
        torch.set_rng_state(state["rng_torch"])
        if "rng_cuda" in state and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(state["rng_cuda"])

    def _save_checkpoints(self, is_best: bool) -> None:
        if self.checkpoint_dir is None:
            return
        state = self.state_dict()
        save_checkpoint(self.checkpoint_dir / "last.pt", state)
        if is_best:
            save_checkpoint(self.checkpoint_dir / "best.pt", {**state, "model": self.best_state})
        for callback in self.callbacks:
            if hasattr(callback, "on_checkpoint"):
                callback.on_checkpoint(self.epoch)
