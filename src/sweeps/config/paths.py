"""Relative paths mean what the user typed, relative to the directory the command was launched
from, whatever ``hydra.job.chdir`` is.

With ``hydra.job.chdir=true`` Hydra runs the job inside its output directory, so ``data.path=my.csv``
would be looked for there. :func:`resolve_paths` rewrites every path-valued key once, before
anything reads it, with Hydra's own ``to_absolute_path`` (against ``hydra.runtime.cwd`` under
Hydra, the current directory otherwise). Keys that interpolate another (``tracking.uri`` is
``sqlite:///${paths.runs_dir}/mlflow.db``) follow it.
"""

from __future__ import annotations

from pathlib import Path

from hydra.utils import get_object, to_absolute_path
from omegaconf import DictConfig, OmegaConf, read_write

from sweeps.data.sources import TextFiles, data_is

_SQLITE = "sqlite:///"


def _absolute(value: str) -> str:
    return value if "://" in value else to_absolute_path(value)


def _absolute_sqlite(uri: str) -> str:
    """``sqlite:///runs/mlflow.db`` -> ``sqlite:////launch/dir/runs/mlflow.db``; others unchanged."""
    if not uri.startswith(_SQLITE) or uri[len(_SQLITE):].startswith("/"):
        return uri
    return _SQLITE + to_absolute_path(uri[len(_SQLITE):])


def _is_checkpoint_path(value: str) -> bool:
    """``trainer.resume_from`` holds a checkpoint path or an MLflow run id: the same test as
    :func:`sweeps.training.resume.locate_checkpoint`, with the file looked up from the launch dir."""
    return "/" in value or value.endswith(".pt") or Path(to_absolute_path(value)).is_file()


def _set(cfg: DictConfig, key: str, value: str) -> None:
    """Set ``key`` (dotted) unless it interpolates another key, which is resolved on its own."""
    parent, _, leaf = key.rpartition(".")
    if not OmegaConf.is_interpolation(OmegaConf.select(cfg, parent), leaf) and OmegaConf.select(cfg, key) != value:
        OmegaConf.update(cfg, key, value, merge=False)


def resolve_paths(cfg: DictConfig) -> None:
    """Make ``paths.runs_dir``, ``data.path`` and ``embeddings.extra_corpus.path`` (files),
    ``embeddings.path``, ``trainer.resume_from``
    (a path), ``tracking.artifact_location`` and a sqlite ``tracking.uri`` absolute, in place."""
    with read_write(cfg):
        _set(cfg, "paths.runs_dir", _absolute(str(cfg.paths.runs_dir)))
        if data_is(cfg, TextFiles) and cfg.data.path:  # a hub dataset's path is an id, not a file
            _set(cfg, "data.path", _absolute(str(cfg.data.path)))
        if cfg.embeddings.get("path"):
            _set(cfg, "embeddings.path", _absolute(str(cfg.embeddings.path)))
        extra = cfg.embeddings.get("extra_corpus")
        if isinstance(extra, DictConfig) and extra.get("path") and issubclass(get_object(str(extra._target_)), TextFiles):
            _set(cfg, "embeddings.extra_corpus.path", _absolute(str(extra.path)))
        resume = cfg.trainer.resume_from
        if resume and _is_checkpoint_path(str(resume)):
            _set(cfg, "trainer.resume_from", to_absolute_path(str(resume)))
        if cfg.tracking.get("artifact_location"):
            _set(cfg, "tracking.artifact_location", _absolute(str(cfg.tracking.artifact_location)))
        _set(cfg, "tracking.uri", _absolute_sqlite(str(cfg.tracking.uri)))
