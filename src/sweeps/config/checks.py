"""Range checks that live beside each typed config, and how a node finds its checks.

A built-in variant (``optimizer=adam``, ``scheduler=cosine``, ``model=mlp`` ...) is a dataclass
with a ``check`` classmethod next to its fields. :func:`check_node` finds that class from the
node's ``_target_`` (so a config read back from an old MLflow run is checked the same way as one
Hydra just composed) and runs it; a user's own ``_target_`` is checked for importability only,
since its keyword arguments are its author's to define.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any, ClassVar

from hydra.utils import get_object
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from sweeps.errors import ConfigError


def require(condition: bool, key: str, message: str) -> None:
    """Raise :class:`ConfigError` naming ``key`` unless ``condition`` holds."""
    if not condition:
        raise ConfigError(key, message)


def one_of(value: Any, key: str, allowed: tuple[str, ...]) -> None:
    """Raise :class:`ConfigError` unless ``str(value)`` is one of ``allowed``."""
    value = str(getattr(value, "value", value))
    require(value in allowed, key, f"got '{value}', expected one of {', '.join(allowed)}")


class Checked:
    """Base of typed configs with value checks; ``targets`` lists every ``_target_`` it describes."""

    targets: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def check(cls, node: DictConfig, key: str) -> None:  # noqa: D401 - overridden per variant
        """Raise :class:`ConfigError` naming ``key.<field>`` for the first out-of-range value."""


def exported_and_defined(package: str, module: str, name: str) -> tuple[str, str]:
    """The two ``_target_`` paths of a class ``package`` re-exports from ``package.module``: both
    name the same class, so a schema lists both in its ``targets``."""
    return f"{package}.{name}", f"{package}.{module}.{name}"


_REGISTRY: dict[str, type[Checked]] = {}


def register(*classes: type[Checked]) -> None:
    """Make :func:`check_node` use ``cls.check`` for nodes whose ``_target_`` is in ``cls.targets``."""
    for cls in classes:
        for target in cls.targets:
            _REGISTRY[target] = cls


def check_target(node: DictConfig, key: str) -> None:
    """A node without a built-in schema: its ``_target_`` must name something importable."""
    target = node.get("_target_") if isinstance(node, DictConfig) else None
    require(isinstance(target, str) and bool(target), f"{key}._target_",
            "is required: the dotted path of the class or function to build (e.g. torch.optim.Adam)")
    hydra_log = logging.getLogger("hydra.utils")  # it logs the failure at ERROR; the ConfigError says it once
    level = hydra_log.level
    hydra_log.setLevel(logging.CRITICAL)
    try:
        get_object(target)
    except Exception as exc:  # ImportError, AttributeError, or whatever the user's module raised
        cause = exc.__cause__ or exc  # Hydra wraps the import error in three lines of its own
        reason = str(cause).strip().splitlines()[0] if str(cause).strip() else ""
        raise ConfigError(f"{key}._target_", f"cannot import '{target}' ({type(cause).__name__}: {reason})") from None
    finally:
        hydra_log.setLevel(level)


def check_node(node: DictConfig, key: str) -> None:
    """Check ``node`` (the config at ``key``) with the schema of its ``_target_``, if it has one.

    Raises:
        ConfigError: the node has no ``_target_``, a key the schema does not know, a value of the
            wrong type, or a value out of range.
    """
    schema = schema_of(node)
    if schema is None:
        check_target(node, key)
        return
    schema.check(_typed(schema, node, key), key)


def schema_of(node: Any) -> type[Checked] | None:
    """The registered schema of ``node``'s ``_target_``; None for a user's own target (or no node)."""
    target = node.get("_target_") if isinstance(node, DictConfig) else None
    return _REGISTRY.get(str(target))


def check_shared(node: DictConfig, key: str, schema: type[Checked]) -> None:
    """Run ``schema.check`` on the fields of ``schema`` that ``node`` sets (the others at their defaults):
    the knobs every variant of a group shares, for a user's ``_target_`` that has no schema of its own.

    Raises:
        ConfigError: a shared knob of the wrong type or out of range, named ``key.<field>``.
    """
    names = {f.name for f in dataclasses.fields(schema)} - {"_target_"}
    schema.check(_typed(schema, {k: node[k] for k in names if k in node}, key), key)


def _typed(schema: type[Checked], values: Any, key: str) -> DictConfig:
    try:
        return OmegaConf.merge(OmegaConf.structured(schema), values)
    except OmegaConfBaseException as exc:
        bad = getattr(exc, "full_key", None) or "?"
        raise ConfigError(f"{key}.{bad}", f"does not fit {schema.__name__} ({type(exc).__name__})") from None
