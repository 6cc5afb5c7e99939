"""The console summary a sweep ends with."""

from __future__ import annotations

import optuna
from optuna.trial import TrialState

from sweeps.study.runner import SweepSettings


def _ui_commands(storage: str, mlflow_uri: str) -> list[str]:
    return [f"mlflow ui --backend-store-uri {mlflow_uri} --host 127.0.0.1 --port 5000",
            f"optuna-dashboard {storage} --host 127.0.0.1 --port 8080"]


def print_summary(study: optuna.Study, summary: dict, settings: SweepSettings, mlflow_uri: str) -> None:
    trials = study.get_trials(deepcopy=False)
    counts = {state.name: sum(t.state == state for t in trials) for state in TrialState}
    print(f"\nstudy {study.study_name}: " + ", ".join(f"{n} {k.lower()}" for k, n in counts.items() if n))
    header = f"{'#':>4} {'state':9} {'value':>9} {'epochs':>6}  params"
    print(header)
    for t in sorted(trials, key=lambda t: t.number):
        value = "" if t.values is None else ",".join(f"{v:.4f}" for v in t.values)
        epochs = t.last_step if t.last_step is not None else ""
        params = " ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in t.params.items())
        print(f"{t.number:>4} {t.state.name:9} {value:>9} {epochs!s:>6}  {params}")
    run_url = ""
    if "best_trial" in summary:
        best = study.best_trial
        run_id = best.user_attrs.get("mlflow_run_id")
        print(f"best trial {best.number}: {settings.objective[0]}={best.value:.4f}"
              + (f", test/acc={best.user_attrs['test/acc']:.4f}" if "test/acc" in best.user_attrs else "")
              + f"  (MLflow run {run_id})")
        print("  params: " + " ".join(f"{k}={v}" for k, v in best.params.items()))
        if run_id and summary.get("experiment_id"):
            run_url = f"/#/experiments/{summary['experiment_id']}/runs/{run_id}"
    print(f"MLflow parent run: {summary.get('parent_run_id')}")
    print("open the UIs (loopback only), then the pages below:")
    for command in _ui_commands(settings.storage, mlflow_uri):
        print(f"  {command}")
    if run_url:
        print(f"  http://127.0.0.1:5000{run_url}")
    print(f"  http://127.0.0.1:8080/dashboard/studies/{summary.get('study_id', '')}")
