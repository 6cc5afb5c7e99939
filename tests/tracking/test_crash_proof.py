"""Optional end-of-run steps never take a run down, and a run whose process died is marked KILLED.

Issue 18 item 1: a diverged model's hidden vectors (NaN, inf, all equal) reached scikit-learn's
t-SNE, which segfaulted; the run stayed RUNNING and its artifacts were lost.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import numpy as np
import pytest

from sweeps.analysis.inputs import DegenerateInput, checked_points
from sweeps.analysis.projections import projection_figure
from sweeps.app import train
from sweeps.config import compose_config
from sweeps.tracking import MlflowRun
from sweeps.tracking.orphans import HOST_TAG, ORPHANED_TAG, PID_TAG
from sweeps.tracking.plots import close
from tests.conftest import mlflow_runs, small_overrides, synthetic_rows, write_csv

RNG = np.random.default_rng(0)
HEALTHY = RNG.normal(size=(40, 8))
DEGENERATE = {
    "nan": np.where(RNG.random((40, 8)) < 0.1, np.nan, HEALTHY),
    "inf": np.where(RNG.random((40, 8)) < 0.1, np.inf, HEALTHY),
    "constant": np.ones((40, 8)),
    "one row": HEALTHY[:1],
}


@pytest.mark.parametrize("case", sorted(DEGENERATE))
@pytest.mark.parametrize("method", ["pca", "tsne"])
def test_projection_panel_with_degenerate_vectors_is_left_blank_with_its_reason(case, method):
    points = DEGENERATE[case]
    labels = np.arange(len(points)) % 2
    fig, skipped = projection_figure({"hidden": HEALTHY[: len(points)]}, {"hidden": points}, labels,
                                     ["neg", "pos"], method)
    close(fig)
    # Only the "after" panel is blank: the healthy "before" one still drew (unless 1 row is too few).
    assert any(s.startswith("hidden after training:") for s in skipped)
    assert (len(skipped) == 2) == (case == "one row")


def test_huge_finite_vectors_are_rescaled_not_refused():
    # Values near float32's limit overflowed squared distances inside Barnes-Hut t-SNE.
    points = checked_points(HEALTHY * 1e37, 3)
    assert np.isfinite(points).all() and np.abs(points).max() == pytest.approx(1.0)
    with pytest.raises(DegenerateInput, match="2 vectors, need at least 3"):
        checked_points(HEALTHY[:2], 3, "vectors")


def test_collapsed_model_finishes_with_projections_skipped_and_everything_measured(tmp_path):
    csv = write_csv(tmp_path / "reviews.csv", synthetic_rows(200))
    # Zero-initialised hidden weights never break symmetry: every document maps to one hidden point,
    # before and after training (what a collapsed model gives t-SNE), whatever stops the training.
    cfg = compose_config(small_overrides(tmp_path / "runs", csv) + [
        "model.init=zeros", "trainer.max_epochs=2", "tracking.projection_points=100", "tracking.tsne=true"])
    result = train(cfg)
    run = mlflow_runs(cfg.tracking.uri)[0]
    assert run.info.status == "FINISHED" and run.info.run_id == result.run_id
    # The reason is on the run; the metrics and checkpoints measured before it are all there.
    assert "zero variance" in run.data.tags["sweeps.skipped.projection_tsne"]
    assert "test/acc" in run.data.metrics
    from mlflow.tracking import MlflowClient

    logged = {a.path for a in MlflowClient(cfg.tracking.uri).list_artifacts(result.run_id, "checkpoints")}
    assert logged == {"checkpoints/best.pt", "checkpoints/last.pt"}


def _dead_pid() -> int:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(done.stdout)


def test_next_run_marks_runs_of_dead_processes_on_this_host_killed(tmp_path):
    from mlflow.tracking import MlflowClient

    uri = f"sqlite:///{tmp_path}/mlflow.db"
    with MlflowRun(uri, "sweeps") as first:
        pass
    client = MlflowClient(uri)
    host, dead, alive = socket.gethostname(), str(_dead_pid()), str(os.getppid())
    owners = {"dead": {HOST_TAG: host, PID_TAG: dead}, "alive": {HOST_TAG: host, PID_TAG: alive},
              "other host": {HOST_TAG: host + "-elsewhere", PID_TAG: dead}, "untagged": {}}
    ids = {name: client.create_run(first.experiment_id, tags=tags).info.run_id for name, tags in owners.items()}
    with MlflowRun(uri, "sweeps") as second:
        # A run records who owns it.
        assert client.get_run(second.run_id).data.tags[PID_TAG] == str(os.getpid())
    status = {name: client.get_run(run_id).info.status for name, run_id in ids.items()}
    # Only the run whose process is gone from this host is KILLED, and it says why.
    assert status == {"dead": "KILLED", "alive": "RUNNING", "other host": "RUNNING", "untagged": "RUNNING"}
    assert f"process {dead} on {host}" in client.get_run(ids["dead"]).data.tags[ORPHANED_TAG]
