"""Where runs and studies are stored by default, and the commands that open their UIs.

The Hydra configs say the same in YAML (``conf/tracking/mlflow.yaml``: ``tracking.uri``,
``conf/hydra/sweeper/sweeps_optuna.yaml``: ``storage``); a test checks they agree. Everything else
(the CLIs' defaults, the printed "open it" lines, ``sweeps-ui``) calls these functions.
"""

from __future__ import annotations

import shlex
from pathlib import Path

SQLITE = "sqlite:///"
RUNS_DIR = "runs"
MLFLOW_UI_PORT = 5000
DASHBOARD_PORT = 8080
LOOPBACK = "127.0.0.1"


def mlflow_uri(runs_dir: str | Path = RUNS_DIR) -> str:
    """The default MLflow tracking store: ``sqlite:///<runs_dir>/mlflow.db``."""
    return f"{SQLITE}{runs_dir}/mlflow.db"


def optuna_storage(runs_dir: str | Path = RUNS_DIR) -> str:
    """The default Optuna storage: ``sqlite:///<runs_dir>/optuna.db``."""
    return f"{SQLITE}{runs_dir}/optuna.db"


def mlflow_ui_argv(uri: str, *, program: str = "mlflow", host: str = LOOPBACK, port: int = MLFLOW_UI_PORT,
                   extra: tuple[str, ...] = ()) -> list[str]:
    """``mlflow ui`` on the store ``uri``, bound to ``host`` (loopback unless asked): the argv."""
    return [program, "ui", "--backend-store-uri", uri, *extra, "--host", host, "--port", str(port)]


def optuna_dashboard_argv(storage: str, *, program: str = "optuna-dashboard", host: str = LOOPBACK,
                          port: int = DASHBOARD_PORT) -> list[str]:
    """``optuna-dashboard`` on ``storage`` (an Optuna storage URL), bound to ``host``: the argv."""
    return [program, storage, "--host", host, "--port", str(port)]


def shell_command(argv: list[str]) -> str:
    """``argv`` quoted so that it pastes into a shell as is (paths with spaces)."""
    return shlex.join(argv)


# Where the commands above serve, for the links printed next to them.
MLFLOW_UI_URL = f"http://{LOOPBACK}:{MLFLOW_UI_PORT}"
DASHBOARD_URL = f"http://{LOOPBACK}:{DASHBOARD_PORT}"
