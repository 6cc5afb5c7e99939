"""Compose the project config in Python (tests, the lab gallery, benchmarks), as the CLI would.

Where the config lives: ``sweeps/conf`` inside the package. In a source checkout that is a symlink
to the top-level ``conf/`` (what users read and edit); an installed wheel carries a copy. A
checkout whose symlink was not kept (``git config core.symlinks false``) falls back to ``conf/``.
"""

from __future__ import annotations

from pathlib import Path

from hydra import compose, initialize_config_dir
from omegaconf import DictConfig

from sweeps.config.registry import register_configs


def _conf_dir() -> Path:
    """The in-package config when it is a directory, else the checkout's top-level ``conf/``."""
    packaged = Path(__file__).resolve().parents[1] / "conf"  # sweeps/conf
    return packaged.resolve() if packaged.is_dir() else Path(__file__).resolve().parents[3] / "conf"


CONF_DIR = str(_conf_dir())


def compose_config(overrides: list[str] | None = None) -> DictConfig:
    """The config ``python -m sweeps <overrides>`` would run with (schema registered first)."""
    register_configs()
    with initialize_config_dir(config_dir=CONF_DIR, version_base="1.3"):
        return compose(config_name="config", overrides=list(overrides or []))
