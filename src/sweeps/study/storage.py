"""Optuna storage from ``hydra.sweeper.storage``, safe for several workers starting at once.

``null`` (in memory, one process), ``sqlite:///runs/optuna.db``, any SQLAlchemy URL
(``postgresql://...``), or a JournalStorage file given as ``journal:///path/to/study.log`` (or any
path ending in ``.log`` / ``.journal``), which needs no database server and suits one machine.

Relative sqlite and journal paths are made absolute against the directory the command was started
in, so a job that changes directory (``hydra.job.chdir=true``) opens the same file.
"""

from __future__ import annotations

import os
import random
import time
import warnings
from pathlib import Path
from typing import Callable

import optuna
from optuna.storages import BaseStorage, JournalStorage, RDBStorage
from optuna.storages.journal import JournalFileBackend

from sweeps.errors import SweepsError
from sweeps.utils.locks import sqlite_creation_lock

_CREATE_ATTEMPTS = 8


def _journal_path(url: str) -> Path | None:
    """Like sqlite URLs: ``journal:///rel/study.log`` is relative, ``journal:////abs/study.log`` absolute."""
    if url.startswith("journal:///"):
        return Path(url[len("journal:///"):])
    if url.endswith((".log", ".journal")) and "://" not in url:
        return Path(url)
    return None


def absolute_url(url: str | None, base: str | None = None) -> str | None:
    """``url`` with a relative sqlite or journal path resolved against ``base`` (default: cwd)."""
    if url is None:
        return None
    base_dir = Path(base or os.getcwd())
    journal = _journal_path(url)
    if journal is not None:
        return f"journal:///{journal if journal.is_absolute() else base_dir / journal}"
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        path = Path(url[len("sqlite:///"):])
        return f"sqlite:///{path if path.is_absolute() else base_dir / path}"
    return url


_OPEN: dict[str, BaseStorage] = {}


def open_storage(url: str, *, heartbeat_interval: int | None = None, grace_period: int | None = None,
                 heartbeat_stale_trial_callback: Callable | None = None) -> BaseStorage:
    """Open (creating if needed) the storage at ``url``; one instance per URL and process.

    Trials launched in-process reuse the sweeper's connection pool instead of paying for a new
    engine and schema check every trial. The heartbeat settings apply to RDB storages (Optuna's
    own heartbeat); the first opening in a process decides them.

    Two processes creating the same new sqlite file can collide on table creation ("table already
    exists" / "database is locked"); that is retried with jitter instead of crashing a worker.

    Raises:
        SweepsError: the storage cannot be opened (names ``hydra.sweeper.storage``).
    """
    if url not in _OPEN:
        _OPEN[url] = _open(url, heartbeat_interval, grace_period, heartbeat_stale_trial_callback)
    return _OPEN[url]


def _open(url: str, heartbeat_interval, grace_period, heartbeat_stale_trial_callback) -> BaseStorage:
    journal = _journal_path(url)
    if journal is not None:
        journal = journal if journal.is_absolute() else Path.cwd() / journal
        journal.parent.mkdir(parents=True, exist_ok=True)
        return JournalStorage(JournalFileBackend(str(journal)))
    if url.startswith("sqlite:///"):
        Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    heartbeat = {} if not heartbeat_interval else {
        "heartbeat_interval": max(1, int(heartbeat_interval)), "grace_period": max(2, int(grace_period or 60)),
        "heartbeat_stale_trial_callback": heartbeat_stale_trial_callback}
    last_error: Exception | None = None
    for attempt in range(_CREATE_ATTEMPTS):
        try:
            engine_kwargs = {"connect_args": {"timeout": 60}} if url.startswith("sqlite") else None
            with sqlite_creation_lock(url), warnings.catch_warnings():  # creation is not safe for two processes
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)  # heartbeat_interval
                return RDBStorage(url, engine_kwargs=engine_kwargs, **heartbeat)
        except Exception as exc:  # sqlalchemy OperationalError/IntegrityError during concurrent creation
            last_error = exc
            time.sleep(0.1 * (attempt + 1) + random.random() * 0.2)
    raise SweepsError(f"cannot open Optuna storage {url} (hydra.sweeper.storage): "
                      f"{type(last_error).__name__}: {str(last_error).splitlines()[0]}")


def load_or_create_study(storage: BaseStorage | None, name: str | None, directions: list[str], sampler=None,
                         pruner=None) -> optuna.Study:
    """``create_study(load_if_exists=True)`` with a retry for two workers creating the same study.

    Raises:
        SweepsError: the study exists with other directions.
    """
    for attempt in range(_CREATE_ATTEMPTS):
        try:
            study = optuna.create_study(storage=storage, study_name=name, directions=directions, sampler=sampler,
                                        pruner=pruner, load_if_exists=True)
        except optuna.exceptions.DuplicatedStudyError:
            time.sleep(0.05 * (attempt + 1))
            continue
        except Exception:
            if attempt == _CREATE_ATTEMPTS - 1:
                raise
            time.sleep(0.1 * (attempt + 1) + random.random() * 0.2)
            continue
        stored = [d.name.lower() for d in study.directions]
        if stored != [d.lower() for d in directions]:
            raise SweepsError(f"study '{study.study_name}' exists with direction {stored}, not {directions} "
                              f"(hydra.sweeper.direction); use another hydra.sweeper.study_name")
        return study
    return optuna.load_study(study_name=name, storage=storage, sampler=sampler, pruner=pruner)
