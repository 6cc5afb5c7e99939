"""The training loop: mini-batches, schedule, clipping, early stopping, callbacks.

It knows nothing about MLflow or Optuna. Those plug in as callbacks that see each epoch's
metrics, so the same loop serves a single run, a study trial and the benchmarks.
"""

from __future__ import annotations

import copy
import math
import sys
import time
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import torch
from torch import nn

from sweeps.evaluation import classification_metrics
from sweeps.training.early_stopping import EarlyStopping


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
class Evaluation:
    loss: float
    metrics: dict  # acc, precision, recall, f1, confusion
    probs: np.ndarray  # (N,) P(class 1) or (N, K)
    preds: np.ndarray  # (N,)


@dataclass
class FitResult:
    history: list[dict[str, float]]
    best_epoch: int
    best_value: float
    stopped_epoch: int
    stop_reason: str  # max_epochs | early_stopping | diverged | <callback reason>
    best_state: dict[str, torch.Tensor]
    train_time_s: float
    val_confusions: list[np.ndarray] = field(default_factory=list)


class Callback(Protocol):
    """Sees every finished epoch; may raise to stop training (e.g. ``optuna.TrialPruned``)."""

    def on_epoch_end(self, epoch: int, metrics: dict[str, float], evaluation: Evaluation) -> None: ...


class StopTraining(Exception):
    """Raised by a callback to end training early but normally, with a reason."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def loss_function(num_outputs: int) -> nn.Module:
    return nn.BCEWithLogitsLoss() if num_outputs == 1 else nn.CrossEntropyLoss()


def _targets(labels: torch.Tensor, num_outputs: int) -> torch.Tensor:
    return labels.float() if num_outputs == 1 else labels


def _predict(logits: torch.Tensor, num_outputs: int) -> tuple[torch.Tensor, torch.Tensor]:
    if num_outputs == 1:
        probs = torch.sigmoid(logits)
        return probs, (probs >= 0.5).long()
    probs = torch.softmax(logits, dim=-1)
    return probs, probs.argmax(dim=-1)


class Trainer:
    """Trains a classifier whose forward maps a batch of inputs to logits."""

    def __init__(self, model: nn.Module, optimizer: torch.optim.Optimizer,
                 scheduler: torch.optim.lr_scheduler.LRScheduler, *, num_classes: int, batch_size: int,
                 max_epochs: int, seed: int, early_stopping: EarlyStopping, grad_clip: float | None = None,
                 device: str = "cpu", callbacks: list[Callback] | None = None, progress: bool | None = None) -> None:
        self.model, self.optimizer, self.scheduler = model.to(device), optimizer, scheduler
        self.num_classes, self.num_outputs = num_classes, 1 if num_classes == 2 else num_classes
        self.loss_fn = loss_function(self.num_outputs)
        self.batch_size, self.max_epochs, self.seed = batch_size, max_epochs, seed
        self.early_stopping, self.grad_clip, self.device = early_stopping, grad_clip, device
        self.callbacks = list(callbacks or [])
        self.progress = sys.stderr.isatty() if progress is None else progress

    def _epoch_order(self, n: int, epoch: int) -> torch.Tensor:
        """Shuffle from (seed, epoch) alone, so a resumed run replays the same batches."""
        generator = torch.Generator().manual_seed(self.seed * 1_000_003 + epoch)
        return torch.randperm(n, generator=generator)

    def train_epoch(self, data: TensorSplit, epoch: int) -> dict[str, float]:
        self.model.train()
        order = self._epoch_order(len(data), epoch)
        batches = order.split(self.batch_size)
        if self.progress:
            from tqdm import tqdm
            batches = tqdm(batches, desc=f"epoch {epoch}", leave=False, file=sys.stderr)
        loss_sum, correct, seen = 0.0, 0, 0
        for index in batches:
            inputs, labels = data.batch(index)
            inputs, labels = inputs.to(self.device), labels.to(self.device)
            logits = self.model(inputs)
            loss = self.loss_fn(logits, _targets(labels, self.num_outputs))
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if self.grad_clip is not None:
                nn.utils.clip_grad_norm_(self.model.parameters(), self.grad_clip)
            self.optimizer.step()
            self.scheduler.step()
            with torch.no_grad():
                loss_sum += loss.item() * len(labels)
                correct += int((_predict(logits, self.num_outputs)[1] == labels).sum())
                seen += len(labels)
        return {"train/loss": loss_sum / seen, "train/acc": correct / seen}

    @torch.no_grad()
    def evaluate(self, data: TensorSplit, batch_size: int = 1024) -> Evaluation:
        self.model.eval()
        loss_sum, probs, preds = 0.0, [], []
        for index in torch.arange(len(data)).split(batch_size):
            inputs, labels = data.batch(index)
            logits = self.model(inputs.to(self.device))
            loss_sum += self.loss_fn(logits, _targets(labels.to(self.device), self.num_outputs)).item() * len(labels)
            p, y = _predict(logits, self.num_outputs)
            probs.append(p.cpu())
            preds.append(y.cpu())
        preds_np = torch.cat(preds).numpy()
        metrics = classification_metrics(data.labels.numpy(), preds_np, self.num_classes)
        return Evaluation(loss_sum / len(data), metrics, torch.cat(probs).numpy(), preds_np)

    def fit(self, train: TensorSplit, val: TensorSplit) -> FitResult:
        history: list[dict[str, float]] = []
        confusions: list[np.ndarray] = []
        best_state = copy.deepcopy(self.model.state_dict())
        stop_reason, epoch = "max_epochs", 0
        started = time.perf_counter()
        for epoch in range(1, self.max_epochs + 1):
            t0 = time.perf_counter()
            metrics = self.train_epoch(train, epoch)
            train_time = time.perf_counter() - t0
            evaluation = self.evaluate(val)
            metrics.update({
                "val/loss": evaluation.loss, "val/acc": evaluation.metrics["acc"],
                "val/f1": evaluation.metrics["f1"], "lr": self.optimizer.param_groups[0]["lr"],
                "epoch_time_s": time.perf_counter() - t0, "throughput": len(train) / max(train_time, 1e-9),
            })
            history.append(metrics)
            confusions.append(evaluation.metrics["confusion"])
            if not math.isfinite(metrics["train/loss"]):
                stop_reason = "diverged"
                self._notify(epoch, metrics, evaluation)
                break
            is_best, stop = self.early_stopping.update(epoch, metrics)
            if is_best:
                best_state = copy.deepcopy(self.model.state_dict())
            try:
                self._notify(epoch, metrics, evaluation)
            except StopTraining as request:
                stop_reason = request.reason
                break
            if stop:
                stop_reason = "early_stopping"
                break
        return FitResult(history=history, best_epoch=self.early_stopping.best_epoch,
                         best_value=self.early_stopping.best, stopped_epoch=epoch, stop_reason=stop_reason,
                         best_state=best_state, train_time_s=time.perf_counter() - started,
                         val_confusions=confusions)

    def _notify(self, epoch: int, metrics: dict[str, float], evaluation: Evaluation) -> None:
        for callback in self.callbacks:
            callback.on_epoch_end(epoch, metrics, evaluation)
