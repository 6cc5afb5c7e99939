"""A finished MLflow run's per-epoch history, whoever created the run."""

from __future__ import annotations

from collections import defaultdict

from mlflow import MlflowClient

from sweeps.errors import SweepsError

REQUIRED = ("train/loss", "val/loss")


class RunNotDiagnosable(SweepsError):
    """The run lacks the curves the diagnoser needs."""


def run_history(client: MlflowClient, run_id: str) -> list[dict[str, float]]:
    """``[{metric: value}, ...]`` for epochs 1..N from every metric logged per epoch (step >= 1).

    Needs ``train/loss`` and ``val/loss`` histories; ``diag/*`` instrumentation and accuracies
    are used when present."""
    run = client.get_run(run_id)
    keys = [k for k in run.data.metrics if k in REQUIRED or k.startswith(("train/", "val/", "diag/"))]
    missing = [k for k in REQUIRED if k not in keys]
    if missing:
        raise RunNotDiagnosable(f"run {run_id} has no {' / '.join(missing)} history: the diagnoser reads "
                                f"per-epoch train/loss and val/loss curves")
    by_step: dict[int, dict[str, float]] = defaultdict(dict)
    for key in keys:
        if key.endswith("_step"):
            continue
        for metric in client.get_metric_history(run_id, key):
            if metric.step >= 1:
                by_step[metric.step][key] = metric.value
    return [by_step[s] for s in sorted(by_step) if "train/loss" in by_step[s]]
