"""``hydra/sweeper=optuna`` and its ``sampler`` / ``pruner`` groups, registered when Hydra
discovers plugins. The settings themselves are defined once, in :mod:`sweeps.study.settings`."""
# No "from __future__ import annotations": Hydra executes plugin modules outside sys.modules,
# where dataclasses cannot resolve string annotations.

from dataclasses import dataclass, field
from typing import Any, List

from hydra.core.config_store import ConfigStore

from sweeps.study.settings import PRUNERS, SAMPLERS, StudySettings


@dataclass
class OptunaSweeperConf(StudySettings):
    _target_: str = "hydra_plugins.sweeps_optuna_sweeper.optuna_sweeper.OptunaSweeper"
    # The sweeper instantiates sampler and pruner itself (seeded, with the grid from the space).
    _recursive_: bool = False
    defaults: List[Any] = field(default_factory=lambda: [{"sampler": "tpe"}, {"pruner": "median"}])


_store = ConfigStore.instance()
_store.store(group="hydra/sweeper", name="optuna", node=OptunaSweeperConf, provider="sweeps")
for _name, _node in SAMPLERS.items():
    _store.store(group="hydra/sweeper/sampler", name=_name, node=_node, provider="sweeps")
for _name, _node in PRUNERS.items():
    _store.store(group="hydra/sweeper/pruner", name=_name, node=_node, provider="sweeps")
