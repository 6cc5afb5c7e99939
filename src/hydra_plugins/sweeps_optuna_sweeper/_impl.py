"""Hydra glue around :class:`sweeps.study.runner.StudyRunner`: any ``@hydra.main`` app."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import List

from hydra.core.plugins import Plugins
from hydra.types import HydraContext, TaskFunction
from hydra.utils import get_method
from omegaconf import DictConfig

from sweeps.errors import SweepsError, exit_on_user_error
from sweeps.study.job import TrialTask
from sweeps.study.runner import MlflowTarget, StudyRunner
from sweeps.study.settings import StudySettings
from sweeps.utils.signals import Interrupted, exit_interrupted, signals_as_exceptions

log = logging.getLogger("sweeps.study")
_MARKER = ".sweeps-study"


def _stop_workers(runner: StudyRunner, workers: list, grace_s: float = 20.0) -> None:
    """SIGTERM the extra workers (each marks its own trial FAIL and its run KILLED); one that has
    not ended after ``grace_s`` is killed, and its trial is failed here."""
    import subprocess

    from sweeps.study.job import worker_id

    for proc in workers:
        proc.terminate()
    killed = []
    for proc in workers:
        try:
            proc.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            killed.append(worker_id(proc.pid))
    if killed:
        runner.fail_orphans(killed)


class OptunaSweeperImpl:
    def __init__(self, settings: dict) -> None:
        self.settings = StudySettings(**{k: v for k, v in settings.items() if not k.startswith("_")})

    def setup(self, *, hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig) -> None:
        self.config, self.hydra_context, self.task_function = config, hydra_context, task_function

    # -- what the runner needs from Hydra ----------------------------------------------------------
    def _check_overrides(self, overrides: list[str]) -> None:
        """Compose one job's config the way the launcher will: unknown keys fail here, first."""
        try:
            self.hydra_context.config_loader.load_sweep_config(self.config, list(overrides))
        except Exception as exc:
            lines = [line for line in str(exc).splitlines() if line.strip()]
            raise SweepsError(f"search space: {' '.join(lines[:2]) or type(exc).__name__}") from exc

    def _mlflow(self) -> MlflowTarget | None:
        conf = self.settings.mlflow
        if not conf.enabled:
            return None
        from sweeps.study.storage import absolute_url

        uri = conf.tracking_uri
        if not uri:
            import mlflow

            uri = mlflow.get_tracking_uri()
        return MlflowTarget(absolute_url(uri), conf.experiment or os.environ.get("MLFLOW_EXPERIMENT_NAME", "Default"),
                            getattr(conf, "artifact_location", None))

    def _launcher(self, runner: StudyRunner, parent_run_id: str | None, experiment_id: str | None):
        runner.jobs_in_process = str(self.config.hydra.launcher.get("_target_", "")).endswith(".BasicLauncher")
        task = TrialTask(self.task_function, runner.link(parent_run_id, experiment_id))
        context = self.hydra_context
        if runner.jobs_in_process:
            # Jobs composed in this process: from the sweep's base config, not the whole tree each time.
            from hydra_plugins.sweeps_optuna_sweeper._compose import TrialConfigLoader

            context = HydraContext(config_loader=TrialConfigLoader(context.config_loader), callbacks=context.callbacks)
        launcher = Plugins.instance().instantiate_launcher(
            hydra_context=context, task_function=task, config=self.config)

        def launch(batch: list[list[str]], first_job: int) -> list:
            # Job numbers are trial numbers: resumed sweeps and parallel workers never reuse an output dir.
            return list(launcher.launch(batch, initial_job_idx=first_job))

        return launch

    def _job_dir(self, sweep_dir: Path, study_name: str) -> str | None:
        """Jobs of another study already in this sweep dir: put ours under ``<study name>/``."""
        marker = sweep_dir / _MARKER
        if marker.is_file() and marker.read_text().strip() != study_name:
            log.info("%s holds another study's jobs: this study's go to %s/", sweep_dir, study_name)
            return study_name
        sweep_dir.mkdir(parents=True, exist_ok=True)
        marker.write_text(study_name + "\n")
        return None

    # -- the sweep -------------------------------------------------------------------------------
    def sweep(self, arguments: List[str]) -> None:
        runner = None
        with signals_as_exceptions():
            try:
                custom = get_method(self.settings.custom_search_space) if self.settings.custom_search_space else None
                runner = StudyRunner(self.settings, arguments, check_overrides=self._check_overrides,
                                     custom_search_space=custom, app_config=self.config, mlflow=self._mlflow())
                self._run(runner)
            except SweepsError as exc:
                exit_on_user_error(exc)
            except Interrupted as exc:
                running = ", ".join(str(n) for n in (runner.running if runner else []))
                done = f"trial(s) {running} marked FAIL, runs KILLED" if running else "no trial was running"
                exit_interrupted(exc, f"{done}; re-run the same command to resume")
        return None

    def _run(self, runner: StudyRunner) -> None:
        from sweeps.study.mlflow_parent import log_study_summary, open_parent_run
        from sweeps.study.report import print_summary, write_results

        sweep_dir = Path(self.config.hydra.sweep.dir)
        job_dir = self._job_dir(sweep_dir, runner.name)
        parent = open_parent_run(runner, runner.mlflow) if runner.mlflow else None
        workers = []
        if self.settings.n_jobs > 1 and runner.storage is not None:
            workers = runner.spawn_workers(sys.argv, sweep_dir)
        try:
            launch = self._launcher(runner, parent.run_id if parent else None, parent.experiment_id if parent else None)
            runner.run_worker(launch, job_dir)
            for proc in workers:
                proc.wait()
            summary = log_study_summary(parent, runner.study, runner.objectives) if parent else {}
        except BaseException as exc:
            _stop_workers(runner, workers)
            if parent is not None:
                parent.__exit__(type(exc), exc, None)
            raise
        if parent is not None:
            parent.__exit__(None, None, None)
        results_dir = sweep_dir / job_dir if job_dir else sweep_dir
        write_results(runner.study, results_dir / "optimization_results.yaml")
        print_summary(runner, summary, parent)
