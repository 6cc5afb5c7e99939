"""``python -m sweeps``: Hydra entry point, a thin wrapper over :func:`sweeps.app.train`."""

from __future__ import annotations

import logging
import os
import signal
import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from sweeps.config import register_configs
from sweeps.errors import SweepsError

CONF_DIR = str(Path(__file__).resolve().parents[2] / "conf")
log = logging.getLogger("sweeps")

register_configs()


def _terminate_as_interrupt(signum, frame) -> None:
    """SIGTERM (e.g. from a scheduler) ends the run like Ctrl-C: MLflow marks it KILLED."""
    raise KeyboardInterrupt(f"signal {signum}")


@hydra.main(version_base="1.3", config_path=CONF_DIR, config_name="config")
def main(cfg: DictConfig) -> float | None:
    from sweeps.app import summary_lines, train

    signal.signal(signal.SIGTERM, _terminate_as_interrupt)
    multirun = HydraConfig.get().mode == RunMode.MULTIRUN
    try:
        result = train(cfg)
    except SweepsError as exc:
        if multirun or os.environ.get("HYDRA_FULL_ERROR") == "1":
            raise  # the sweeper records it against the trial
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        if multirun:
            raise
        print("interrupted: the MLflow run is marked KILLED", file=sys.stderr)
        sys.exit(130)
    for line in summary_lines(result):
        print(line)
    return result.metrics["test/acc"]


if __name__ == "__main__":
    main()
