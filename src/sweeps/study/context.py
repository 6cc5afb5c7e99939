"""What a running job knows of its trial: ``current_trial()`` and ``trial_context()``.

Set by the sweeper's job wrapper (:mod:`sweeps.study.job`) around the task function, in whatever
process the launcher runs the job; ``None`` outside a sweep. Free of Optuna and MLflow imports:
MLflow loads :mod:`sweeps.study.mlflow_context`, which reads this, in every process.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:
    import optuna


@dataclass(frozen=True)
class StudyLink:
    """Everything a job needs to reach its study, the same for every trial (pickled to remote jobs)."""

    storage: Optional[str]          # absolute URL; None = in memory (reachable only in this process)
    study_name: str
    directions: tuple[str, ...]
    pruner: Optional[dict] = None   # the pruner's ``_target_`` node, rebuilt in another process
    report_metric: Optional[str] = None
    objectives: tuple[str, ...] = ()
    heartbeat_interval: float = 10.0
    mlflow_uri: Optional[str] = None
    mlflow_experiment_id: Optional[str] = None
    parent_run_id: Optional[str] = None


@dataclass
class TrialContext:
    link: StudyLink
    number: int
    trial: Optional["optuna.trial.Trial"]


_ACTIVE: Optional[TrialContext] = None


def trial_context() -> Optional[TrialContext]:
    """The running job's trial and study link; ``None`` outside a sweep."""
    return _ACTIVE


def trial_tags() -> dict[str, str]:
    """``optuna.study_name`` and ``optuna.trial_number`` of the running job's trial, the tags that
    file its MLflow run under the study; ``{}`` outside a sweep."""
    if _ACTIVE is None:
        return {}
    return {"optuna.study_name": _ACTIVE.link.study_name, "optuna.trial_number": str(_ACTIVE.number)}


def study_run_id() -> Optional[str]:
    """The MLflow run id of the running sweep's study (the parent of its trials' runs), or ``None``."""
    return _ACTIVE.link.parent_run_id if _ACTIVE is not None else None


def current_trial() -> Optional["optuna.trial.Trial"]:
    """A real ``optuna.trial.Trial`` bound to the study of the running sweep job, or ``None``.

    ``trial.report(value, step)``, ``trial.should_prune()`` (with the study's configured pruner),
    ``raise optuna.TrialPruned()`` (the trial becomes PRUNED), ``trial.set_user_attr`` and Optuna's
    integration callbacks that take a trial all work on it. ``None`` outside a sweep, and in a job
    run in another process when the study is in memory (``hydra.sweeper.storage=null``).
    """
    return _ACTIVE.trial if _ACTIVE is not None else None


def _activate(context: Optional[TrialContext]) -> Optional[TrialContext]:
    global _ACTIVE
    previous, _ACTIVE = _ACTIVE, context
    return previous
