"""Registers the schemas with Hydra's ConfigStore so YAML files in ``conf/`` are type-checked when composed."""

from __future__ import annotations

from hydra.core.config_store import ConfigStore

from sweeps.config import data, embeddings, models, optimizers, schedulers
from sweeps.config.schema import SweepsConf


def schema_name(group: str, variant: str) -> str:
    """ConfigStore name of a built-in variant's schema: ``optimizer_adam_schema``."""
    return f"{group}_{variant}_schema"


def register_configs() -> None:
    """Store the root schema as ``sweeps_schema`` (``conf/config.yaml`` lists it first) and each
    built-in variant's schema as ``<group>_<name>_schema``, which that variant's YAML extends
    (Hydra's "extending configs" pattern) with ``- /optimizer_adam_schema@_here_`` in its defaults.

    The schemas sit at the root of the config search path, outside every group, so ``--help``
    (which lists each group's options) shows only the variants a user picks, never their schemas."""
    store = ConfigStore.instance()
    store.store(name="sweeps_schema", node=SweepsConf)
    for group, schemas in (("data", data.SCHEMAS), ("model", models.SCHEMAS), ("optimizer", optimizers.SCHEMAS),
                           ("scheduler", schedulers.SCHEMAS), ("embeddings", embeddings.SCHEMAS)):
        for name, node in schemas.items():
            store.store(name=schema_name(group, name), node=node)
