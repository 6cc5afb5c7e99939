"""How many rows loading dropped (blank text or label), kept beside the cache so a run that
reuses cached features still logs it (MLflow metric ``data/dropped_rows``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from sweeps.utils.cache import atomic_write, cache_key

if TYPE_CHECKING:
    from sweeps.data.sources import DataSource


def report_path(cache_dir: Path, source: DataSource, fingerprint: str) -> Path:
    """Where the report of ``source``'s rows (identified by their ``fingerprint``) lives in the
    rows cache ``cache_dir``. The key is the one ``data.source`` strings gave (``cache_name``)."""
    key = cache_key("rows", {"fingerprint": fingerprint, "source": source.cache_name, "name": source.name,
                             "text": source.text_column,
                             "label": source.label_column, "encoding": source.encoding})
    return Path(cache_dir) / "sweeps-rows" / f"{key}.json"


def save_report(path: Path, dropped: dict[str, int]) -> None:
    """Write ``dropped`` (``total``, ``blank_text``, ``blank_label``) atomically."""
    atomic_write(path, lambda tmp: tmp.write_text(json.dumps(dropped)))


def load_report(path: Path) -> dict[str, int] | None:
    """The counts saved for these rows, or None when they were never loaded here."""
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None
