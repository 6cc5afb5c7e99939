"""``python -m sweeps`` as a user runs it: help, config printing, a real run, and bad input.

The entry point runs in this process (``app``: same Hydra main, same argv parsing, exit status from
SystemExit); a few cases also run as a real subprocess, where the exit status and the absence of a
traceback on the real stderr are what is checked."""

from __future__ import annotations

import pytest

from tests.conftest import REPO, mlflow_runs, run_cli, small_overrides, synthetic_rows, write_csv


def test_help_lists_groups_and_cfg_job_prints_the_config(tmp_path, app):
    shown = app(["--help"], tmp_path)
    assert shown.returncode == 0
    listed = next(line for line in shown.stdout.splitlines() if line.startswith("optimizer: ")).split(": ")[1]
    # Every optimizer and nothing else: the typed schemas the variants extend sit outside the groups.
    assert set(listed.split(", ")) == {"adam", "adamw", "momentum", "rmsprop", "sgd"}
    assert "schema" not in shown.stdout.split("== Composed config")[0]
    assert "hidden_dims" in shown.stdout
    job = app(["--cfg", "job", "optimizer=sgd", "model.hidden_dims=[64,32]"], tmp_path)
    # The composed config reflects the overrides, and nothing ran (no runs/ dir created).
    assert job.returncode == 0 and "_target_: torch.optim.SGD" in job.stdout and "- 64\n  - 32" in job.stdout
    assert not (tmp_path / "runs").exists()
    # The hidden schema still types the variant (Hydra's "extending configs"): a misspelt key is refused.
    typo = app(["--cfg", "job", "optimizer=sgd", "optimizer.lrr=0.1"], tmp_path)
    assert typo.returncode != 0 and "lrr" in typo.stderr


