"""``sweeps.utils.stores``: the default store URLs agree with the Hydra config's, and the UI
commands bind loopback and paste into a shell as they are."""

from __future__ import annotations

import shlex

from omegaconf import OmegaConf

from sweeps.config import compose_config
from sweeps.config.compose import CONF_DIR
from sweeps.utils.stores import (mlflow_ui_argv, mlflow_uri, optuna_dashboard_argv, optuna_storage,
                                 shell_command)


def test_default_store_urls_are_the_ones_the_hydra_config_uses():
    cfg = compose_config([])
    assert cfg.tracking.uri == mlflow_uri(cfg.paths.runs_dir) == "sqlite:///runs/mlflow.db"
    # The sweeper's node interpolates paths.runs_dir, which only a sweep resolves: compare unresolved.
    sweeper = OmegaConf.to_container(OmegaConf.load(f"{CONF_DIR}/hydra/sweeper/sweeps_optuna.yaml"))
    assert sweeper["storage"] == optuna_storage("${paths.runs_dir}")
    assert optuna_storage() == "sqlite:///runs/optuna.db"


def test_ui_commands_bind_loopback_and_survive_spaces_in_paths():
    uri = "sqlite:////tmp/my runs/mlflow.db"
    assert shlex.split(shell_command(mlflow_ui_argv(uri))) == \
        ["mlflow", "ui", "--backend-store-uri", uri, "--host", "127.0.0.1", "--port", "5000"]
    storage = "sqlite:////tmp/my runs/optuna.db"
    assert shlex.split(shell_command(optuna_dashboard_argv(storage, port=9000))) == \
        ["optuna-dashboard", storage, "--host", "127.0.0.1", "--port", "9000"]
    # Extra options go before --host/--port, as sweeps-ui passes them.
    assert mlflow_ui_argv("u", program="/venv/bin/mlflow", extra=("--workers", "1"))[:6] == \
        ["/venv/bin/mlflow", "ui", "--backend-store-uri", "u", "--workers", "1"]
