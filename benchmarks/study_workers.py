"""1 vs 2 worker processes on one sqlite storage, same n_trials: wall-time ratio.

On a 2-core machine each worker gets one torch thread, so the comparison is of orchestration
(pulling trials from shared storage), not of thread oversubscription.

    .venv/bin/python benchmarks/study_workers.py [--trials 12] [--cache runs]
"""

from __future__ import annotations

import argparse
import os
import tempfile

from _common import REPO, load, scratch_runs_dir, timed_sweep

from optuna.trial import TrialState


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=12)
    parser.add_argument("--cache", default=str(REPO / "runs"))
    args = parser.parse_args()
    os.environ["OMP_NUM_THREADS"] = "1"  # inherited by the sweep and its workers
    times = {}
    with tempfile.TemporaryDirectory() as tmp:
        runs = scratch_runs_dir(tmp, args.cache)
        for jobs in (1, 2):
            name = f"workers-{jobs}"
            times[jobs] = timed_sweep([f"paths.runs_dir={runs}", "trainer.max_epochs=5", "trainer.early_stopping.patience=0",
                                       "optimizer.lr=tag(log,interval(1e-4,1e-2))", "model.dropout=interval(0,0.5)",
                                       f"hydra.sweeper.n_trials={args.trials}", f"hydra.sweeper.n_jobs={jobs}",
                                       "hydra/sweeper/pruner=none", f"hydra.sweeper.study_name={name}"])
            trials = load(runs, name).trials
            finished = sum(t.state in (TrialState.COMPLETE, TrialState.PRUNED) for t in trials)
            workers = len({t.user_attrs.get("worker") for t in trials if "worker" in t.user_attrs})
            print(f"n_jobs={jobs}: {times[jobs]:6.1f} s, {finished} finished trials, {workers} worker process(es)")
    print(f"2 workers / 1 worker wall time: {times[2] / times[1]:.2f}x (speed-up {times[1] / times[2]:.2f}x)")


if __name__ == "__main__":
    main()
