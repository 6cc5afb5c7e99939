"""Helpers shared by the study benchmarks: a scratch runs dir that reuses cached features."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import optuna

REPO = Path(__file__).resolve().parents[1]


def scratch_runs_dir(tmp: str, cache_from: str) -> Path:
    runs = Path(tmp) / "runs"
    runs.mkdir()
    (runs / "cache").symlink_to(Path(cache_from).resolve() / "cache")
    return runs


def timed_sweep(args: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "sweeps", "-m", *args], cwd=REPO, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"sweep failed:\n{done.stderr[-3000:]}")
    return time.perf_counter() - start


def load(runs: Path, name: str) -> optuna.Study:
    return optuna.load_study(study_name=name, storage=f"sqlite:///{runs}/optuna.db")
