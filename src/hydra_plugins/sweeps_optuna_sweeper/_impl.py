"""Hydra glue around :class:`sweeps.study.StudyRunner`."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any, List

from hydra.core.plugins import Plugins
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig, OmegaConf

from sweeps.errors import SweepsError
from sweeps.study import StudyRunner, SweepSettings

log = logging.getLogger("sweeps.study")


def _as_list(value: Any) -> list:
    if value is None:
        return []
    if isinstance(value, (list, tuple)) or OmegaConf.is_list(value):
        return [str(v) for v in value]
    return [str(value)]


def settings_from_config(conf: dict) -> SweepSettings:
    sampler, pruner = conf.get("sampler") or {}, conf.get("pruner") or {}
    return SweepSettings(
        n_trials=int(conf["n_trials"]), n_jobs=int(conf["n_jobs"]), storage=str(conf["storage"]),
        study_name=conf.get("study_name"), direction=_as_list(conf["direction"]), objective=_as_list(conf["objective"]),
        report_metric=conf.get("report_metric"), sampler=sampler.get("name", "tpe"), seed=sampler.get("seed"),
        sampler_options=dict(sampler.get("options") or {}), pruner=pruner.get("name", "median"),
        pruner_options=dict(pruner.get("options") or {}), params=dict(conf.get("params") or {}),
        max_failure_fraction=float(conf["max_failure_fraction"]),
        heartbeat_interval=float(conf["heartbeat_interval"]), grace_period=float(conf["grace_period"]),
    )


class OptunaSweeperImpl:
    def __init__(self, settings: dict) -> None:
        self.raw = settings

    def setup(self, *, hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig) -> None:
        self.config = config
        self.launcher = Plugins.instance().instantiate_launcher(
            hydra_context=hydra_context, task_function=task_function, config=config)

    def _launch(self, overrides: list[str], job_idx: int):
        # The trial number is the job number: resumed sweeps and parallel workers never reuse an output dir.
        return self.launcher.launch([overrides], initial_job_idx=job_idx)[0]

    def sweep(self, arguments: List[str]) -> dict:
        conf = OmegaConf.to_container(OmegaConf.create(self.raw), resolve=False)
        settings = settings_from_config(conf)
        tracking = OmegaConf.to_container(self.config.tracking, resolve=True)
        try:
            runner = StudyRunner(settings, self._launch, tracking, arguments)
            summary = runner.run(argv=sys.argv, log_dir=Path(self.config.hydra.sweep.dir))
        except SweepsError as exc:
            print(f"error: {exc}", file=sys.stderr)
            sys.exit(2)
        from sweeps.study.report import print_summary

        print_summary(runner.study, summary, settings, tracking["uri"])
        return summary
