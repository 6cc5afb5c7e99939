"""Pruning pays: the `imdb` study with each pruner vs none, same trial count and TPE seed.

Prints wall time of each pruned study relative to the unpruned one run beside it, and each
study's best validation accuracy. Goal (issue 8): a pruned study takes at most 40% of the time
with best accuracy within 0.3 points. With ``--seeds N`` every comparison is repeated with N
TPE seeds (a single seed's best value is partly luck: pruning changes what TPE sees next) and
the means are printed too. The ``diagnosis`` row is the diagnosis-aware pruner (median + stop
on a live alarm) of issue 7.

    .venv/bin/python benchmarks/study_pruning.py [--trials 30] [--seeds 2] [--pruners none median hyperband]
"""

from __future__ import annotations

import argparse
import tempfile
from statistics import mean

from _common import REPO, load, scratch_runs_dir, timed_sweep
from optuna.trial import TrialState

# The preset prunes with successive halving (min_resource 1, reduction_factor 3: rungs at epochs
# 1, 3, 9); hyperband takes the same options, the others take none of them.
DROP_OPTIONS = ["~hydra.sweeper.pruner.options.min_resource", "~hydra.sweeper.pruner.options.reduction_factor"]
OPTIONS = {
    "none": DROP_OPTIONS,
    "median": DROP_OPTIONS,
    "diagnosis": DROP_OPTIONS,
    "hyperband": [],
    "successive_halving": [],
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=30, help="trials per study (the preset has 30)")
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--pruners", nargs="+", default=["successive_halving", "hyperband", "median", "diagnosis"], choices=list(OPTIONS))
    parser.add_argument("--cache", default=str(REPO / "runs"))
    parser.add_argument("--keep", metavar="DIR", help="keep the studies' runs dir here (default: a temporary one)")
    args = parser.parse_args()
    rows = []  # (seed, pruner, seconds, best, pruned, alarms)
    with tempfile.TemporaryDirectory() as tmp:
        runs = scratch_runs_dir(args.keep or tmp, args.cache)
        for seed in range(args.seeds):
            for pruner in ["none", *[p for p in args.pruners if p != "none"]]:
                name = f"pruning-{pruner}-seed{seed}"
                seconds = timed_sweep(["hparams_search=imdb", f"paths.runs_dir={runs}",
                                       f"hydra.sweeper.n_trials={args.trials}", f"hydra.sweeper.sampler.seed={seed}",
                                       f"hydra.sweeper.pruner.name={pruner}", *OPTIONS[pruner],
                                       f"hydra.sweeper.study_name={name}"])
                trials = load(runs, name).trials
                pruned = sum(t.state == TrialState.PRUNED for t in trials)
                alarms = sum(bool(t.user_attrs.get("diagnosis.alarm")) for t in trials)
                best = max(t.value for t in trials if t.state == TrialState.COMPLETE)
                rows.append((seed, pruner, seconds, best, pruned, alarms))
                print(f"seed {seed} {pruner}: {seconds:.1f} s, best {best:.4f}, {pruned} pruned, {alarms} alarms",
                      flush=True)
    print(f"\nimdb study, {args.trials} trials per study, cached features:")
    print(f"{'seed':>4} {'pruner':>18} {'wall s':>8} {'time vs none':>13} {'best val acc':>13} {'vs none (pt)':>13} "
          f"{'pruned':>7} {'alarms':>7}")
    base = {seed: (s, b) for seed, p, s, b, _, _ in rows if p == "none"}
    ratios: dict[str, list[tuple[float, float]]] = {}
    for seed, pruner, seconds, best, pruned, alarms in rows:
        ratio, gap = seconds / base[seed][0], 100 * (best - base[seed][1])
        ratios.setdefault(pruner, []).append((ratio, gap))
        print(f"{seed:>4} {pruner:>18} {seconds:8.1f} {ratio:12.0%} {best:13.4f} {gap:+13.2f} {pruned:7d} {alarms:7d}")
    if args.seeds > 1:
        print(f"\nmean over {args.seeds} TPE seeds:")
        for pruner, values in ratios.items():
            print(f"{pruner:>23} {mean(r for r, _ in values):12.0%} of the time, best {mean(g for _, g in values):+.2f} pt")
    print("goal: pruned time <= 40% of none, best accuracy within 0.3 pt")


if __name__ == "__main__":
    main()
