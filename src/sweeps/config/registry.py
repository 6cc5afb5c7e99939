"""Registers the schemas with Hydra's ConfigStore so YAML files in ``conf/`` are type-checked when composed."""

from __future__ import annotations

from hydra.core.config_store import ConfigStore

from sweeps.config import models, optimizers, schedulers
from sweeps.config.schema import SweepsConf


def register_configs() -> None:
    """Store the root schema as ``sweeps_schema`` (``conf/config.yaml`` lists it first) and each
    built-in variant's schema as ``base_<name>`` in its group, which that variant's YAML lists
    in its own defaults (Hydra's "extending configs" pattern): ``optimizer/base_adam``,
    ``scheduler/base_cosine`` ..."""
    store = ConfigStore.instance()
    store.store(name="sweeps_schema", node=SweepsConf)
    for group, schemas in (("model", models.SCHEMAS), ("optimizer", optimizers.SCHEMAS),
                           ("scheduler", schedulers.SCHEMAS)):
        for name, node in schemas.items():
            store.store(group=group, name=f"base_{name}", node=node)
