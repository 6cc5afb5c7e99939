"""Seen in a real browser: headless Chromium renders the MLflow UI and the Optuna dashboard.

`.ci/run` installs Debian's chromium when it is missing; the test skips (with the reason) only
when no chromium binary exists at all.
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
from pathlib import Path

import optuna
import pytest

from tests.conftest import REPO, mlflow_runs, run_cli, small_overrides
from tests.test_ui import _read_urls, start_ui

pytestmark = pytest.mark.slow
ARTIFACTS = REPO / "runs" / "test-artifacts" / "browser"


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    pytest.skip("no chromium binary: .ci/run installs Debian's 'chromium' package")


def _render(browser: str, url: str, profile: Path, screenshot: Path) -> str:
    """Screenshot the page and return its DOM after scripts ran (virtual time lets fetches finish)."""
    flags = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
             "--window-size=1400,1000", "--virtual-time-budget=20000"]
    subprocess.run([*flags, f"--screenshot={screenshot}", url], capture_output=True, timeout=120)
    dom = subprocess.run([*flags, "--dump-dom", url], capture_output=True, text=True, timeout=120)
    screenshot.with_suffix(".html").write_text(dom.stdout)
    return dom.stdout


def _text(html: str) -> str:
    """What a reader sees: the DOM without tags, styles and scripts, whitespace collapsed."""
    html = re.sub(r"<style.*?</style>|<script.*?</script>", "", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_study_runs_and_confusion_matrix_are_visible_in_the_uis(tmp_path, tiny_csv):
    browser = _chromium()
    runs = tmp_path / "runs"
    done = run_cli(["-m", *small_overrides(runs, tiny_csv), "optimizer.lr=tag(log,interval(1e-3,1e-1))",
                    "hydra.sweeper.n_trials=2", "hydra.sweeper.study_name=browser-study"], cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    children = [r for r in mlflow_runs(f"sqlite:///{runs}/mlflow.db") if r.data.tags.get("mlflow.parentRunId")]
    study_id = optuna.get_all_study_summaries(f"sqlite:///{runs}/optuna.db")[0]._study_id
    ui = start_ui(runs)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        urls = _read_urls(ui)
        mlflow_url, dashboard_url = urls["MLflow UI"], urls["Optuna dashboard"]
        experiment = children[0].info.experiment_id
        page = _render(browser, f"{mlflow_url}#/experiments/{experiment}/runs", tmp_path / "p1",
                       ARTIFACTS / "mlflow_experiment.png")
        # The study's parent run is listed, with its trial runs nested under it (parent + 2 children).
        assert "study:browser-study" in _text(page) and "3 matching runs" in _text(page), _text(page)[:2000]
        run_page = _render(browser, f"{mlflow_url}#/experiments/{experiment}/runs/{children[0].info.run_id}"
                           f"/artifacts/test_confusion_matrix.png", tmp_path / "p2", ARTIFACTS / "mlflow_confusion.png")
        # A child run's own page shows its name and renders the confusion-matrix image.
        assert children[0].info.run_name in _text(run_page), _text(run_page)[:2000]
        assert "test_confusion_matrix.png" in run_page and "<img" in run_page
        study_page = _render(browser, f"{dashboard_url}studies/{study_id}", tmp_path / "p3",
                             ARTIFACTS / "optuna_study.png")
        assert "browser-study" in _text(study_page), _text(study_page)[:2000]
        for shot in ("mlflow_experiment.png", "mlflow_confusion.png", "optuna_study.png"):
            assert (ARTIFACTS / shot).stat().st_size > 10_000
    finally:
        ui.send_signal(signal.SIGINT)
        ui.wait(timeout=30)
