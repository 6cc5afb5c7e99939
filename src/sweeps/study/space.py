"""Hydra sweep grammar -> Optuna distributions, as hydra-optuna-sweeper maps it.

Users write the search space the way Hydra taught them, on the command line or in
``hydra.sweeper.params``; non-sweep overrides (``key=value``, ``~key``, ``+key=value``) are fixed
and passed to every trial as typed. The same text gives the same distribution as
hydra-optuna-sweeper 1.2/1.3 (its override table is ``tests/study/test_space.py``):

==================================  ==============================================================
``choice(a,b)`` / ``a,b``           ``CategoricalDistribution``
``shuffle(range(...))``             ``CategoricalDistribution`` of every value of the range
``range(a,b)`` / ``range(a,b,s)``   ``IntDistribution(a, b, step=s)`` — **b included**, unlike
                                    Hydra's basic sweeper (Optuna ranges are closed)
``range`` with a float              ``FloatDistribution(a, b, step=s)``
``interval(a,b)``                   ``FloatDistribution``; ``IntDistribution`` when both ends are ints
``int(interval(a,b))``              ``IntDistribution``
``tag(log, interval(a,b))``         the same with ``log=True``
==================================  ==============================================================

Deliberate differences: a ``choice`` of lists or dicts (``choice([64],[128,64])``) is a categorical
over their Hydra text (the peer rejects it), and a malformed space raises
:class:`SearchSpaceError` naming the key instead of an ``AssertionError``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import IntervalSweep, Override, RangeSweep, Transformer
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

    def describe(self, fixed: bool = True) -> str:
        """Canonical text of the space (and, with ``fixed``, of the fixed overrides): the default
        study name is derived from it."""
        parts = [f"{k}:{d!r}" for k, d in sorted(self.distributions.items())]
        return ";".join(parts + (sorted(self.fixed) if fixed else []))

    def sample_point(self) -> dict[str, Any]:
        """One point of the space (each lower end / first choice), to check its keys exist."""
        point: dict[str, Any] = {}
        for key, dist in self.distributions.items():
            point[key] = dist.choices[0] if isinstance(dist, CategoricalDistribution) else dist.low
        return point


def _format(value: Any) -> str:
    return repr(value) if isinstance(value, float) else str(value)


def distribution(override: Override) -> BaseDistribution:
    """The Optuna distribution of one sweep override (see the module's table)."""
    key = override.get_key_element()
    value = override.value()
    try:
        if override.is_choice_sweep() or (override.is_range_sweep() and value.shuffle):
            return CategoricalDistribution(list(override.sweep_iterator(transformer=Transformer.encode)))
        if override.is_range_sweep():
            assert isinstance(value, RangeSweep)
            if any(isinstance(x, float) for x in (value.start, value.stop, value.step)):
                return FloatDistribution(float(value.start), float(value.stop),
                                         step=float(value.step) if value.step else None)
            return IntDistribution(int(value.start), int(value.stop), step=int(value.step))
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
    An empty space is allowed (every trial runs the same config, as with hydra-optuna-sweeper).

    Raises:
        SearchSpaceError: an override that does not parse or maps to no distribution.
    """
    lines = [f"{k}={v}" for k, v in (params or {}).items()] + list(arguments)
    try:
        overrides = OverridesParser.create().parse_overrides(lines)
    except Exception as exc:  # Hydra's OverrideParseException carries a multi-line message
        raise SearchSpaceError(f"cannot parse search space: {str(exc).splitlines()[0]}") from exc
    space = SearchSpace()
    by_key: dict[str, Override] = {}
    for override in overrides:
        by_key[override.input_line if override.is_delete() else override.get_key_element()] = override
    for key, override in by_key.items():
        if override.is_sweep_override():
            if override.is_hydra_override():
                raise SearchSpaceError(f"cannot sweep Hydra's own key '{key}'")
            space.distributions[key] = distribution(override)
        else:
            space.fixed.append(override.input_line)
    return space
