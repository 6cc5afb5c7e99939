"""Config schema, registration with Hydra's ConfigStore, and value checks."""

from sweeps.config.registry import register_configs
from sweeps.config.schema import SweepsConf
from sweeps.config.validate import validate_config

__all__ = ["SweepsConf", "register_configs", "validate_config"]
