"""Config schema, registration with Hydra's ConfigStore, and value checks."""

from sweeps.config.compose import compose_config
from sweeps.config.registry import register_configs
from sweeps.config.schema import SweepsConf
from sweeps.config.validate import validate_config

__all__ = ["SweepsConf", "compose_config", "register_configs", "validate_config"]
