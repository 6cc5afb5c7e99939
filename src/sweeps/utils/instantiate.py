"""``hydra.utils.instantiate`` plus the arguments only the run knows, offered to whoever takes them.

A model needs the input size and class count of the data; a scheduler needs the number of
optimizer steps. sweeps offers those as keyword arguments and passes the ones the target's
signature accepts, so a user's class declares what it needs by naming it, and a class that
needs none of them (``torch.optim.lr_scheduler.StepLR``) is built as written.
"""

from __future__ import annotations

import functools
import inspect
from typing import Any, Callable

from hydra.utils import get_object, instantiate
from omegaconf import DictConfig


def accepted(target: Callable, offered: dict[str, Any]) -> dict[str, Any]:
    """The items of ``offered`` that ``target``'s signature takes (all of them if it has ``**kwargs``)."""
    try:
        params = inspect.signature(target).parameters
    except (TypeError, ValueError):  # builtins without a signature: offer nothing
        return {}
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return dict(offered)
    return {k: v for k, v in offered.items() if k in params}


def instantiate_with(node: DictConfig, *args: Any, offered: dict[str, Any] | None = None,
                     **overrides: Any) -> Any:
    """Build ``node`` (a ``_target_`` config) with ``args``, ``overrides`` and what it accepts of ``offered``.

    A ``_partial_: true`` node is completed here: the partial Hydra returns is called with
    ``args`` and the accepted ``offered`` arguments. Config values win over ``offered`` ones
    (a user may pin ``total_steps``); ``overrides`` win over both.

    Raises:
        hydra.errors.InstantiationException: the target raised or rejected an argument.
    """
    target = get_object(node._target_)
    given = {k: v for k, v in accepted(target, offered or {}).items() if k not in node}
    if node.get("_partial_", False):
        built = instantiate(node, _convert_="all", **overrides)
        return built(*args, **given) if isinstance(built, functools.partial) else built
    return instantiate(node, *args, _convert_="all", **given, **overrides)
