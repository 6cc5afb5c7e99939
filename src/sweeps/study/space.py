"""Hydra sweep grammar -> Optuna distributions.

Users write the search space the way Hydra taught them (``choice(...)``, ``a,b,c``,
``range(...)``, ``interval(a,b)``, ``int(interval(a,b))``, ``tag(log, interval(a,b))``), on the
command line or in ``hydra.sweeper.params``. Non-sweep overrides are fixed and passed to every trial.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import IntervalSweep, Override, Transformer
from optuna.distributions import BaseDistribution, CategoricalDistribution, FloatDistribution, IntDistribution

from sweeps.errors import SweepsError


class SearchSpaceError(SweepsError):
    """The search space cannot be turned into Optuna distributions. Names the parameter."""


@dataclass
class SearchSpace:
    distributions: dict[str, BaseDistribution] = field(default_factory=dict)
    fixed: list[str] = field(default_factory=list)  # overrides applied to every trial, as typed

    def trial_overrides(self, params: Mapping[str, Any]) -> list[str]:
        return [*self.fixed, *(f"{key}={_format(value)}" for key, value in params.items())]

    def describe(self) -> str:
        """Canonical text of the space: the default study name is derived from it."""
        parts = [f"{k}:{d!r}" for k, d in sorted(self.distributions.items())]
        return ";".join(parts + sorted(self.fixed))


def _format(value: Any) -> str:
    return repr(value) if isinstance(value, float) else str(value)


def _distribution(override: Override) -> BaseDistribution:
    key = override.get_key_element()
    value = override.value()
    try:
        if override.is_choice_sweep() or override.is_range_sweep():
            choices = list(override.sweep_iterator(transformer=Transformer.encode))
            if override.is_range_sweep() and all(str(c).lstrip("-").isdigit() for c in choices):
                ints = [int(c) for c in choices]
                step = ints[1] - ints[0] if len(ints) > 1 else 1
                if step > 0:
                    return IntDistribution(ints[0], ints[-1], step=step)
            return CategoricalDistribution(choices)
        if override.is_interval_sweep():
            assert isinstance(value, IntervalSweep)
            log = "log" in value.tags
            if isinstance(value.start, int) and isinstance(value.end, int):
                return IntDistribution(int(value.start), int(value.end), log=log)
            return FloatDistribution(float(value.start), float(value.end), log=log)
    except (ValueError, TypeError) as exc:
        raise SearchSpaceError(f"search space for '{key}': {exc}") from exc
    raise SearchSpaceError(f"search space for '{key}': unsupported sweep '{override.input_line}' "
                           f"(use choice(...), a,b,c, range(...), interval(a,b), tag(log, interval(a,b)))")


def parse_search_space(arguments: list[str], params: Mapping[str, Any] | None = None) -> SearchSpace:
    """Split overrides into Optuna distributions (sweeps) and fixed overrides.

    ``params`` (from ``hydra.sweeper.params``) come first; the command line wins on the same key.
    """
    lines = [f"{k}={v}" for k, v in (params or {}).items()] + list(arguments)
    parser = OverridesParser.create()
    try:
        overrides = parser.parse_overrides(lines)
    except Exception as exc:  # Hydra's OverrideParseException carries a multi-line message
        raise SearchSpaceError(f"cannot parse search space: {str(exc).splitlines()[0]}") from exc
    space = SearchSpace()
    by_key: dict[str, Override] = {}
    for override in overrides:
        by_key[override.get_key_element()] = override  # later (command line) wins
    for key, override in by_key.items():
        if override.is_sweep_override():
            if override.is_hydra_override():
                raise SearchSpaceError(f"cannot sweep Hydra's own key '{key}'")
            space.distributions[key] = _distribution(override)
        else:
            space.fixed.append(override.input_line)
    if not space.distributions:
        raise SearchSpaceError("nothing to search: give at least one sweep, e.g. optimizer.lr=tag(log,interval(1e-4,1e-1)) "
                               "or an hparams_search preset")
    return space
