"""``python -m sweeps``: Hydra entry point, a thin wrapper over :func:`sweeps.app.train`."""

from __future__ import annotations

import logging
from typing import Any

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from sweeps.config import register_configs
from sweeps.config.compose import CONF_DIR
from sweeps.errors import SweepsError, exit_on_user_error
from sweeps.study.context import TrialContext, trial_context
from sweeps.utils.signals import Interrupted, exit_interrupted, signals_as_exceptions

log = logging.getLogger("sweeps")

register_configs()


def run_trial(cfg: DictConfig, context: TrialContext) -> dict[str, Any]:
    """A study's job: train with the trial's pruning reporter, return the metrics for the sweeper.

    A pruned or diverged run keeps its MLflow record and raises ``optuna.TrialPruned``, so the
    trial is PRUNED whatever launcher ran it.
    """
    import optuna

    from sweeps.app import train
    from sweeps.study.trial_link import TrialReporter

    trial, metric = context.trial, context.link.report_metric
    if trial is None or metric is None:  # a remote job of an in-memory study: no trial to report to
        return train(cfg).metrics
    result = train(cfg, callbacks=[TrialReporter(trial, metric, context.link.directions)])
    for key in ("test/acc", "test/f1"):
        trial.set_user_attr(key, result.metrics[key])
    trial.set_user_attr("epochs", result.stopped_epoch)
    if result.stop_reason in ("pruned", "diverged"):
        trial.set_user_attr("pruned_reason", result.stop_reason)
        trial.set_user_attr("pruned_at_epoch", result.stopped_epoch)
        raise optuna.TrialPruned(result.stop_reason)
    return {**result.metrics, "run_id": result.run_id}


@hydra.main(version_base="1.3", config_path=CONF_DIR, config_name="config")
def main(cfg: DictConfig) -> Any:
    from sweeps.app import interrupted_summary, summary_lines, train

    if HydraConfig.get().mode == RunMode.MULTIRUN:
        # Errors propagate: the sweeper records them against the trial and carries on.
        context = trial_context()
        return run_trial(cfg, context) if context is not None else train(cfg).metrics
    # SIGTERM and Ctrl-C: the run is marked KILLED on the way out, then one line and exit 128+signal.
    with signals_as_exceptions():
        try:
            result = train(cfg)
            for line in summary_lines(result):
                print(line)
        except SweepsError as exc:
            exit_on_user_error(exc)
        except Interrupted as exc:
            exit_interrupted(exc, interrupted_summary(exc, cfg))
    return result.metrics


if __name__ == "__main__":
    main()
