"""Thin front class: Hydra imports every plugin at start-up, so Optuna and MLflow are imported
only when a sweep actually runs (in ``_impl``)."""


from typing import Any, List, Optional

from hydra.plugins.sweeper import Sweeper
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig

from hydra_plugins.sweeps_optuna_sweeper.config import OptunaSweeperConf  # noqa: F401  (registers the config)


class OptunaSweeper(Sweeper):
    def __init__(self, **settings: Any) -> None:
        self.settings = settings
        self._impl: Optional[Any] = None

    def setup(self, *, hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig) -> None:
        from hydra_plugins.sweeps_optuna_sweeper._impl import OptunaSweeperImpl

        self._impl = OptunaSweeperImpl(self.settings)
        self._impl.setup(hydra_context=hydra_context, task_function=task_function, config=config)

    def sweep(self, arguments: List[str]) -> None:
        assert self._impl is not None, "setup() must run before sweep()"
        return self._impl.sweep(arguments)
