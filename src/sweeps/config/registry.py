"""Registers the schema so YAML files in ``conf/`` are type-checked when composed."""

from __future__ import annotations

from hydra.core.config_store import ConfigStore

from sweeps.config.schema import SweepsConf


def register_configs() -> None:
    """Store the root schema as ``sweeps_schema``; ``conf/config.yaml`` lists it first in its defaults.

    Its typed fields (``model: ModelConf`` ...) validate whatever each group's YAML merges into them,
    so group files need no schema entry of their own.
    """
    ConfigStore.instance().store(name="sweeps_schema", node=SweepsConf)
