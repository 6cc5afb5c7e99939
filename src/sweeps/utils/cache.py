"""Content-addressed on-disk cache for derived data (embeddings, features).

Keys are hashes of everything that determines the value, so a stale entry can never be read:
change the config, the data file or the code version and the key changes. Writes go to a temp
file renamed into place, so a killed run never leaves a half-written entry behind.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any, Callable

import numpy as np


def cache_key(kind: str, parts: dict[str, Any]) -> str:
    """Stable short hash of ``parts`` (JSON-serialisable), prefixed with ``kind``."""
    blob = json.dumps(parts, sort_keys=True, default=str).encode()
    return f"{kind}-{hashlib.sha256(blob).hexdigest()[:16]}"


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp)`` then rename tmp over ``path`` (atomic on POSIX)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


class ArrayCache:
    """Named bundles of NumPy arrays stored as ``.npz`` files (no pickle)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, key: str) -> Path:
        return self.root / f"{key}.npz"

    def load(self, key: str) -> dict[str, np.ndarray] | None:
        path = self.path(key)
        if not path.is_file():
            return None
        try:
            with np.load(path, allow_pickle=False) as bundle:
                return {name: bundle[name] for name in bundle.files}
        except (OSError, ValueError, EOFError, zipfile.BadZipFile):  # a truncated .npz is a zip without its directory
            # A corrupt entry is only a cache miss: it is rebuilt and replaced.
            return None

    def save(self, key: str, arrays: dict[str, np.ndarray]) -> None:
        def write(tmp: Path) -> None:
            with open(tmp, "wb") as fh:
                np.savez(fh, **arrays)

        atomic_write(self.path(key), write)
