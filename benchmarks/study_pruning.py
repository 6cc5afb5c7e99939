"""Pruning pays: the `imdb` study with each pruner vs none, same trial count and TPE seed.

Prints wall time of each pruned study relative to the unpruned one run beside it, and each
study's best validation accuracy. Goal (issue 8): a pruned study takes at most 40% of the time
with best accuracy within 0.3 points. With ``--seeds N`` every comparison is repeated with N
TPE seeds and the means are printed too. The ``diagnosis`` row is the diagnosis-aware pruner
(median + stop on a live alarm) of issue 7.

A study's best value is the luckiest of its complete trials: the unpruned study draws 30 of
them, a pruned one a handful, and on 2,500 validation reviews one run's accuracy moves by about
half a point with nothing but its weight init (float rounding alone moved one configuration
0.6 pt). ``--recheck K`` separates a worse configuration from a less lucky draw: it retrains
each study's best configuration with K other model seeds and prints their mean validation and
test accuracy.

    .venv/bin/python benchmarks/study_pruning.py [--trials 30] [--seeds 3] [--recheck 3] [--pruners successive_halving hyperband]
"""

from __future__ import annotations

import argparse
import tempfile
from statistics import mean

from _common import REPO, load, scratch_runs_dir, timed_sweep
from optuna.trial import TrialState

RECHECK_EXPERIMENT = "pruning-recheck"


def recheck(runs, params: dict, seeds: range) -> tuple[float, float]:
    """Mean best val acc and test acc of ``params`` retrained with each of ``seeds`` (the preset's
    epochs and early stopping), in this process."""
    from sweeps.app import train
    from sweeps.config import compose_config

    val, test = [], []
    for seed in seeds:
        overrides = ["hparams_search=imdb", f"paths.runs_dir={runs}", f"seed={seed}",
                     f"tracking.experiment={RECHECK_EXPERIMENT}", *(f"{k}={v}" for k, v in params.items())]
        metrics = train(compose_config(overrides)).metrics
        val.append(metrics["best/val/acc"])
        test.append(metrics["test/acc"])
    return mean(val), mean(test)

# The preset prunes with successive halving, rungs at epochs 1, 3, 9 (hydra/sweeper/pruner=halving_1_3_9);
# the others are the group's options with Optuna's defaults, hyperband with the same rung spacing.
OPTIONS = {
    "none": ["hydra/sweeper/pruner=none"],
    "median": ["hydra/sweeper/pruner=median"],
    "diagnosis": ["hydra/sweeper/pruner=diagnosis"],
    "hyperband": ["hydra/sweeper/pruner=hyperband", "hydra.sweeper.pruner.reduction_factor=3"],
    "successive_halving": ["hydra/sweeper/pruner=halving_1_3_9"],
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=30, help="trials per study (the preset has 30)")
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--pruners", nargs="+", default=["successive_halving", "hyperband", "median", "diagnosis"], choices=list(OPTIONS))
    parser.add_argument("--cache", default=str(REPO / "runs"))
    parser.add_argument("--keep", metavar="DIR", help="keep the studies' runs dir here (default: a temporary one)")
    parser.add_argument("--recheck", type=int, default=0, metavar="K",
                        help="retrain each study's best configuration with K other model seeds")
    args = parser.parse_args()
    rows = []  # [seed, pruner, seconds, best, pruned, alarms, best params]
    with tempfile.TemporaryDirectory() as tmp:
        runs = scratch_runs_dir(args.keep or tmp, args.cache)
        for seed in range(args.seeds):
            for pruner in ["none", *[p for p in args.pruners if p != "none"]]:
                name = f"pruning-{pruner}-seed{seed}"
                seconds = timed_sweep(["hparams_search=imdb", f"paths.runs_dir={runs}",
                                       f"hydra.sweeper.n_trials={args.trials}", f"hydra.sweeper.sampler.seed={seed}",
                                       *OPTIONS[pruner],
                                       f"hydra.sweeper.study_name={name}"])
                study = load(runs, name)
                pruned = sum(t.state == TrialState.PRUNED for t in study.trials)
                alarms = sum(bool(t.user_attrs.get("diagnosis.alarm")) for t in study.trials)
                rows.append((seed, pruner, seconds, study.best_value, pruned, alarms, study.best_params))
                print(f"seed {seed} {pruner}: {seconds:.1f} s, best {study.best_value:.4f}, {pruned} pruned, "
                      f"{alarms} alarms", flush=True)
        # After every timed study, so retraining never shares the machine with one.
        rechecked = {(seed, pruner): recheck(runs, params, range(1, args.recheck + 1))
                     for seed, pruner, *_, params in rows} if args.recheck else {}
    print(f"\nimdb study, {args.trials} trials per study, cached features:")
    extra = f" {'retrained val':>13} {'test':>7}" if rechecked else ""
    print(f"{'seed':>4} {'pruner':>18} {'wall s':>8} {'time vs none':>13} {'best val acc':>13} {'vs none (pt)':>13} "
          f"{'pruned':>7} {'alarms':>7}{extra}")
    base = {seed: (s, b) for seed, p, s, b, *_ in rows if p == "none"}
    summary: dict[str, list[tuple[float, ...]]] = {}
    for seed, pruner, seconds, best, pruned, alarms, _ in rows:
        ratio, gap = seconds / base[seed][0], 100 * (best - base[seed][1])
        line = f"{seed:>4} {pruner:>18} {seconds:8.1f} {ratio:12.0%} {best:13.4f} {gap:+13.2f} {pruned:7d} {alarms:7d}"
        values = (ratio, gap)
        if rechecked:
            val, test = rechecked[seed, pruner]
            line += f" {val:13.4f} {test:7.4f}"
            values += (val, test)
        summary.setdefault(pruner, []).append(values)
        print(line)
    if args.seeds > 1:
        print(f"\nmean over {args.seeds} TPE seeds:")
        for pruner, values in summary.items():
            line = f"{pruner:>23} {mean(v[0] for v in values):5.0%} of the time, best {mean(v[1] for v in values):+.2f} pt"
            if rechecked:
                line += (f"; best configuration retrained with {args.recheck} seeds: val {mean(v[2] for v in values):.4f}, "
                         f"test {mean(v[3] for v in values):.4f}")
            print(line)
    print("goal: pruned time <= 40% of none, best accuracy within 0.3 pt")


if __name__ == "__main__":
    main()
