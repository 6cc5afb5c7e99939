"""Applying a fix (a string of Hydra-style overrides) to a finished run's resolved config."""

from __future__ import annotations

import yaml
from omegaconf import DictConfig, OmegaConf

from sweeps.config import compose_config
from sweeps.errors import ConfigError


def apply_fix(config: DictConfig, fix: str) -> DictConfig:
    """``group=variant`` swaps a whole group for its preset; ``a.b=value`` sets one key; values
    parse as YAML (``[64]``, ``0.5``, ``relu``), never evaluated."""
    cfg = config.copy()
    for override in fix.split():
        key, sep, value = override.partition("=")
        if not sep:
            raise ConfigError(key, f"fix '{fix}': expected key=value")
        if "." not in key:
            variant = compose_config([f"{key}={value}"])
            OmegaConf.update(cfg, key, variant[key], merge=False)
            continue
        if OmegaConf.select(cfg, key, default="__missing__") == "__missing__":
            raise ConfigError(key, f"fix '{fix}' names a key the run's config does not have")
        OmegaConf.update(cfg, key, yaml.safe_load(value), merge=False)
    return cfg
