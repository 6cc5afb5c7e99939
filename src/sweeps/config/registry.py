"""Registers the schema so YAML files in ``conf/`` are type-checked when composed."""

from __future__ import annotations

from hydra.core.config_store import ConfigStore

from sweeps.config import schema

_GROUP_SCHEMAS = {
    "data": schema.DataConf,
    "embeddings": schema.EmbeddingsConf,
    "model": schema.ModelConf,
    "optimizer": schema.OptimizerConf,
    "schedule": schema.ScheduleConf,
    "trainer": schema.TrainerConf,
    "tracking": schema.TrackingConf,
}


def register_configs() -> None:
    """Store ``sweeps_schema`` (the root) and ``<group>/schema`` nodes the YAML files extend."""
    cs = ConfigStore.instance()
    cs.store(name="sweeps_schema", node=schema.SweepsConf)
    for group, node in _GROUP_SCHEMAS.items():
        cs.store(group=group, name="schema", node=node)
