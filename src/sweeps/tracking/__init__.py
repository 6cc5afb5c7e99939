"""MLflow run lifecycle, batched metric logging and plots."""

from sweeps.tracking.mlflow_run import MlflowRun, ui_command
from sweeps.utils.flatten import flatten_config

__all__ = ["MlflowRun", "flatten_config", "ui_command"]
