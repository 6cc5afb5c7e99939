"""The job side of a trial, for any Hydra app: the task function wrapped by the sweeper.

The sweeper hands the launcher ``TrialTask(task_function, link)`` instead of the app's function,
and each job's trial number through Hydra itself (``hydra.job.env_set.SWEEPS_OPTUNA_TRIAL``), so
the app's own config schema needs no key of sweeps'. Around the task function, in whatever process
the launcher runs the job (in-process for the basic launcher, a submitit/Slurm job otherwise), the
wrapper

- makes the trial available to the app: :func:`sweeps.study.current_trial`;
- keeps the trial alive in the storage (heartbeat), so a long trial is never declared stale;
- points MLflow at the study's store and experiment unless the app or environment chose others,
  so a ``mlflow.start_run()`` of the app becomes a child of the study's parent run (tags from
  :mod:`sweeps.study.mlflow_context`), and records that run's id on the trial afterwards.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import socket
import sys
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from sweeps.study.context import StudyLink, TrialContext, _activate

log = logging.getLogger("sweeps.study")
TRIAL_ENV = "SWEEPS_OPTUNA_TRIAL"
MLFLOW_RUN_ATTR = "mlflow_run_id"
WORKER_ATTR = "worker"  # host:pid of the process running the job

# Trials asked in this process, by (study name, number): a job launched in-process (basic
# launcher) reports to the very Trial object the sweeper asked, with the sweeper's study and pruner.
_LOCAL: dict[tuple[str, int], Any] = {}


def register_local(study_name: str, trial) -> None:
    _LOCAL[(study_name, trial.number)] = trial


def forget_local(study_name: str, number: int) -> None:
    _LOCAL.pop((study_name, number), None)


def worker_id(pid: int | None = None) -> str:
    """``host:pid`` of a process on this machine."""
    return f"{socket.gethostname()}:{pid or os.getpid()}"


def trial_env_override(number: int) -> str:
    """The override that tells job ``number`` which trial it is, through Hydra's ``env_set``."""
    return f"++hydra.job.env_set.{TRIAL_ENV}={number}"


def _open_trial(link: StudyLink, number: int):
    trial = _LOCAL.get((link.study_name, number))
    if trial is not None or link.storage is None:
        if trial is None:
            log.warning("trial %d runs in another process but the study is in memory "
                        "(hydra.sweeper.storage=null): current_trial() is None, no pruning", number)
        return trial
    import optuna

    from sweeps.study import _storage_adapter as adapter
    from sweeps.study.samplers import build_pruner
    from sweeps.study.storage import open_storage

    storage = open_storage(link.storage)
    pruner = build_pruner(link.pruner) if link.pruner else None
    study = optuna.load_study(study_name=link.study_name, storage=storage, pruner=pruner)
    return adapter.attach_trial(storage, study, number)


@contextlib.contextmanager
def _heartbeat(link: StudyLink, trial) -> Iterator[None]:
    """Keep a stored study's trial alive while the job runs, and stamp who runs it.

    The stamp (``host:pid``: for people, and to recover a stopped worker's trials in
    :meth:`StudyRunner.fail_orphans`) is written by the heartbeat thread, so its storage write
    overlaps the app's work rather than adding to every trial's wall time.
    """
    if link.storage is None or trial is None:
        yield
        return
    from sweeps.study import _storage_adapter as adapter
    from sweeps.study.liveness import Heartbeat
    from sweeps.study.storage import open_storage

    storage = open_storage(link.storage)
    stamp = functools.partial(trial.set_user_attr, WORKER_ATTR, worker_id())
    with Heartbeat(storage, adapter.id_of(trial), link.heartbeat_interval, first=stamp):
        yield


@contextlib.contextmanager
def _mlflow_env(link: StudyLink) -> Iterator[None]:
    """MLFLOW_TRACKING_URI / MLFLOW_EXPERIMENT_ID of the study's parent run, unless already set."""
    wanted = {"MLFLOW_TRACKING_URI": link.mlflow_uri, "MLFLOW_EXPERIMENT_ID": link.mlflow_experiment_id}
    if "MLFLOW_EXPERIMENT_NAME" in os.environ:
        wanted.pop("MLFLOW_EXPERIMENT_ID")
    added = [k for k, v in wanted.items() if v and k not in os.environ]
    for key in added:
        os.environ[key] = str(wanted[key])
    try:
        yield
    finally:
        for key in added:
            os.environ.pop(key, None)


def _record_user_run(context: TrialContext, interrupted: bool) -> None:
    """Link the app's own MLflow run (if it made one) to the trial, and never leave it RUNNING."""
    if "mlflow" not in sys.modules or context.trial is None:
        return
    import mlflow

    if mlflow.active_run() is not None:  # started without ``with`` and never ended
        mlflow.end_run("KILLED" if interrupted else "FAILED")
    run = mlflow.last_active_run()
    if run is None or run.data.tags.get("optuna.trial_number") != str(context.number) \
            or run.data.tags.get("optuna.study_name") != context.link.study_name:
        return
    if MLFLOW_RUN_ATTR not in context.trial.user_attrs:
        context.trial.set_user_attr(MLFLOW_RUN_ATTR, run.info.run_id)


@dataclass(frozen=True)
class PrunedResult:
    """What a job whose task raised ``optuna.TrialPruned`` returns to the sweeper (picklable, so it
    crosses to the sweeper from any launcher): the trial becomes PRUNED with this reason."""

    reason: str = ""


class TrialTask:
    """The app's task function, run as trial ``$SWEEPS_OPTUNA_TRIAL`` of ``link``'s study."""

    def __init__(self, task_function: Callable[[Any], Any], link: StudyLink) -> None:
        self.task_function, self.link = task_function, link

    def __call__(self, cfg: Any) -> Any:
        number = os.environ.get(TRIAL_ENV)
        if number is None:  # launched without the sweeper's override: a plain job
            return self.task_function(cfg)
        context = TrialContext(self.link, int(number), _open_trial(self.link, int(number)))
        previous = _activate(context)
        interrupted = True
        try:
            with _heartbeat(self.link, context.trial), _mlflow_env(self.link):
                result = self.task_function(cfg)
                interrupted = False
                return result
        except Exception as exc:
            interrupted = False
            optuna = sys.modules.get("optuna")  # an app that raises TrialPruned has imported it
            if optuna is not None and isinstance(exc, optuna.TrialPruned):
                # Returned, not raised: Hydra would report a raised one as a failed job.
                return PrunedResult(str(exc))
            raise
        finally:
            try:
                _record_user_run(context, interrupted)
            finally:
                _activate(previous)
