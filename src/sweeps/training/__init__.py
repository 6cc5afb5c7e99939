"""Optimizers, schedules, early stopping, checkpoints and the training loop."""

from sweeps.training.checkpoint import load_checkpoint, save_checkpoint
from sweeps.training.early_stopping import EarlyStopping
from sweeps.training.loop import (Callback, EpochReport, Evaluation, FitResult, LoopOptions, StopTraining,
                                  TensorSplit, Trainer)
from sweeps.training.optim import build_optimizer, scaled_lr
from sweeps.training.schedules import Schedule, build_scheduler, lr_factor

__all__ = [
    "Callback", "EarlyStopping", "EpochReport", "Evaluation", "FitResult", "LoopOptions", "Schedule",
    "StopTraining", "TensorSplit", "Trainer", "build_optimizer", "build_scheduler", "load_checkpoint",
    "lr_factor", "save_checkpoint", "scaled_lr",
]
