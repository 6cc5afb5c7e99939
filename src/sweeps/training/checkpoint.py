"""Checkpoints written atomically and read back with ``weights_only=True``.

A checkpoint is a plain dict of tensors and primitives (no pickled objects), so loading one
cannot execute code, and a kill during a write leaves the previous file intact.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from sweeps.errors import CheckpointError
from sweeps.utils.cache import atomic_write
from sweeps.utils.signals import deferred_signals

FORMAT_VERSION = 1


def save_checkpoint(path: Path, payload: dict[str, Any]) -> None:
    """Write ``payload`` to ``path`` via a temp file and rename."""
    path = Path(path)
    # A SIGKILL mid-write leaves its temp file behind (no finally runs): sweep it now. Safe because
    # a checkpoint has one writer, the trainer of that run.
    for stale in path.parent.glob(f".{path.name}.*.tmp"):
        stale.unlink(missing_ok=True)
    with deferred_signals():  # SIGTERM/Ctrl-C mid-write: finish the write, then stop
        atomic_write(Path(path), lambda tmp: torch.save({"format": FORMAT_VERSION, **payload}, tmp))


def load_checkpoint(path: Path) -> dict[str, Any]:
    """Read a checkpoint this project wrote; any other file is a :class:`CheckpointError`."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint not found: {path}")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises RuntimeError, UnpicklingError, EOFError, ... on bad files
        raise CheckpointError(f"checkpoint {path} is corrupt or not a torch checkpoint "
                              f"({type(exc).__name__})") from exc
    if not isinstance(payload, dict) or payload.get("format") != FORMAT_VERSION or "model" not in payload:
        raise CheckpointError(f"checkpoint {path} was not written by sweeps (format {FORMAT_VERSION})")
    return payload


def load_model_state(model: torch.nn.Module, state: dict[str, torch.Tensor], source: Path | str) -> None:
    """Load weights, turning shape/key mismatches into a readable :class:`CheckpointError`."""
    try:
        model.load_state_dict(state)
    except RuntimeError as exc:
        first = str(exc).splitlines()
        detail = "; ".join(line.strip() for line in first[1:3]) or first[0]
        raise CheckpointError(f"checkpoint {source} does not fit the configured model: {detail}") from exc
