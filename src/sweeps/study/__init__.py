"""Optuna studies run through Hydra: search spaces, samplers, pruners, storage, the study loop.

A running sweep job reaches its trial with :func:`current_trial` (a real ``optuna.trial.Trial``,
None outside a sweep). This package's ``__init__`` stays free of Optuna imports: Hydra loads the
sweeper's config for every app, and MLflow loads :mod:`sweeps.study.mlflow_context` in every process.
"""

from sweeps.study.context import current_trial, trial_context

__all__ = ["current_trial", "trial_context"]
