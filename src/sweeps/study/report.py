"""What a sweep leaves behind for people: the console summary and ``optimization_results.yaml``."""

from __future__ import annotations

from pathlib import Path

import optuna
from omegaconf import OmegaConf
from optuna.trial import TrialState

from sweeps.study import _storage_adapter
from sweeps.tracking.mlflow_run import ui_command
from sweeps.utils.stores import DASHBOARD_URL, MLFLOW_UI_URL, optuna_dashboard_argv, shell_command


def write_results(study: optuna.Study, path: Path) -> None:
    """``optimization_results.yaml`` as hydra-optuna-sweeper writes it: ``name: optuna`` with
    ``best_params`` and ``best_value``, or ``solutions`` (the Pareto front) for several objectives.
    Nothing is written while no trial is complete."""
    if not study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)):
        return
    if len(study.directions) == 1:
        best = study.best_trial
        results = {"name": "optuna", "best_params": best.params, "best_value": best.value}
    else:
        results = {"name": "optuna", "solutions": [{"params": t.params, "values": t.values} for t in study.best_trials]}
    path.parent.mkdir(parents=True, exist_ok=True)
    OmegaConf.save(OmegaConf.create(results), path)


def _params(params: dict) -> str:
    return " ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in params.items())


def _values(values) -> str:
    return "" if values is None else ",".join(f"{v:.4f}" for v in values)


def trial_lines(study: optuna.Study) -> list[str]:
    """The trial table: number, state, value(s), epochs run, params."""
    trials = study.get_trials(deepcopy=False)
    counts = {state.name: sum(t.state == state for t in trials) for state in TrialState}
    lines = [f"\nstudy {study.study_name}: " + ", ".join(f"{n} {k.lower()}" for k, n in counts.items() if n),
             f"{'#':>4} {'state':9} {'value':>9} {'epochs':>6}  params"]
    for t in sorted(trials, key=lambda t: t.number):
        epochs = t.last_step if t.last_step is not None else t.user_attrs.get("epochs", "")
        lines.append(f"{t.number:>4} {t.state.name:9} {_values(t.values):>9} {epochs!s:>6}  {_params(t.params)}")
    return lines


def best_lines(study: optuna.Study, objectives: list[str]) -> list[str]:
    """The best trial (one objective) or the Pareto front (several)."""
    if not study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)):
        return ["no complete trial"]
    if len(study.directions) > 1:
        names = ",".join(objectives) or "values"
        return [f"Pareto front ({len(study.best_trials)} trials, {names}):"] + [
            f"  trial {t.number}: {_values(t.values)}  {_params(t.params)}" for t in study.best_trials]
    best = study.best_trial
    test = f", test/acc={best.user_attrs['test/acc']:.4f}" if "test/acc" in best.user_attrs else ""
    run = f"  (MLflow run {best.user_attrs['mlflow_run_id']})" if "mlflow_run_id" in best.user_attrs else ""
    name = objectives[0] if objectives else "value"
    return [f"best trial {best.number}: {name}={best.value:.4f}{test}{run}", f"  params: {_params(best.params)}"]


def print_summary(runner, summary: dict, parent) -> None:
    """Trial table, best trial / Pareto front, and the commands that open both UIs on them."""
    study = runner.study
    for line in trial_lines(study) + best_lines(study, runner.objectives):
        print(line)
    if summary.get("diagnosis"):
        print(summary["diagnosis"])
    if parent is None and runner.storage_url is None:
        return
    print("open the UIs (loopback only), then the pages below:")
    if parent is not None:
        print(f"  {ui_command(runner.mlflow.uri)}")
    if runner.storage_url is not None:
        print(f"  {shell_command(optuna_dashboard_argv(runner.storage_url))}")
    if parent is not None:
        print(f"  {MLFLOW_UI_URL}/#/experiments/{parent.experiment_id}/runs/{parent.run_id}  (study parent run)")
        best_run = summary.get("best_mlflow_run_id")
        if best_run:
            print(f"  {MLFLOW_UI_URL}/#/experiments/{parent.experiment_id}/runs/{best_run}  (best trial)")
    if runner.storage is not None:  # the dashboard numbers studies by their storage id
        print(f"  {DASHBOARD_URL}/dashboard/studies/{_storage_adapter.study_id(runner.storage, runner.name)}")
