"""The sweeper on a plain ``@hydra.main`` app (tests/study/apps/objective_app.py), run as a user
would: ``python app.py -m hydra/sweeper=optuna ...``. Asserts the stored study and MLflow runs."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import optuna
import pytest
from mlflow import MlflowClient
from optuna.trial import TrialState

from tests.conftest import existing_store

APP = Path(__file__).parent / "apps"
NO_MLFLOW = "hydra.sweeper.mlflow.enabled=false"


def _app_dir(tmp_path: Path) -> Path:
    for name in ("objective_app.py", "objective_app.yaml"):
        shutil.copy(APP / name, tmp_path / name)
    return tmp_path


def sweep(tmp_path: Path, *args: str, timeout: int = 120, wait: bool = True):
    """``python objective_app.py -m hydra/sweeper=optuna <args>`` in ``tmp_path``."""
    cmd = [sys.executable, "objective_app.py", "-m", "hydra/sweeper=optuna", f"hydra.sweep.dir={tmp_path}/multirun",
           *args]
    env = {k: v for k, v in os.environ.items() if k not in ("HYDRA_FULL_ERROR", "MLFLOW_TRACKING_URI")}
    if not wait:
        return subprocess.Popen(cmd, cwd=_app_dir(tmp_path), env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
    return subprocess.run(cmd, cwd=_app_dir(tmp_path), env=env, capture_output=True, text=True, timeout=timeout)


def _stored(tmp_path: Path, name: str) -> optuna.Study:
    return optuna.load_study(study_name=name, storage=f"sqlite:///{tmp_path}/optuna.db")


def _trials_so_far(tmp_path: Path, name: str) -> list:
    """The stored trials while a sweep is starting (none before the study exists)."""
    try:
        return _stored(tmp_path, name).get_trials()
    except Exception:  # the sweep is still creating the database's tables, or the study
        return []


def _states(study: optuna.Study) -> list[TrialState]:
    return [t.state for t in study.get_trials()]


def test_float_return_in_memory_writes_the_peers_results_file(tmp_path):
    done = sweep(tmp_path, "x=interval(-1,1)", "hydra.sweeper.n_trials=4", NO_MLFLOW)
    assert done.returncode == 0, done.stderr[-2000:]
    import yaml

    results = yaml.safe_load((tmp_path / "multirun" / "optimization_results.yaml").read_text())
    # The best value printed and stored is the smallest (x - 0.3)^2 of the trials run.
    assert results["name"] == "optuna" and results["best_value"] == pytest.approx((results["best_params"]["x"] - 0.3) ** 2)
    assert "best trial" in done.stdout and f"value={results['best_value']:.4f}" in done.stdout


def test_list_return_is_multi_objective_with_a_pareto_front(tmp_path):
    done = sweep(tmp_path, "x=interval(-1,1)", "ret=list", "hydra.sweeper.direction=[minimize,minimize]",
                 "hydra.sweeper.n_trials=5", "hydra.sweeper.storage=sqlite:///optuna.db",
                 "hydra.sweeper.study_name=mo", NO_MLFLOW)
    assert done.returncode == 0, done.stderr[-2000:]
    study = _stored(tmp_path, "mo")
    assert _states(study) == [TrialState.COMPLETE] * 5 and all(len(t.values) == 2 for t in study.trials)
    assert "Pareto front" in done.stdout
    assert all(f"trial {t.number}:" in done.stdout for t in study.best_trials)


def test_dict_return_uses_the_named_objective(tmp_path):
    done = sweep(tmp_path, "x=interval(-1,1)", "ret=dict", "hydra.sweeper.objective=loss", "hydra.sweeper.n_trials=3",
                 "hydra.sweeper.storage=sqlite:///optuna.db", "hydra.sweeper.study_name=d", NO_MLFLOW)
    assert done.returncode == 0, done.stderr[-2000:]
    study = _stored(tmp_path, "d")
    assert all(t.value == pytest.approx((t.params["x"] - 0.3) ** 2) for t in study.trials)


def test_an_objective_the_app_never_returns_stops_the_study_after_the_first_trial(tmp_path):
    done = sweep(tmp_path, "x=interval(-1,1)", "ret=dict", "hydra.sweeper.objective=accuracy",
                 "hydra.sweeper.max_failure_rate=1.0", "hydra.sweeper.n_trials=3",
                 "hydra.sweeper.storage=sqlite:///optuna.db", "hydra.sweeper.study_name=miss", NO_MLFLOW)
    assert done.returncode == 2
    # One line naming the metric and the keys that were returned; no traceback.
    assert "objective 'accuracy'" in done.stderr and "loss, other" in done.stderr
    assert "Traceback" not in done.stderr
    assert _states(_stored(tmp_path, "miss")) == [TrialState.FAIL]


@pytest.mark.parametrize("ret,reason", [("none", "returned None"), ("not_finite", "is nan")])
def test_none_and_nan_fail_the_trial_with_the_reason_stored(tmp_path, ret, reason):
    done = sweep(tmp_path, "x=interval(-1,1)", f"ret={ret}", "hydra.sweeper.n_trials=2",
                 "hydra.sweeper.storage=sqlite:///optuna.db", "hydra.sweeper.study_name=bad", NO_MLFLOW)
    # max_failure_rate defaults to 0.0, as in hydra-optuna-sweeper: the first failure stops the study.
    assert done.returncode == 2 and reason in done.stderr and "Traceback" not in done.stderr
    trials = _stored(tmp_path, "bad").get_trials()
    assert [t.state for t in trials] == [TrialState.FAIL] and reason in trials[0].user_attrs["fail_reason"]


def test_current_trial_reports_and_prunes_through_optunas_own_objects(tmp_path):
    # ThresholdPruner(upper=0.5): every trial whose reported value exceeds 0.5 is pruned.
    done = sweep(tmp_path, "x=interval(-1,1)", "prune_below=0", "hydra/sweeper/pruner=threshold",
                 "hydra.sweeper.pruner.upper=0.5", "hydra.sweeper.n_trials=6", "hydra.sweeper.sampler.seed=0",
                 "hydra.sweeper.storage=sqlite:///optuna.db", "hydra.sweeper.study_name=p", NO_MLFLOW)
    assert done.returncode == 0, done.stderr[-2000:]
    trials = _stored(tmp_path, "p").get_trials()
    for t in trials:
        first = (t.params["x"] - 0.3) ** 2
        # Reported values are value, value+1, value+2: pruned exactly when one exceeded 0.5.
        expected = TrialState.PRUNED if first + 2 > 0.5 else TrialState.COMPLETE
        assert t.state == expected and t.intermediate_values[0] == pytest.approx(first)
    assert TrialState.PRUNED in {t.state for t in trials}


def test_the_apps_own_mlflow_run_becomes_a_child_of_the_study_linked_both_ways(tmp_path):
    existing_store(tmp_path)  # ./mlflow.db, migrated already: the store's creation is not the point here
    done = sweep(tmp_path, "x=interval(-1,1)", "mlflow_run=true", "hydra.sweeper.n_trials=2",
                 "hydra.sweeper.storage=sqlite:///optuna.db", "hydra.sweeper.study_name=ml",
                 "hydra.sweeper.mlflow.tracking_uri=sqlite:///mlflow.db")
    assert done.returncode == 0, done.stderr[-2000:]
    client = MlflowClient(f"sqlite:///{tmp_path}/mlflow.db")
    runs = client.search_runs([e.experiment_id for e in client.search_experiments()])
    parents = [r for r in runs if r.data.tags.get("sweeps.kind") == "study"]
    children = [r for r in runs if r.data.tags.get("mlflow.parentRunId")]
    assert len(parents) == 1 and len(children) == 2
    assert {c.data.tags["mlflow.parentRunId"] for c in children} == {parents[0].info.run_id}
    trials = _stored(tmp_path, "ml").get_trials()
    # trial -> run (user attr) and run -> trial (tags)
    by_run = {c.info.run_id: c for c in children}
    for t in trials:
        run = by_run[t.user_attrs["mlflow_run_id"]]
        assert run.data.tags["optuna.trial_number"] == str(t.number) and run.data.tags["optuna.study_name"] == "ml"
        assert run.data.metrics["loss"] == pytest.approx(t.value)
    assert all(r.info.status == "FINISHED" for r in runs)


@pytest.mark.slow  # sleep-bound: 4 trials of 5 s
def test_a_trial_longer_than_the_grace_period_with_two_workers_is_not_stale(tmp_path):
    done = sweep(tmp_path, "x=interval(-1,1)", "sleep_s=5", "hydra.sweeper.n_trials=4", "hydra.sweeper.n_jobs=2",
                 "hydra.sweeper.heartbeat_interval=1", "hydra.sweeper.grace_period=2",
                 "hydra.sweeper.storage=sqlite:///optuna.db", "hydra.sweeper.study_name=slow", NO_MLFLOW, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    trials = _stored(tmp_path, "slow").get_trials()
    # Each trial ran 2.5x the grace period; the app sends no heartbeat; none was declared stale.
    assert _states(_stored(tmp_path, "slow")) == [TrialState.COMPLETE] * 4
    assert all((t.datetime_complete - t.datetime_start).total_seconds() >= 5 for t in trials)


@pytest.mark.slow  # sleep-bound: waits out the grace period
def test_sigkill_then_rerun_resumes_to_the_exact_total(tmp_path):
    args = ["x=interval(-1,1)", "sleep_s=2", "hydra.sweeper.n_trials=4", "hydra.sweeper.heartbeat_interval=1",
            "hydra.sweeper.grace_period=2", "hydra.sweeper.storage=sqlite:///optuna.db",
            "hydra.sweeper.study_name=kill", NO_MLFLOW]
    proc = sweep(tmp_path, *args, wait=False)
    deadline = time.time() + 60
    while time.time() < deadline:
        if (tmp_path / "optuna.db").exists() and \
                any(t.state == TrialState.COMPLETE for t in _trials_so_far(tmp_path, "kill")):
            break
        time.sleep(0.3)
    time.sleep(0.5)  # into the next trial
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert TrialState.RUNNING in _states(_stored(tmp_path, "kill"))
    time.sleep(2.5)  # past the grace period: the killed trial's heartbeat is stale
    again = sweep(tmp_path, *args)
    assert again.returncode == 0, again.stderr[-2000:]
    trials = _stored(tmp_path, "kill").get_trials()
    assert sum(t.state == TrialState.COMPLETE for t in trials) == 4
    assert TrialState.RUNNING not in {t.state for t in trials}


def test_sigterm_in_a_study_leaves_nothing_running(tmp_path):
    existing_store(tmp_path)
    proc = sweep(tmp_path, "x=interval(-1,1)", "sleep_s=30", "hydra.sweeper.n_trials=2",
                 "hydra.sweeper.storage=sqlite:///optuna.db", "hydra.sweeper.study_name=term",
                 "hydra.sweeper.mlflow.tracking_uri=sqlite:///mlflow.db", "mlflow_run=true", wait=False)
    deadline = time.time() + 60
    while time.time() < deadline:
        if (tmp_path / "optuna.db").exists() and _trials_so_far(tmp_path, "term"):
            break
        time.sleep(0.3)
    time.sleep(1.0)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err[-2000:]
    assert "interrupted by SIGTERM: trial(s) 0 marked FAIL" in err and "Traceback" not in err
    assert _states(_stored(tmp_path, "term")) == [TrialState.FAIL]
    client = MlflowClient(f"sqlite:///{tmp_path}/mlflow.db")
    runs = client.search_runs([e.experiment_id for e in client.search_experiments()])
    assert runs and all(r.info.status != "RUNNING" for r in runs)


def test_an_unknown_key_is_refused_before_anything_is_created(tmp_path):
    done = sweep(tmp_path, "y=interval(-1,1)", "hydra.sweeper.storage=sqlite:///optuna.db",
                 "hydra.sweeper.study_name=typo", "hydra.sweeper.mlflow.tracking_uri=sqlite:///mlflow.db")
    assert done.returncode == 2 and "search space" in done.stderr and "'y'" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "optuna.db").exists() and not (tmp_path / "mlflow.db").exists()


def test_a_named_study_rerun_with_another_space_is_refused_and_keeps_its_trials(tmp_path):
    base = ["hydra.sweeper.storage=sqlite:///optuna.db", "hydra.sweeper.study_name=named", NO_MLFLOW]
    first = sweep(tmp_path, "x=choice(0.1,0.2)", "hydra.sweeper.n_trials=2", *base)
    assert first.returncode == 0, first.stderr[-2000:]
    # (two workers by default: one may draw a duplicate point, FAIL "duplicate ...", and resample)
    before = _states(_stored(tmp_path, "named"))
    assert before.count(TrialState.COMPLETE) == 2
    again = sweep(tmp_path, "x=choice(0.1,0.5,0.9)", "hydra.sweeper.n_trials=4", *base)
    assert again.returncode == 2 and "study 'named' exists with another search space" in again.stderr
    assert "x:" in again.stderr and "named-v2" in again.stderr and "Traceback" not in again.stderr
    assert _states(_stored(tmp_path, "named")) == before  # the refused command changed nothing


def test_a_second_study_in_the_same_sweep_dir_does_not_overwrite_the_first(tmp_path):
    for name in ("one", "two"):
        done = sweep(tmp_path, "x=interval(-1,1)", "hydra.sweeper.n_trials=1", f"hydra.sweeper.study_name={name}",
                     "hydra.sweeper.storage=sqlite:///optuna.db", NO_MLFLOW)
        assert done.returncode == 0, done.stderr[-2000:]
    first = (tmp_path / "multirun" / "0" / ".hydra" / "overrides.yaml").read_text()
    second = (tmp_path / "multirun" / "two" / "0" / ".hydra" / "overrides.yaml").read_text()
    x_one = _stored(tmp_path, "one").trials[0].params["x"]
    x_two = _stored(tmp_path, "two").trials[0].params["x"]
    assert f"x={x_one!r}" in first and f"x={x_two!r}" in second


def test_lightning_hydra_templates_optuna_config_with_its_target_line_deleted(tmp_path):
    # configs/hparams_search/mnist_optuna.yaml of lightning-hydra-template, minus the peer's _target_.
    (tmp_path / "objective_app.yaml").write_text("")
    _app_dir(tmp_path)
    (tmp_path / "hparams_search").mkdir()
    (tmp_path / "hparams_search" / "mnist_optuna.yaml").write_text(
        "# @package _global_\n"
        "defaults:\n  - override /hydra/sweeper: optuna\n"
        "optimized_metric: \"val/acc_best\"\n"
        "hydra:\n  mode: \"MULTIRUN\"\n  sweeper:\n"
        "    storage: null\n    study_name: null\n    n_jobs: 1\n    direction: maximize\n    n_trials: 3\n"
        "    sampler:\n      _target_: optuna.samplers.TPESampler\n      seed: 1234\n      n_startup_trials: 10\n"
        "    params:\n      x: interval(0.0001, 0.1)\n      y: choice(32, 64, 128, 256)\n")
    (tmp_path / "objective_app.yaml").write_text(
        "defaults:\n  - _self_\n  - hparams_search: null\n"
        "x: 0.0\ny: 1\nret: float\nsleep_s: 0\nprune_below: null\nmlflow_run: false\n")
    cmd = [sys.executable, "objective_app.py", "hparams_search=mnist_optuna", f"hydra.sweep.dir={tmp_path}/multirun",
           NO_MLFLOW]
    done = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "3 complete" in done.stdout


def test_sweeping_a_plain_app_imports_neither_torch_gensim_nor_datasets(tmp_path):
    _app_dir(tmp_path)
    probe = ("import runpy, sys\n"
             f"sys.argv = ['objective_app.py', '-m', 'hydra/sweeper=optuna', 'x=interval(-1,1)', "
             f"'hydra.sweeper.n_trials=2', 'hydra.sweep.dir={tmp_path}/multirun', "
             "'hydra.sweeper.mlflow.tracking_uri=sqlite:///mlflow.db']\n"
             "try:\n    runpy.run_path('objective_app.py', run_name='__main__')\nexcept SystemExit:\n    pass\n"
             "print('HEAVY', sorted(m for m in ('torch', 'gensim', 'datasets') if m in sys.modules))\n")
    done = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert "2 complete" in done.stdout, done.stderr[-2000:]
    # The whole sweep, MLflow parent run and study plots included, ran without the heavy libraries.
    assert "HEAVY []" in done.stdout
