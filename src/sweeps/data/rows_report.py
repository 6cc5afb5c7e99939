"""How many rows loading dropped (blank text or label), kept beside the cache so a run that
reuses cached features still logs it (MLflow metric ``data/dropped_rows``)."""

from __future__ import annotations

import json
from pathlib import Path

from omegaconf import DictConfig

from sweeps.utils.cache import atomic_write, cache_key


def report_path(cache_dir: Path, cfg: DictConfig, fingerprint: str) -> Path:
    """Where the report of ``cfg.data``'s rows (identified by their ``fingerprint``) lives in the
    rows cache ``cache_dir``."""
    data = cfg.data
    key = cache_key("rows", {"fingerprint": fingerprint, "source": data.source, "name": data.get("name"),
                             "text": data.get("text_column"),
                             "label": data.get("label_column"), "encoding": data.get("encoding")})
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
