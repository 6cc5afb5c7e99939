"""Optimizers, schedules, early stopping, checkpoints and the training loop."""

from sweeps.training.checkpoint import load_checkpoint, save_checkpoint
from sweeps.training.early_stopping import EarlyStopping
from sweeps.training.loop import Callback, Evaluation, FitResult, StopTraining, Trainer, TensorSplit
from sweeps.training.optim import build_optimizer
from sweeps.training.schedules import build_scheduler, lr_factor

__all__ = [
    "Callback", "EarlyStopping", "Evaluation", "FitResult", "StopTraining", "TensorSplit", "Trainer",
    "build_optimizer", "build_scheduler", "load_checkpoint", "lr_factor", "save_checkpoint",
]
