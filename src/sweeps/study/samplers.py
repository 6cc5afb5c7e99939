"""Samplers and pruners by name, seeded and configured from ``hydra.sweeper``."""

from __future__ import annotations

import math
from typing import Any, Mapping

import optuna

from sweeps.study.space import SearchSpaceError

SAMPLERS = ("tpe", "random", "grid", "cmaes", "gp", "nsga2")
PRUNERS = ("none", "median", "percentile", "successive_halving", "hyperband", "threshold", "patient", "diagnosis")


def build_sampler(name: str, seed: int | None, search_space: Mapping[str, Any], options: Mapping[str, Any]):
    """``grid`` needs every parameter categorical or stepped, so the grid is finite."""
    try:
        return _sampler(name, seed, search_space, dict(options or {}))
    except TypeError as exc:
        raise SearchSpaceError(f"hydra.sweeper.sampler.options do not fit sampler '{name}': {exc}") from exc


def _sampler(name: str, seed: int | None, search_space: Mapping[str, Any], kwargs: dict):
    if name == "tpe":
        return optuna.samplers.TPESampler(seed=seed, **kwargs)
    if name == "random":
        return optuna.samplers.RandomSampler(seed=seed, **kwargs)
    if name == "grid":
        grid = {}
        for key, dist in search_space.items():
            if isinstance(dist, optuna.distributions.CategoricalDistribution):
                grid[key] = list(dist.choices)
            elif isinstance(dist, optuna.distributions.IntDistribution) and not dist.log:
                grid[key] = list(range(dist.low, dist.high + 1, dist.step))
            else:
                raise SearchSpaceError(f"sampler=grid needs a finite grid, but '{key}' is continuous; "
                                       f"use choice(...) or range(...)")
        return optuna.samplers.GridSampler(grid, seed=seed)
    if name == "cmaes":
        return optuna.samplers.CmaEsSampler(seed=seed, **kwargs)
    if name == "gp":
        return optuna.samplers.GPSampler(seed=seed, **kwargs)
    if name == "nsga2":
        return optuna.samplers.NSGAIISampler(seed=seed, **kwargs)
    raise SearchSpaceError(f"hydra.sweeper.sampler: unknown sampler '{name}', expected one of {', '.join(SAMPLERS)}")


class _NonFiniteFirst(optuna.pruners.BasePruner):
    """Prune any trial whose last reported value is NaN/inf, then defer to the wrapped pruner."""

    def __init__(self, inner: optuna.pruners.BasePruner) -> None:
        self.inner = inner

    def prune(self, study: optuna.Study, trial: optuna.trial.FrozenTrial) -> bool:
        step = trial.last_step
        if step is not None and not math.isfinite(trial.intermediate_values[step]):
            return True
        return self.inner.prune(study, trial)


def build_pruner(name: str, options: Mapping[str, Any]) -> optuna.pruners.BasePruner:
    """Every pruner here also prunes NaN/inf values: a diverged trial never runs to the end."""
    try:
        return _NonFiniteFirst(_pruner(name, dict(options or {})))
    except TypeError as exc:
        raise SearchSpaceError(f"hydra.sweeper.pruner.options do not fit pruner '{name}': {exc} (a preset's options "
                               f"can be dropped with ~hydra.sweeper.pruner.options.<key>)") from exc


def _pruner(name: str, kwargs: dict) -> optuna.pruners.BasePruner:
    if name == "none":
        inner = optuna.pruners.NopPruner()
    elif name == "median":
        inner = optuna.pruners.MedianPruner(**kwargs)
    elif name == "percentile":
        inner = optuna.pruners.PercentilePruner(**{"percentile": 25.0, **kwargs})
    elif name == "successive_halving":
        inner = optuna.pruners.SuccessiveHalvingPruner(**kwargs)
    elif name == "hyperband":
        inner = optuna.pruners.HyperbandPruner(**kwargs)
    elif name == "threshold":
        inner = optuna.pruners.ThresholdPruner(**kwargs)
    elif name == "patient":
        patience = kwargs.pop("patience", 3)
        inner = optuna.pruners.PatientPruner(optuna.pruners.MedianPruner(**kwargs), patience=patience)
    elif name == "diagnosis":
        from sweeps.diagnosis.pruner import DiagnosisPruner

        inner = DiagnosisPruner(optuna.pruners.MedianPruner(**kwargs))
    else:
        raise SearchSpaceError(f"hydra.sweeper.pruner: unknown pruner '{name}', expected one of {', '.join(PRUNERS)}")
    return inner
