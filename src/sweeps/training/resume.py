"""Find the checkpoint ``trainer.resume_from`` points at and check it fits the current config."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from sweeps.config.upgrade import upgrade_config, with_defaults
from sweeps.errors import CheckpointError
from sweeps.training.checkpoint import load_checkpoint
from sweeps.utils.flatten import flatten_config

# Keys a resumed run may change: what it resumes from, how long it goes on, where it runs and is recorded,
# and how it is diagnosed (none of them changes what is trained).
_MAY_DIFFER = ("trainer.resume_from", "trainer.max_epochs", "trainer.progress", "trainer.device", "tracking.",
               "paths.", "tags.", "diagnosis.")


def run_checkpoint(run_id: str, name: str, runs_dir: Path, tracking_uri: str) -> Path:
    """``name`` (last.pt, best.pt) of an MLflow run: from ``runs/checkpoints/<run_id>/`` when this
    machine wrote it, otherwise downloaded from the run's ``checkpoints/`` artifacts."""
    local = runs_dir / "checkpoints" / run_id / name
    if local.is_file():
        return local
    try:
        from mlflow.tracking import MlflowClient

        client = MlflowClient(tracking_uri=tracking_uri)
        client.get_run(run_id)
        return Path(client.download_artifacts(run_id, f"checkpoints/{name}", tempfile.mkdtemp()))
    except Exception as exc:
        raise CheckpointError(f"no MLflow run {run_id} with a checkpoints/{name} artifact in {tracking_uri} "
                              f"(nor {local})") from exc


def locate_checkpoint(resume_from: str, runs_dir: Path, tracking_uri: str) -> Path:
    """A path is used as is; anything else is an MLflow run id whose ``last.pt`` is used."""
    path = Path(resume_from)
    if path.is_file() or path.suffix == ".pt" or "/" in resume_from:
        if not path.is_file():
            raise CheckpointError(f"checkpoint not found: {resume_from} (trainer.resume_from)")
        return path
    try:
        return run_checkpoint(resume_from, "last.pt", runs_dir, tracking_uri)
    except CheckpointError as exc:
        raise CheckpointError(f"trainer.resume_from={resume_from}: not a checkpoint file; {exc}") from exc


# A key one side lacks reads as null: a knob added since the checkpoint was written defaults to
# null where null keeps the old behaviour (embeddings.extra_corpus), so it changes nothing trained.
_ABSENT = str(None)


def check_compatible(payload: dict[str, Any], resolved: dict[str, Any], source: Path) -> None:
    """Refuse to resume under a config that would change what is being trained."""
    saved = flatten_config(payload.get("config", {}))
    current = flatten_config(resolved)
    differing = sorted(k for k in set(saved) | set(current)
                       if saved.get(k, _ABSENT) != current.get(k, _ABSENT) and not k.startswith(_MAY_DIFFER))
    if differing:
        shown = ", ".join(f"{k} ({saved.get(k)} -> {current.get(k)})" for k in differing[:4])
        raise CheckpointError(f"checkpoint {source} was trained with a different config: {shown}")


def changed_on_resume(payload: dict[str, Any], resolved: dict[str, Any]) -> dict[str, str]:
    """``{key: value now}`` for the flattened keys whose value differs from the config the checkpoint
    was written under (``trainer.max_epochs`` raised to train longer, say), ``trainer.resume_from``
    aside. MLflow params cannot change, so the run records these as ``resumed.<key>`` tags."""
    saved, current = flatten_config(payload.get("config", {})), flatten_config(resolved)
    return {k: current[k] for k in sorted(current)
            if k != "trainer.resume_from" and saved.get(k, _ABSENT) != current[k]}


def load_resume_state(resume_from: str, runs_dir: Path, tracking_uri: str,
                      resolved: dict[str, Any]) -> tuple[dict[str, Any], Path]:
    path = locate_checkpoint(resume_from, runs_dir, tracking_uri)
    payload = load_checkpoint(path)
    for key in ("optimizer", "schedule", "early_stopping", "history", "epoch"):
        if key not in payload:
            raise CheckpointError(f"checkpoint {path} holds weights only ('{key}' missing); resume needs last.pt")
    # A checkpoint written by an earlier version records its config in that version's layout,
    # without the keys added since (which it ran with their defaults).
    payload["config"] = with_defaults(upgrade_config(payload.get("config", {})))
    check_compatible(payload, resolved, path)
    return payload, path
