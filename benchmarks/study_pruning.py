"""Pruning pays: the `imdb` study with median / hyperband pruning vs none, same trials and seed.

Prints wall time of each relative to no pruning and each study's best validation accuracy.
Goal: pruned studies take at most 40% of the time with best accuracy within 0.3 points.

    .venv/bin/python benchmarks/study_pruning.py [--trials 20] [--cache runs]
"""

from __future__ import annotations

import argparse
import tempfile

from _common import REPO, load, scratch_runs_dir, timed_sweep

from optuna.trial import TrialState


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--cache", default=str(REPO / "runs"))
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        runs = scratch_runs_dir(tmp, args.cache)
        for pruner, options in (("none", []), ("median", []),
                                ("hyperband", ["+hydra.sweeper.pruner.options.min_resource=2",
                                               "+hydra.sweeper.pruner.options.max_resource=20"])):
            name = f"pruning-{pruner}"
            seconds = timed_sweep(["hparams_search=imdb", f"paths.runs_dir={runs}", f"hydra.sweeper.n_trials={args.trials}",
                                   f"hydra.sweeper.pruner.name={pruner}", *options,
                                   f"hydra.sweeper.study_name={name}"])
            study = load(runs, name)
            pruned = sum(t.state == TrialState.PRUNED for t in study.trials)
            results[pruner] = (seconds, study.best_value, pruned)
            print(f"{pruner}: {seconds:.1f} s, best {study.best_value:.4f}, {pruned} pruned", flush=True)
    base_time, base_acc, _ = results["none"]
    print(f"imdb study, {args.trials} trials, TPE seed 0, cached features:")
    print(f"{'pruner':>11} {'wall s':>8} {'time vs none':>13} {'best val acc':>13} {'vs none (pt)':>13} {'pruned':>7}")
    for pruner, (seconds, acc, pruned) in results.items():
        print(f"{pruner:>11} {seconds:8.1f} {seconds / base_time:12.0%} {acc:13.4f} {100 * (acc - base_acc):+13.2f} {pruned:7d}")
    print("goal: pruned time <= 40% of none, best accuracy within 0.3 pt")


if __name__ == "__main__":
    main()
