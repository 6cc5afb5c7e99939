"""Samplers and pruners from their ``_target_`` configs (``hydra/sweeper/sampler=...``,
``hydra/sweeper/pruner=...``), built with ``hydra.utils.instantiate``.

The sweeper instantiates them itself rather than letting Hydra do it, for two reasons: a resumed
study or an extra worker must not replay the first worker's random start-up points, so the
sampler's seed is offset by the trials already stored; and ``GridSampler`` needs its grid, which
comes from the search space.
"""

from __future__ import annotations

import contextlib
import warnings
from typing import Any, Iterator, Mapping

import optuna
from hydra.errors import InstantiationException
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf
from optuna.distributions import BaseDistribution, CategoricalDistribution, FloatDistribution, IntDistribution

from sweeps.study.space import SearchSpaceError

_GRID = "optuna.samplers.GridSampler"


def _node(conf: Any) -> DictConfig:
    return conf if isinstance(conf, DictConfig) else OmegaConf.create(dict(conf))


def grid_values(key: str, dist: BaseDistribution) -> list:
    """Every value of a discrete distribution (ends included).

    Raises:
        SearchSpaceError: ``dist`` is continuous.
    """
    if isinstance(dist, CategoricalDistribution):
        return list(dist.choices)
    if isinstance(dist, IntDistribution) and not dist.log:
        return list(range(dist.low, dist.high + 1, dist.step))
    if isinstance(dist, FloatDistribution) and dist.step is not None:
        n = int(round((dist.high - dist.low) / dist.step))
        return [dist.low + i * dist.step for i in range(n + 1)]
    raise SearchSpaceError(f"hydra/sweeper/sampler=grid needs a finite grid, but '{key}' is continuous; "
                           f"use choice(...) or range(...)")


def motpe_removed(**_: Any) -> optuna.samplers.BaseSampler:
    """``hydra/sweeper/sampler=motpe``, kept so old configs fail with a useful line.

    Raises:
        ValueError: always.
    """
    raise ValueError("The 'motpe' sampler was removed in Optuna 4.0: use hydra/sweeper/sampler=tpe "
                     "(TPESampler handles several objectives)")


def build_sampler(conf: Any, distributions: Mapping[str, BaseDistribution],
                  seed_offset: int = 0) -> optuna.samplers.BaseSampler:
    """The configured sampler, its ``seed`` (when set) moved on by ``seed_offset``.

    Raises:
        SearchSpaceError: the node cannot be instantiated (unknown class, wrong keyword).
    """
    node = _node(conf)
    kwargs: dict[str, Any] = {}
    if node.get("seed") is not None:
        kwargs["seed"] = int(node.seed) + seed_offset
    grid = None
    if node.get("_target_") == _GRID:
        grid = {key: grid_values(key, dist) for key, dist in distributions.items()}
    try:
        with _quiet():
            sampler = instantiate(node, **kwargs)
            return sampler(grid) if grid is not None else sampler
    except InstantiationException as exc:
        raise SearchSpaceError(f"hydra.sweeper.sampler: {_cause(exc)}") from exc


def build_pruner(conf: Any) -> optuna.pruners.BasePruner:
    """The configured pruner (``_target_`` node; nested pruners are instantiated too).

    Raises:
        SearchSpaceError: the node cannot be instantiated (unknown class, wrong keyword).
    """
    try:
        with _quiet():
            return instantiate(_node(conf))
    except InstantiationException as exc:
        raise SearchSpaceError(f"hydra.sweeper.pruner: {_cause(exc)} (a preset's keys can be dropped with "
                               f"~hydra.sweeper.pruner.<key>)") from exc


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Optuna flags several samplers and pruners (QMC, NSGA-III, Patient ...) as experimental on
    every construction; a sweep builds them on purpose, so that warning is noise (and an error
    under ``-Werror``)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        yield


def _cause(exc: Exception) -> str:
    """Hydra wraps the real error over several lines; keep the error itself."""
    cause = exc.__cause__
    if cause is not None:
        return f"{type(cause).__name__}: {str(cause).splitlines()[0] if str(cause) else ''}"
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__
