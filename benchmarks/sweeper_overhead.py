"""Per-trial cost of the sweeper on a plain Hydra app, side by side with Hydra's basic sweeper and
the released hydra-optuna-sweeper.

    python benchmarks/sweeper_overhead.py [--peer-python /path/to/peer-venv/bin/python]

One app (``tests/study/apps/objective_app.py``: ``time.sleep(0.5)``, returns a float) is swept with
20 and with 10 trials by each contender, in one run on this machine:

- (a) Hydra's basic sweeper over a 20- (10-) value grid, basic launcher;
- (b) hydra-optuna-sweeper 1.2.0 in its own venv (optuna 2.10.1, SQLAlchemy<2), in memory and
  sqlite — give ``--peer-python``; that venv is made with
  ``python -m venv peer && peer/bin/pip install hydra-optuna-sweeper==1.2.0 optuna==2.10.1 'SQLAlchemy<2'``;
- (c) sweeps' sweeper, in memory and sqlite (MLflow parent run off, as neither peer has one; one
  more row with it on).

``--before-src DIR`` adds sweeps' rows once more with another checkout's ``src`` first on
``PYTHONPATH`` (e.g. ``git archive <commit> src | tar -x -C DIR``): a change's before and after,
side by side in the same run.

Per trial = (wall(20) - wall(10)) / 10 - 0.5 s: what one more trial costs, start-up excluded.
Total = (wall(20) - 10 s) / 20: the issue's "ms per trial over the bare 10 s", start-up included.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
APP = REPO / "tests" / "study" / "apps"
SLEEP = 0.5


def _wall(python: str, args: list[str], cwd: Path, src: str | None = None) -> float:
    """Seconds one sweep takes; ``src`` (a checkout's ``src``) goes first on PYTHONPATH."""
    env = dict(os.environ, PYTHONPATH=src) if src else None
    start = time.perf_counter()
    done = subprocess.run([python, "objective_app.py", "-m", *args], cwd=cwd, capture_output=True, text=True,
                          env=env)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{python} {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    return wall


def _contenders(peer_python: str | None, tmp: Path, before_src: str | None = None) -> dict[str, tuple]:
    ours = sys.executable

    def basic(n):
        return ["hydra/sweeper=basic", f"x=range(0,{n})", f"sleep_s={SLEEP}"]

    def optuna(n, storage, *extra):
        return ["hydra/sweeper=optuna", "x=interval(-1,1)", f"sleep_s={SLEEP}", f"hydra.sweeper.n_trials={n}",
                "hydra.sweeper.n_jobs=1", f"hydra.sweeper.storage={storage}", *extra]

    def fresh_db(name):
        return lambda n: f"sqlite:///{tmp}/{name}-{n}-{time.time_ns()}.db"

    rows = {"(a) Hydra basic sweeper, grid": (ours, basic)}
    if peer_python:
        rows["(b) hydra-optuna-sweeper 1.2.0, memory"] = (peer_python, lambda n: optuna(n, "null"))
        rows["(b) hydra-optuna-sweeper 1.2.0, sqlite"] = (peer_python, lambda n: optuna(n, fresh_db("peer")(n)))
    off = "hydra.sweeper.mlflow.enabled=false"
    rows["(c) sweeps, memory"] = (ours, lambda n: optuna(n, "null", off))
    rows["(c) sweeps, sqlite"] = (ours, lambda n: optuna(n, fresh_db("sweeps")(n), off))
    # A fresh MLflow store per sweep too: both sweeps then pay its creation, and the slope is per trial.
    rows["(c) sweeps, sqlite + MLflow parent run"] = (
        ours, lambda n: optuna(n, fresh_db("sweepsml")(n), f"hydra.sweeper.mlflow.tracking_uri={fresh_db('ml')(n)}"))
    if before_src:
        rows["(c) sweeps before, memory"] = (ours, lambda n: optuna(n, "null", off), before_src)
        rows["(c) sweeps before, sqlite"] = (ours, lambda n: optuna(n, fresh_db("before")(n), off), before_src)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peer-python", help="python of a venv with hydra-optuna-sweeper 1.2.0")
    parser.add_argument("--repeat", type=int, default=3, help="rounds, interleaved; medians are reported")
    parser.add_argument("--before-src", help="another checkout's src/: its sweeps rows too, in the same rounds")
    args = parser.parse_args()
    walls: dict[str, dict[int, list[float]]] = {}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        for name in ("objective_app.py", "objective_app.yaml"):
            shutil.copy(APP / name, tmp / name)
        before = str(Path(args.before_src).resolve()) if args.before_src else None
        contenders = _contenders(args.peer_python, tmp, before)
        for _ in range(args.repeat):  # each round runs every contender once: drift hits all alike
            for label, (python, build, *src) in contenders.items():
                for n in (20, 10):
                    wall = _wall(python, [*build(n), f"hydra.sweep.dir={tmp}/sweep-{time.time_ns()}"], tmp, *src)
                    walls.setdefault(label, {20: [], 10: []})[n].append(wall)
    print(f"{args.repeat} rounds, medians; per trial = (wall 20 - wall 10) / 10 - {SLEEP} s")
    print(f"{'sweeper':42} {'wall 20':>8} {'wall 10':>8} {'per trial':>10} {'total/trial':>12}")
    results = {}
    for label, by_n in walls.items():
        w20, w10 = statistics.median(by_n[20]), statistics.median(by_n[10])
        per_trial, total = (w20 - w10) / 10 - SLEEP, (w20 - 20 * SLEEP) / 20
        results[label] = per_trial
        print(f"{label:42} {w20:7.2f}s {w10:7.2f}s {per_trial * 1000:8.0f} ms {total * 1000:10.0f} ms")
    basic = results["(a) Hydra basic sweeper, grid"]
    for label, per_trial in results.items():
        if label.startswith("(c)"):
            print(f"{label}: {1000 * (per_trial - basic):+.0f} ms per trial vs (a) (goal: within 15 ms)")


if __name__ == "__main__":
    main()
