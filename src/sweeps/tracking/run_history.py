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


def run_data_metrics(client: MlflowClient, run_id: str) -> dict[str, float]:
    """The run's ``data/*`` metrics (logged once, at step 0): sizes, class count, OOV rates and,
    on runs recorded since issue 19, the input checks ``data/inputs_*``. Empty for other runs."""
    return {k: v for k, v in client.get_run(run_id).data.metrics.items() if k.startswith("data/")}


def study_reference(client: MlflowClient, run_id: str, metric: str = "best/val/acc") -> tuple[float | None, tuple[str, ...]]:
    """For a study trial (an MLflow child run): the best ``metric`` among its sibling trials (the
    reference a trial is compared with), and, when this run is the study's best, the searched
    keys (params that differ between trials), which no fix may change. ``(None, ())`` otherwise."""
    run = client.get_run(run_id)
    parent = run.data.tags.get("mlflow.parentRunId")
    if not parent:
        return None, ()
    siblings = [r for r in client.search_runs([run.info.experiment_id],
                                              filter_string=f"tags.mlflow.parentRunId = '{parent}'")
                if metric in r.data.metrics]
    others = [r.data.metrics[metric] for r in siblings if r.info.run_id != run_id]
    if not others:
        return None, ()
    own = run.data.metrics.get(metric, float("-inf"))
    if own < max(others):
        return max(others), ()
    keys = {k for r in siblings for k in r.data.params}
    searched = tuple(sorted(k for k in keys if len({r.data.params.get(k) for r in siblings}) > 1
                            and not k.startswith("optuna_trial.")))
    return max(others), searched
