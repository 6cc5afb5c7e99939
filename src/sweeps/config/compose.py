"""Compose the project config in Python (tests, the lab gallery, benchmarks), as the CLI would."""

from __future__ import annotations

from pathlib import Path

from hydra import compose, initialize_config_dir
from omegaconf import DictConfig

from sweeps.config.registry import register_configs

CONF_DIR = str(Path(__file__).resolve().parents[3] / "conf")


def compose_config(overrides: list[str] | None = None) -> DictConfig:
    register_configs()
    with initialize_config_dir(config_dir=CONF_DIR, version_base="1.3"):
        return compose(config_name="config", overrides=list(overrides or []))
