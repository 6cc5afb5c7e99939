"""``python -m sweeps``: Hydra entry point, a thin wrapper over :func:`sweeps.app.train`."""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from sweeps.config import register_configs
from sweeps.config.compose import CONF_DIR
from sweeps.errors import SweepsError
from sweeps.utils.signals import Interrupted, exit_interrupted, signals_as_exceptions

log = logging.getLogger("sweeps")

register_configs()


def run_trial(cfg: DictConfig) -> dict[str, Any]:
    """A study's job: train with the trial's reporter and heartbeat, return metrics for the sweeper."""
    from sweeps.app import train
    from sweeps.study.trial_link import Heartbeat, TrialReporter

    link = cfg.optuna_trial
    reporter = TrialReporter(link.storage, link.study_name, link.number, link.report_metric)
    with Heartbeat(reporter.storage, reporter.trial_id, link.heartbeat_interval):
        result = train(cfg, callbacks=[reporter])
    for key in ("test/acc", "test/f1"):
        reporter.trial.set_user_attr(key, result.metrics[key])
    return {**result.metrics, "stop_reason": result.stop_reason, "run_id": result.run_id}


@hydra.main(version_base="1.3", config_path=CONF_DIR, config_name="config")
def main(cfg: DictConfig) -> Any:
    from sweeps.app import interrupted_summary, summary_lines, train

    if HydraConfig.get().mode == RunMode.MULTIRUN:
        # Errors propagate: the sweeper records them against the trial and carries on.
        return run_trial(cfg) if cfg.optuna_trial.number is not None else train(cfg).metrics
    # SIGTERM and Ctrl-C: the run is marked KILLED on the way out, then one line and exit 128+signal.
    with signals_as_exceptions():
        try:
            result = train(cfg)
            for line in summary_lines(result):
                print(line)
        except SweepsError as exc:
            if os.environ.get("HYDRA_FULL_ERROR") == "1":
                raise
            print(f"error: {exc}", file=sys.stderr)
            sys.exit(2)
        except Interrupted as exc:
            exit_interrupted(exc, interrupted_summary(exc, cfg))
    return result.metrics


if __name__ == "__main__":
    main()
