"""What a job returned -> the trial's objective values.

A task function may return a float, a sequence of floats (one per direction), or a mapping whose
``hydra.sweeper.objective`` keys are the values (sweeps' own app returns its metrics). Anything
else fails the trial with a one-line reason that names the metric and what was returned.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from sweeps.errors import SweepsError


class ObjectiveError(SweepsError):
    """A job's return value gives no usable objective: the trial FAILs with this reason."""


class ObjectiveMissing(ObjectiveError):
    """The objective is not among the metrics the job returns or reports: no trial can succeed,
    so the study stops at the first one."""


def _plain(value: Any) -> Any:
    try:
        from omegaconf import DictConfig, ListConfig, OmegaConf

        if isinstance(value, (DictConfig, ListConfig)):
            return OmegaConf.to_container(value, resolve=True)
    except ImportError:  # pragma: no cover - omegaconf ships with hydra
        pass
    return value


def objective_values(result: Any, objectives: list[str], n_directions: int) -> list[float]:
    """The ``n_directions`` finite floats the study is told.

    Raises:
        ObjectiveMissing: a mapping without an ``objectives`` key (the study stops).
        ObjectiveError: None, NaN/inf, not a number, or the wrong count.
    """
    result = _plain(result)
    names = objectives or ["value"] * n_directions
    if isinstance(result, Mapping):
        if not objectives:
            raise ObjectiveMissing(f"the task returned a mapping ({_keys(result)}); set hydra.sweeper.objective "
                                   f"to the key(s) to optimize")
        missing = [name for name in objectives if name not in result]
        if missing:
            raise ObjectiveMissing(f"objective '{missing[0]}' (hydra.sweeper.objective) is not among the metrics "
                                   f"the job returned: {_keys(result)}")
        values = [result[name] for name in objectives]
    elif result is None:
        raise ObjectiveError("the task function returned None; return the value to optimize "
                             "(a float, a list of floats, or a mapping of metrics)")
    elif isinstance(result, Sequence) and not isinstance(result, (str, bytes)):
        values = list(result)
    else:
        values = [result]
    if len(values) != n_directions:
        raise ObjectiveError(f"the job returned {len(values)} value(s) {values!r} for {n_directions} "
                             f"direction(s) (hydra.sweeper.direction)")
    floats = []
    for name, value in zip(names, values):
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ObjectiveError(f"objective '{name}' is not a number: {value!r}") from None
        if not math.isfinite(number):
            raise ObjectiveError(f"objective '{name}' is {number}")
        floats.append(number)
    return floats


def _keys(result: Mapping) -> str:
    keys = sorted(str(k) for k in result)
    return ", ".join(keys[:25]) + (" ..." if len(keys) > 25 else "") if keys else "no keys"
