"""A cross-process lock for creating shared sqlite stores.

MLflow migrates a new sqlite database with alembic, and two processes doing it at once can leave
a half-migrated file behind ("table _alembic_tmp_experiments already exists") that no retry can
repair. Creating the store under an exclusive ``flock`` makes the first start of parallel
workers safe; afterwards the lock is held only for the connect call.
"""

from __future__ import annotations

import fcntl
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


@contextmanager
def exclusive_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def sqlite_creation_lock(url: str) -> Iterator[None]:
    """Hold ``<db>.lock`` for ``sqlite:///<db>`` URLs; do nothing for other stores."""
    if not url.startswith("sqlite:///"):
        yield
        return
    db = Path(url[len("sqlite:///"):].split("?")[0])
    with exclusive_lock(db.with_name(db.name + ".lock")):
        yield
