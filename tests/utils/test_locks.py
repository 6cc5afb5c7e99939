"""``sweeps.utils.locks``: the store-creation lock excludes other holders for as long as it is held."""

from __future__ import annotations

import fcntl
from pathlib import Path

from sweeps.utils.locks import exclusive_lock, sqlite_creation_lock


def _free(path: Path) -> bool:
    """Whether another open file description could take the lock now (what another process sees)."""
    with open(path, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(handle, fcntl.LOCK_UN)
        return True


def test_exclusive_lock_is_held_inside_and_released_after(tmp_path):
    lock = tmp_path / "sub" / "x.lock"
    with exclusive_lock(lock):
        assert lock.exists() and not _free(lock)
    assert _free(lock)


def test_exclusive_lock_is_released_when_the_block_raises(tmp_path):
    lock = tmp_path / "x.lock"
    try:
        with exclusive_lock(lock):
            raise RuntimeError
    except RuntimeError:
        pass
    assert _free(lock)


def test_sqlite_urls_lock_a_file_beside_the_database_and_other_stores_none(tmp_path):
    db = tmp_path / "runs" / "mlflow.db"
    with sqlite_creation_lock(f"sqlite:///{db}?timeout=30"):
        assert not _free(db.with_name("mlflow.db.lock"))
    assert not db.exists()  # the lock never creates the database itself
    with sqlite_creation_lock("postgresql://u@localhost/optuna"):
        pass
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == ["mlflow.db.lock"]
