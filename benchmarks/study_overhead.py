"""Orchestration overhead: a sweep of N fixed short trainings vs the same N trainings in a bare loop.

Both sides are whole processes started the same way (imports included), on the same cached
features, run one after the other. Goal: the sweep costs at most 5% more wall time.

    .venv/bin/python benchmarks/study_overhead.py [--trials 20] [--epochs 5]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

BARE_LOOP = """
import sys
sys.path.insert(0, {repo!r})
from sweeps.config import compose_config
from sweeps.app import train
overrides = {overrides!r}
for i in range({trials}):
    train(compose_config(overrides + [f"optimizer.lr={{1e-3 + i * 1e-5}}"]))
"""


def _timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=REPO, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--cache", default=str(REPO / "runs"), help="runs dir holding the cached IMDB features")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        # Trials skip projections and the vectors artifact; the bare loop does the same work.
        common = [f"paths.runs_dir={tmp}", f"trainer.max_epochs={args.epochs}", "trainer.early_stopping.patience=0",
                  "tracking.projection_points=0", "tracking.log_embeddings=false"]
        # Reuse the features built by earlier runs so both sides only train.
        Path(tmp, "cache").symlink_to(Path(args.cache).resolve() / "cache")
        bare = _timed([sys.executable, "-c", BARE_LOOP.format(repo=str(REPO), overrides=common, trials=args.trials)])
        sweep = _timed([sys.executable, "-m", "sweeps", "-m", *common, "optimizer.lr=interval(1e-3,1.2e-3)",
                        f"hydra.sweeper.n_trials={args.trials}", "hydra/sweeper/pruner=none",
                        "hydra.sweeper.study_name=overhead"])
    per_trial = (sweep - bare) / args.trials
    print(f"{args.trials} trainings of {args.epochs} epochs on cached IMDB features:")
    print(f"  bare Python loop   {bare:7.1f} s")
    print(f"  sweeps Optuna sweep {sweep:6.1f} s  (sqlite storage, MLflow parent + children, heartbeat, per-epoch reports)")
    print(f"  overhead {100 * (sweep / bare - 1):+.1f}%  ({per_trial * 1000:.0f} ms per trial; goal <= +5%)")


if __name__ == "__main__":
    main()
