"""The storage calls sweeps makes below Optuna's public API, all here.

Optuna documents ``BaseStorage`` methods and the ``Trial(study, trial_id)`` constructor as not for
users. sweeps needs them for one reason: a trial is asked by the sweeper but run by a job that may
live in another process or on another machine (submitit, Slurm). Optuna's public API hands out a
``Trial`` only from ``study.ask()`` in the asking process, and offers no way to write a user
attribute on a trial by number. Everything else (ask, tell by number, reports, pruning, stale
trials) goes through the public API.
"""

from __future__ import annotations

from typing import Any

import optuna
from optuna.storages import BaseStorage


def study_id(storage: BaseStorage, name: str) -> int:
    """The storage's id of study ``name`` (the Optuna dashboard's page number)."""
    return storage.get_study_id_from_name(name)


def trial_id(storage: BaseStorage, study: optuna.Study, number: int) -> int:
    """The storage's id of trial ``number`` of ``study``."""
    study_id = storage.get_study_id_from_name(study.study_name)
    return storage.get_trial_id_from_study_id_trial_number(study_id, number)


def id_of(trial: optuna.trial.Trial) -> int:
    """The storage's id of a ``Trial`` this process holds (kept private by Optuna as ``_trial_id``;
    reading it saves the two lookups of :func:`trial_id` on every heartbeat and attribute)."""
    return trial._trial_id


def attach_trial(storage: BaseStorage, study: optuna.Study, number: int) -> optuna.trial.Trial:
    """A ``Trial`` for trial ``number``, asked by another process: what ``study.ask`` returns there.

    ``study`` must have been loaded with the study's pruner, so ``should_prune`` asks the same one.
    """
    return optuna.trial.Trial(study, trial_id(storage, study, number))


def set_user_attr(storage: BaseStorage, trial_id_: int, key: str, value: Any) -> None:
    """Write a user attribute on a RUNNING trial without holding its ``Trial`` object."""
    storage.set_trial_user_attr(trial_id_, key, value)