def test_cli_run_prints_accuracy_run_id_and_ui_command(tmp_path, tiny_csv):
    # Two epochs, PCA only: what is checked here is the process and what it prints, not the training.
    # A new runs dir: the store is created by this first run, as in a user's first command.
    done = run_cli(small_overrides(tmp_path / "runs", tiny_csv, new_store=True) + ["trainer.max_epochs=2"],
                   cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    run_id = done.stdout.split("MLflow run id: ")[1].split()[0]
    runs = mlflow_runs(f"sqlite:///{tmp_path}/runs/mlflow.db")
    # The printed id is the one finished run in the store, and the printed accuracy is its test/acc.
    assert [r.info.run_id for r in runs] == [run_id] and runs[0].info.status == "FINISHED"
    assert f"test accuracy {runs[0].data.metrics['test/acc']:.4f}" in done.stdout
    assert "mlflow ui --backend-store-uri sqlite:///" in done.stdout and "--host 127.0.0.1" in done.stdout


def check_printed_best_is_the_stored_best(stdout: str, storage: str):
    """The summary's "best trial N: best/val/acc=V, test/acc=T  (MLflow run R)" line is the study's
    best trial as Optuna stored it; returns that trial."""
    import optuna

    [line] = [ln for ln in stdout.splitlines() if ln.startswith("best trial ")]
    number = int(line.split()[2].rstrip(":"))
    value = float(line.split("best/val/acc=")[1].split(",")[0])
    test_acc = float(line.split("test/acc=")[1].split()[0])
    run_id = line.split("(MLflow run ")[1].rstrip(")")
    [summary] = optuna.get_all_study_summaries(storage)
    best = optuna.load_study(study_name=summary.study_name, storage=storage).best_trial
    assert number == best.number and value == pytest.approx(best.value, abs=5e-5)
    assert test_acc == pytest.approx(best.user_attrs["test/acc"], abs=5e-5)
    assert run_id == best.user_attrs["mlflow_run_id"]
    return best


def test_a_sweep_prints_the_best_trial_optuna_stored(tmp_path, tiny_csv, app):
    """``python -m sweeps -m`` end to end (in-process): two trials on the small data, each an MLflow
    child run of the study, and the printed best trial is the one in the Optuna storage."""
    done = app(["-m", *small_overrides(tmp_path / "runs", tiny_csv), "trainer.max_epochs=3",
                "optimizer.lr=tag(log,interval(1e-3,1e-1))", "hydra.sweeper.n_trials=2"], tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    best = check_printed_best_is_the_stored_best(done.stdout, f"sqlite:///{tmp_path}/runs/optuna.db")
    children = [r for r in mlflow_runs(f"sqlite:///{tmp_path}/runs/mlflow.db") if "mlflow.parentRunId" in r.data.tags]
    assert len(children) == 2 and {r.info.status for r in children} == {"FINISHED"}
    [best_run] = [r for r in children if r.info.run_id == best.user_attrs["mlflow_run_id"]]
    assert best_run.data.metrics["best/val/acc"] == pytest.approx(best.value)


def _bad_input_cases(tmp_path):
    csv = write_csv(tmp_path / "ok.csv", synthetic_rows(60))
    one_class = write_csv(tmp_path / "one.csv", [(t, 1) for t, _ in synthetic_rows(20)])
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    vectors = tmp_path / "vectors.txt"
    vectors.write_bytes(b"\x00\x01 not vectors")
    rare = write_csv(tmp_path / "rare.csv", synthetic_rows(60) + [("so so", "neutral"), ("meh", "neutral")])
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes("text,label\n".encode() + "".join(f"caf\u00e9 {t},{y}\n" for t, y in synthetic_rows(60)).encode("latin-1"))
    base = small_overrides(tmp_path / "runs", csv)
    return {
        "unknown key": (base + ["model.dropuot=0.1"], "dropuot"),
        "unknown group choice": (base + ["optimizer=adamm"], "adamm"),
        "wrong type": (base + ["data.batch_size=big"], "data.batch_size"),
        "lr <= 0": (base + ["optimizer.lr=0"], "optimizer.lr"),
        "batch < 1": (base + ["data.batch_size=0"], "data.batch_size"),
        "fractions": (base + ["data.val_fraction=0.6", "data.test_fraction=0.5"], "data.val_fraction"),
        "missing file": (base + [f"data.path={tmp_path / 'absent.csv'}"], "absent.csv"),
        "empty file": (base + [f"data.path={empty}"], "empty.csv"),
        "missing column": (base + ["data.text_column=review"], "review"),
        "single class": (base + [f"data.path={one_class}"], "single class"),
        "unreadable vectors": (small_overrides(tmp_path / "runs", csv, embeddings="file")
                               + [f"embeddings.path={vectors}"], "vectors.txt"),
        "class with 2 rows": (base + [f"data.path={rare}"], "class 'neutral' has 2 rows"),
        "not utf-8": (base + [f"data.path={latin1}"], "data.encoding=latin-1"),
    }


CASES = ["unknown key", "unknown group choice", "wrong type", "lr <= 0", "batch < 1", "fractions",
         "missing file", "empty file", "missing column", "single class", "unreadable vectors",
         "class with 2 rows", "not utf-8"]


def _check_refused(done, tmp_path, named):
    assert done.returncode != 0
    # The message names the key or file, and no Python traceback is shown.
    assert named in done.stderr and "Traceback" not in done.stderr + done.stdout
    # Nothing is left RUNNING (here: no run was even created, most often not even the store).
    store = tmp_path / "runs" / "mlflow.db"
    assert not store.exists() or all(r.info.status != "RUNNING" for r in mlflow_runs(f"sqlite:///{store}"))


@pytest.mark.parametrize("case", CASES)
def test_bad_input_is_one_clear_line_nonzero_exit_no_traceback(tmp_path, case, app):
    overrides, named = _bad_input_cases(tmp_path)[case]
    _check_refused(app(overrides, tmp_path), tmp_path, named)


# One case per way a command is refused: Hydra's composition error, sweeps' config validation, and
# a data error raised while loading; as a real process, whose exit status and stderr are the user's.
@pytest.mark.parametrize("case", ["unknown key", "lr <= 0", "missing file"])
def test_bad_input_in_a_real_process_exits_nonzero_without_a_traceback(tmp_path, case):
    overrides, named = _bad_input_cases(tmp_path)[case]
    _check_refused(run_cli(overrides, cwd=tmp_path), tmp_path, named)


@pytest.mark.slow
def test_readme_main_job_on_embedded_imdb_reaches_080(tmp_path):
    """The README's main command, default config, full embedded IMDB, cold cache."""
    done = run_cli([f"paths.runs_dir={tmp_path / 'runs'}"], cwd=REPO, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    accuracy = float(done.stdout.split("test accuracy ")[1].split()[0])
    assert accuracy >= 0.80


@pytest.mark.slow
def test_readme_main_command_runs_the_quick_study_and_points_at_both_uis(tmp_path):
    """The README's first command: `python -m sweeps -m hparams_search=quick` on embedded IMDB."""
    done = run_cli(["-m", "hparams_search=quick", f"paths.runs_dir={tmp_path / 'runs'}"], cwd=REPO, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    import optuna

    [summary] = optuna.get_all_study_summaries(f"sqlite:///{tmp_path}/runs/optuna.db")
    trials = optuna.load_study(study_name=summary.study_name, storage=f"sqlite:///{tmp_path}/runs/optuna.db").trials
    # A dozen finished trials, some pruned; the summary names the best trial with val and test accuracy.
    assert sum(t.state.name in ("COMPLETE", "PRUNED") for t in trials) == 12
    assert "mlflow ui --backend-store-uri" in done.stdout and "optuna-dashboard sqlite:///" in done.stdout
    best = check_printed_best_is_the_stored_best(done.stdout, f"sqlite:///{tmp_path}/runs/optuna.db")
    assert best.value >= 0.78
