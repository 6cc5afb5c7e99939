"""Optuna storage from a URL, safe for several workers starting at once.

``sqlite:///runs/optuna.db`` (default), any SQLAlchemy URL (``postgresql://...``), or a
JournalStorage file given as ``journal:///path/to/study.log`` (or any path ending in ``.log`` /
``.journal``), which needs no database server and suits NFS-less clusters poorly but one machine well.
"""

from __future__ import annotations

import random
import time
from pathlib import Path

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


_OPEN: dict[str, BaseStorage] = {}


def open_storage(url: str) -> BaseStorage:
    """Open (creating if needed) the storage at ``url``; one instance per URL and process.

    Trials launched in-process reuse the sweeper's connection pool instead of paying for a new
    engine and schema check every trial.

    Two processes creating the same new sqlite file can collide on table creation ("table already
    exists" / "database is locked"); that is retried with jitter instead of crashing a worker.
    """
    if url not in _OPEN:
        _OPEN[url] = _open(url)
    return _OPEN[url]


def _open(url: str) -> BaseStorage:
    journal = _journal_path(url)
    if journal is not None:
        journal = journal if journal.is_absolute() else Path.cwd() / journal
        journal.parent.mkdir(parents=True, exist_ok=True)
        return JournalStorage(JournalFileBackend(str(journal)))
    if url.startswith("sqlite:///"):
        Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    last_error: Exception | None = None
    for attempt in range(_CREATE_ATTEMPTS):
        try:
            engine_kwargs = {"connect_args": {"timeout": 60}} if url.startswith("sqlite") else None
            with sqlite_creation_lock(url):  # table creation is not safe for two processes at once
                return RDBStorage(url, engine_kwargs=engine_kwargs)
        except Exception as exc:  # sqlalchemy OperationalError/IntegrityError during concurrent creation
            last_error = exc
            time.sleep(0.1 * (attempt + 1) + random.random() * 0.2)
    raise SweepsError(f"cannot open Optuna storage {url} (hydra.sweeper.storage): "
                      f"{type(last_error).__name__}: {str(last_error).splitlines()[0]}")


def load_or_create_study(storage: BaseStorage, name: str, directions: list[str], sampler=None,
                         pruner=None) -> optuna.Study:
    """``create_study(load_if_exists=True)`` with a retry for two workers creating the same study."""
    for attempt in range(_CREATE_ATTEMPTS):
        try:
            return optuna.create_study(storage=storage, study_name=name, directions=directions, sampler=sampler,
                                       pruner=pruner, load_if_exists=True)
        except optuna.exceptions.DuplicatedStudyError:
            time.sleep(0.05 * (attempt + 1))
        except Exception as exc:
            if "direction" in str(exc).lower():
                raise SweepsError(f"study '{name}' exists with other directions: {exc}") from exc
            if attempt == _CREATE_ATTEMPTS - 1:
                raise
            time.sleep(0.1 * (attempt + 1) + random.random() * 0.2)
    return optuna.load_study(study_name=name, storage=storage, sampler=sampler, pruner=pruner)
