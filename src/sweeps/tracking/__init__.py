"""MLflow run lifecycle, batched metric logging and plots."""

from sweeps.tracking.mlflow_run import MlflowRun, flatten_config, ui_command

__all__ = ["MlflowRun", "flatten_config", "ui_command"]
