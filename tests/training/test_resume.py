"""Exact resume after a real SIGKILL, and the checkpoint errors users hit when resuming.

Only the run that is SIGKILLed is a separate process; the reference, the resume and the refusals
run the entry point in this process (``app``), with one torch thread in every run so the numbers
compare exactly across processes."""

from __future__ import annotations

import signal

import pytest

import torch

from sweeps.app import train
from sweeps.config import compose_config
from sweeps.training import load_checkpoint
from tests.conftest import mlflow_runs, run_cli, small_overrides


def _overrides(runs, csv):
    # No early stop: all 6 epochs run in both the reference and the interrupted run; dropout on,
    # so the saved RNG state matters.
    return small_overrides(runs, csv) + ["trainer.max_epochs=6", "trainer.early_stopping.patience=0",
                                         "model.dropout=0.3", "tracking.experiment=resume",
                                         "trainer.num_threads=1"]


def test_sigkill_after_epoch_then_resume_equals_an_uninterrupted_run(tmp_path, tiny_csv, app):
    threads = torch.get_num_threads()
    try:
        reference = train(compose_config(_overrides(tmp_path / "ref", tiny_csv)))
    finally:
        torch.set_num_threads(threads)
    assert reference.stopped_epoch == 6

    runs = tmp_path / "runs"
    uri = f"sqlite:///{runs}/mlflow.db"
    killed = run_cli(_overrides(runs, tiny_csv), cwd=tmp_path, env_extra={"SWEEPS_FAULT_KILL_AFTER_EPOCH": "3"})
    # A real SIGKILL: the process could not clean up, so its MLflow run is still RUNNING.
    assert killed.returncode == -signal.SIGKILL
    [stuck] = mlflow_runs(uri, "resume")
    assert stuck.info.status == "RUNNING"
    assert load_checkpoint(runs / "checkpoints" / stuck.info.run_id / "last.pt")["epoch"] == 3

    resumed = app(_overrides(runs, tiny_csv) + [f"trainer.resume_from={stuck.info.run_id}"], tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    [run] = mlflow_runs(uri, "resume")
    [ref_run] = mlflow_runs(f"sqlite:///{tmp_path / 'ref'}/mlflow.db", "resume")
    # The same MLflow run continued and finished, with the uninterrupted run's numbers exactly.
    assert run.info.run_id == stuck.info.run_id and run.info.status == "FINISHED"
    for key in ("test/acc", "test/loss", "best/val/loss", "best_epoch"):
        assert run.data.metrics[key] == ref_run.data.metrics[key], key
    ours = load_checkpoint(runs / "checkpoints" / run.info.run_id / "last.pt")["model"]
    theirs = load_checkpoint(tmp_path / "ref" / "checkpoints" / ref_run.info.run_id / "last.pt")["model"]
    assert all(torch.equal(ours[k], theirs[k]) for k in theirs)


def test_resume_from_a_corrupt_checkpoint_is_one_clear_line(tmp_path, tiny_csv, app):
    bad = tmp_path / "last.pt"
    bad.write_bytes(b"\x80\x02 definitely not a checkpoint")
    done = app(_overrides(tmp_path / "runs", tiny_csv) + [f"trainer.resume_from={bad}"], tmp_path)
    assert done.returncode == 2 and "last.pt" in done.stderr and "corrupt" in done.stderr
    assert "Traceback" not in done.stderr
    assert mlflow_runs(f"sqlite:///{tmp_path}/runs/mlflow.db", "resume") == []


def test_resume_with_a_changed_model_names_the_key(tmp_path, tiny_csv, app):
    runs = tmp_path / "runs"
    first = app(_overrides(runs, tiny_csv) + ["trainer.max_epochs=2"], tmp_path)
    run_id = first.stdout.split("MLflow run id: ")[1].split()[0]
    done = app(_overrides(runs, tiny_csv) + ["model.hidden_dims=[32]", f"trainer.resume_from={run_id}"], tmp_path)
    assert done.returncode == 2 and "model.hidden_dims" in done.stderr and "Traceback" not in done.stderr
    # The earlier finished run is untouched.
    assert [r.info.status for r in mlflow_runs(f"sqlite:///{runs}/mlflow.db", "resume")] == ["FINISHED"]


def test_unknown_run_id_is_a_clear_error(tmp_path, tiny_csv, app):
    done = app(_overrides(tmp_path / "runs", tiny_csv) + ["trainer.resume_from=0123456789abcdef"], tmp_path)
    assert done.returncode == 2 and "0123456789abcdef" in done.stderr and "Traceback" not in done.stderr


def test_resume_with_a_longer_budget_records_what_it_finished_with(tmp_path, tiny_csv):
    from mlflow.tracking import MlflowClient

    from sweeps.app import train
    from sweeps.config import compose_config

    base = small_overrides(tmp_path / "runs", tiny_csv) + ["trainer.early_stopping.patience=100",
                                                           "tracking.projection_points=0"]
    first = train(compose_config(base + ["trainer.max_epochs=2"]))
    second = train(compose_config(base + ["trainer.max_epochs=4", f"trainer.resume_from={first.run_id}"]))
    [run] = mlflow_runs(first.tracking_uri)
    assert second.run_id == first.run_id and run.info.status == "FINISHED" and second.stopped_epoch == 4
    # MLflow params are immutable: the param keeps the starting value, the resumed.<key> tag and the
    # final config.yaml artifact say what the run finished with.
    assert run.data.params["trainer.max_epochs"] == "2"
    assert run.data.tags["resumed.trainer.max_epochs"] == "4"
    config = MlflowClient(first.tracking_uri).download_artifacts(run.info.run_id, "config.yaml", str(tmp_path))
    assert "max_epochs: 4" in open(config).read()


def test_a_key_added_since_the_checkpoint_reads_as_null():
    from pathlib import Path

    from sweeps.errors import CheckpointError
    from sweeps.training.resume import changed_on_resume, check_compatible

    saved = {"config": {"embeddings": {"dim": 8}}}
    # A knob added since (embeddings.extra_corpus) at its null default changes nothing trained ...
    check_compatible(saved, {"embeddings": {"dim": 8, "extra_corpus": None}}, Path("last.pt"))
    assert changed_on_resume(saved, {"embeddings": {"dim": 8, "extra_corpus": None}}) == {}
    # ... set to something, it does.
    with pytest.raises(CheckpointError, match="embeddings.extra_corpus"):
        check_compatible(saved, {"embeddings": {"dim": 8, "extra_corpus": {"_target_": "x.Y"}}}, Path("last.pt"))
