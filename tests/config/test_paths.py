"""Relative paths mean what the user typed, from the launch directory, whatever
``hydra.job.chdir`` is; printed commands paste as is (issue 18 item 10)."""

from __future__ import annotations

import shlex
from pathlib import Path

from sweeps.config import compose_config, validate_config
from tests.conftest import mlflow_runs, small_overrides, synthetic_rows, write_csv


def test_relative_paths_are_made_absolute_against_the_launch_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ckpt").mkdir()
    (tmp_path / "ckpt" / "last.pt").write_bytes(b"")
    cfg = compose_config(small_overrides(Path("runs"), Path("my.csv")) + [
        "trainer.resume_from=ckpt/last.pt", "tracking.uri=sqlite:///db/mlflow.db"])
    validate_config(cfg)
    assert cfg.paths.runs_dir == str(tmp_path / "runs")
    assert cfg.data.path == str(tmp_path / "my.csv")
    assert cfg.trainer.resume_from == str(tmp_path / "ckpt" / "last.pt")
    assert cfg.tracking.uri == f"sqlite:///{tmp_path}/db/mlflow.db"
    assert cfg.tracking.artifact_location == str(tmp_path / "runs" / "artifacts")
    # An MLflow run id is not a path, and a store URI that interpolates runs_dir follows it.
    run_id = compose_config(small_overrides(Path("runs"), Path("my.csv")) + ["trainer.resume_from=0123abcd"])
    validate_config(run_id)
    assert run_id.trainer.resume_from == "0123abcd" and run_id.tracking.uri == f"sqlite:///{tmp_path}/runs/mlflow.db"


def test_chdir_true_reads_and_writes_where_the_user_launched_and_the_ui_command_pastes(tmp_path, app):
    launch = tmp_path / "my project"  # a space: the printed command must quote it
    launch.mkdir()
    write_csv(launch / "my.csv", synthetic_rows(200))
    # In-process, Hydra really changes the working directory to its output dir for the job.
    done = app(small_overrides(Path("runs"), Path("my.csv")) + ["hydra.job.chdir=true", "trainer.max_epochs=2",
                                                               "tracking.tsne=false"], launch)
    assert done.returncode == 0, done.stderr[-2000:]
    [run] = mlflow_runs(f"sqlite:///{launch}/runs/mlflow.db")
    assert run.info.status == "FINISHED"
    # The printed command, split as a shell would, names the store that was written.
    line = next(ln for ln in done.stdout.splitlines() if "mlflow ui" in ln).split("open it:", 1)[1]
    argv = shlex.split(line)
    assert argv[:2] == ["mlflow", "ui"] and argv[3] == f"sqlite:///{launch}/runs/mlflow.db"
    assert Path(argv[3][len("sqlite:///"):]).is_file()
