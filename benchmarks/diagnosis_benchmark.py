"""How well the diagnoser labels runs it did not see being built (issue 7's measured quality).

Every `conf/pathology` preset x seeds x data sets, at several strengths (an extra override per
seed), each run for real with `python -m sweeps +pathology=...`; the expected label is the
preset's. Prints the confusion matrix, per-label precision/recall, macro-F1, the median epoch of
first detection (as a share of the epoch budget) for the alarming labels, and the same numbers
for a baseline using only AUTOTRAINER-style gradient thresholds. `--repair-seeds N` also runs one
repair study (`python -m sweeps.diagnose run_id=... repair=true seeds=N`) per broken preset and
data set (its seed-0 run) and reports the success rate: a fix accepted beyond seed noise, with the
preset's pathology gone.

    .venv/bin/python benchmarks/diagnosis_benchmark.py [--seeds 3] [--data imdb bbc_news] [--jobs 2] [--repair-seeds 2]

False alarms on real studies (issue 20): `--studies DIR [DIR ...]` reads every study trial from
the MLflow stores under those runs dirs (any `python -m sweeps -m ...` run there), saves their
histories to `<workdir>/studies.json`, and prints each trial's labels next to its accuracy; goal:
at most 1 non-healthy label among trials within 2 points of their study's best. With `--offline`
the saved histories are re-scored without MLflow or training; `--backfill-linear` first fits the
linear reference (``data/linear_baseline_val_acc``) for histories recorded before runs logged it. `--extra` also runs EXTRA_CASES
(issue 20's overfitting case and its variants, plain configs with a known pathology).

    .venv/bin/python benchmarks/diagnosis_benchmark.py --studies /tmp/me/runs --workdir /tmp/me/bench
    .venv/bin/python benchmarks/diagnosis_benchmark.py --studies --offline --workdir /tmp/me/bench

Everything lives in --workdir (its own MLflow/Optuna dbs, features cache shared with runs/): runs
already recorded there are not re-run, so an interrupted benchmark continues, and `--offline`
re-diagnoses the saved histories without training (for re-tuning thresholds).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from statistics import median

from _common import REPO
from mlflow import MlflowClient

from sweeps.baselines.reference import linear_reference
from sweeps.config import compose_config
from sweeps.diagnosis import label_counts
from sweeps.diagnosis.diagnoser import diagnose
from sweeps.diagnosis.facts import LINEAR_VAL_ACC, RunFacts
from sweeps.diagnosis.findings import LABELS
from sweeps.tracking.run_history import run_data_metrics, run_history
from sweeps.diagnosis.rules import dying_relu, exploding_gradients, vanishing_gradients

# Per seed, one strength variation of each preset: the benchmark is not one fixed config per label.
# Seeds 0-2 take the first three (rules and thresholds were revised while looking at those runs);
# seeds 3-5 the next three, chosen before any of them was run (the first held-out check; the
# rules were revised again on its mistakes); seeds 6-8 the last three, chosen and run after that
# second revision with the rules frozen: `--seeds 9 --report-seeds 6 7 8` (`--run-seeds 6 7 8` runs only those).
# Seeds 9-11 the three after those, chosen (session 8) after re-running 6-8 on the skip-gram
# features and revising the rules on those mistakes, before any was run: `--run-seeds 9 10 11`.
# Seeds 12-14 the three after those (session 9), chosen after the linear reference was added (the
# rules revised on seeds 9-11's mistakes), committed before any was run: `--run-seeds 12 13 14`. Two
# choices follow what seeds 0-11 showed about the presets, not about the rules: dying_relu's momentum
# SGD stays at lr <= 0.3 (BBC News diverged to NaN in epoch 1 from lr 0.4 on, IMDB from 0.8: that is
# exploding gradients, not dead units), and noisy_training stays at or beyond its preset's batch 4 /
# lr 0.01 (IMDB at batch 3-6 with lr <= 0.015 settled at its ceiling: no harm to find).
# Seeds 15-17 the three after those, chosen after revising lr_too_low on seeds 12-14's mistakes (its
# curve path now needs small steps: tiny models on BBC News creeping with healthy-sized steps had read
# lr_too_low), committed before any was run with the rules frozen: `--run-seeds 15 16 17`.
# Seeds 18-20 the three after those, for the shipped rules (after one more fix made on seeds 15-17:
# tiny steps never overshoot), committed before any was run: `--run-seeds 18 19 20`.
# Seeds 21-23 the three after those (session 10), committed before any was run with the rules frozen
# (after one fix: an accuracy gap must hold over the last two epochs), in the ranges seeds 6-20 and
# probe runs showed produce each pathology on both corpora: dying_relu's preset now trains on raw
# (unstandardized) features at lr 0.3 (units die over the epochs on both corpora; standardized BBC
# News overflowed first), so its strengths stay at lr 0.28-0.36; lr_too_high at lr >= 7 with batches
# <= 64 (BBC News at lr <= 6.5 or batch 128 zigzags below guessing's loss: noisy_training);
# noisy_training at batch 3-5 with lr 0.021-0.024 (IMDB at lr <= 0.018 settled at its ceiling);
# underfitting with 3-4-d vectors (2-d vectors on IMDB carry no signal: uninformative_inputs);
# vanishing_gradients never with a larger lr on a tiny init (those steps are large next to the weights).
# Seeds 24-26 the three after those, committed before any was run with the rules unchanged since
# seeds 21-23 were chosen (none was revised on their mistakes). dying_relu's strength is set per data
# set: on BBC News momentum SGD at lr 0.28-0.32 left 74-93% of units dead in a run still reaching
# 0.90 (no harm: an observation, noisy_training its headline), lr 0.36 (seed 22) and 0.4 (a probe)
# killed the layer (BBC rates above 0.4 untried before); on IMDB lr 0.25-0.36 did. lr_too_high stays
# at lr >= 9.5 (BBC News at 7.5 kept its loss just under the overshoot line).
# Seeds 27-29 the three after those, committed before any was run, the rules still unchanged since
# seeds 21-23, the strengths beside those of seeds 0-26 (not narrowed on 24-26's misses; new values
# of the same knobs, a few just outside 21-26's: 5-d vectors, exploding lr 0.038, dropout 0.35):
# seeds 21-29 are then 162 runs held out for these rules.
STRENGTHS = {
    "healthy": [[], ["model.hidden_dims=[256]"], ["optimizer.lr=0.002"],
                ["data.batch_size=32"], ["model.dropout=0.3"], ["model.hidden_dims=[64]"],
                ["optimizer.lr=0.0005"], ["data.batch_size=128"], ["model.hidden_dims=[128,64]"],
                ["model.hidden_dims=[192]"], ["optimizer.lr=0.0015", "data.batch_size=48"], ["model.dropout=0.1"],
                ["model.hidden_dims=[96]"], ["optimizer.lr=0.0008", "data.batch_size=64"], ["model.dropout=0.2", "model.hidden_dims=[160]"],
                ["model.hidden_dims=[112]"], ["optimizer.lr=0.0012"], ["data.batch_size=96"],
                ["model.hidden_dims=[224]"], ["optimizer.lr=0.0007"], ["model.dropout=0.15", "data.batch_size=48"],
                ["model.hidden_dims=[144]"], ["optimizer.lr=0.0009", "data.batch_size=80"], ["model.dropout=0.25"],
                ["model.hidden_dims=[176]"], ["optimizer.lr=0.0011", "data.batch_size=56"], ["model.dropout=0.05"],
                ["model.hidden_dims=[208]"], ["optimizer.lr=0.0013", "data.batch_size=72"], ["model.dropout=0.35"]],
    "overfitting": [[], ["optimizer.lr=0.02"], ["model.hidden_dims=[512]"],
                    ["data.subset=50"], ["embeddings.dim=128"], ["optimizer.lr=0.005"],
                    ["data.subset=80"], ["model.hidden_dims=[1024]"], ["embeddings.dim=32"],
                    ["data.subset=120"], ["model.hidden_dims=[384]", "optimizer.lr=0.008"], ["embeddings.dim=96"],
                    ["data.subset=60"], ["model.hidden_dims=[768]"], ["embeddings.dim=48", "optimizer.lr=0.015"],
                    ["data.subset=70"], ["model.hidden_dims=[640]"], ["embeddings.dim=80", "optimizer.lr=0.012"],
                    ["data.subset=90"], ["model.hidden_dims=[896]"], ["embeddings.dim=112", "optimizer.lr=0.006"],
                    ["data.subset=110"], ["model.hidden_dims=[448]"], ["embeddings.dim=72", "optimizer.lr=0.009"],
                    ["data.subset=85"], ["model.hidden_dims=[576]"], ["embeddings.dim=56", "optimizer.lr=0.011"],
                    ["data.subset=95"], ["model.hidden_dims=[320]"], ["embeddings.dim=88", "optimizer.lr=0.007"]],
    "underfitting": [[], ["model.hidden_dims=[2]"], ["embeddings.dim=3"],
                     ["model.hidden_dims=[3]"], ["embeddings.dim=2"], ["embeddings.dim=6", "model.hidden_dims=[2]"],
                     ["embeddings.dim=5"], ["model.hidden_dims=[1]"], ["embeddings.dim=4", "model.hidden_dims=[6]"],
                     ["embeddings.dim=3", "model.hidden_dims=[3]"], ["model.hidden_dims=[2]", "embeddings.dim=8"],
                     ["embeddings.dim=2", "model.hidden_dims=[4]"],
                     ["model.hidden_dims=[2]", "embeddings.dim=4"], ["embeddings.dim=3"], ["model.hidden_dims=[1]", "embeddings.dim=6"],
                     ["model.hidden_dims=[3]", "embeddings.dim=5"], ["embeddings.dim=2", "model.hidden_dims=[2]"], ["model.hidden_dims=[1]"],
                     ["embeddings.dim=3", "model.hidden_dims=[5]"], ["model.hidden_dims=[2]", "embeddings.dim=5"], ["embeddings.dim=4", "model.hidden_dims=[3]"],
                     ["model.hidden_dims=[2]", "embeddings.dim=3"], ["model.hidden_dims=[1]", "embeddings.dim=4"], ["embeddings.dim=3", "model.hidden_dims=[4]"],
                     ["model.hidden_dims=[1]", "embeddings.dim=3"], ["model.hidden_dims=[2]", "embeddings.dim=4"], ["model.hidden_dims=[3]", "embeddings.dim=4"],
                     ["model.hidden_dims=[1]", "embeddings.dim=5"], ["model.hidden_dims=[2]"], ["embeddings.dim=3", "model.hidden_dims=[2]"]],
    "lr_too_high": [[], ["optimizer.lr=8.0"], ["optimizer.lr=3.0"],
                    ["optimizer.lr=2.0"], ["optimizer.lr=12.0"], ["optimizer.lr=4.0", "model.hidden_dims=[256]"],
                    ["optimizer.lr=6.0"], ["optimizer.lr=2.5"], ["optimizer.lr=10.0", "data.batch_size=128"],
                    ["optimizer.lr=7.0"], ["optimizer.lr=3.5", "data.batch_size=32"], ["optimizer.lr=15.0"],
                    ["optimizer.lr=9.0"], ["optimizer.lr=5.0", "model.hidden_dims=[192]"], ["optimizer.lr=4.5", "data.batch_size=64"],
                    ["optimizer.lr=11.0"], ["optimizer.lr=6.5", "model.hidden_dims=[160]"], ["optimizer.lr=5.5", "data.batch_size=48"],
                    ["optimizer.lr=13.0"], ["optimizer.lr=8.5", "model.hidden_dims=[224]"], ["optimizer.lr=3.0", "data.batch_size=128"],
                    ["optimizer.lr=7.5"], ["optimizer.lr=10.0", "model.hidden_dims=[192]"], ["optimizer.lr=12.0", "data.batch_size=48"],
                    ["optimizer.lr=9.5"], ["optimizer.lr=11.5", "model.hidden_dims=[160]"], ["optimizer.lr=14.0", "data.batch_size=56"],
                    ["optimizer.lr=10.5"], ["optimizer.lr=13.0", "model.hidden_dims=[176]"], ["optimizer.lr=9.5", "data.batch_size=40"]],
    "lr_too_low": [[], ["optimizer.lr=0.00005"], ["optimizer.lr=0.0002"],
                   ["optimizer.lr=0.00003"], ["data.batch_size=128"], ["optimizer.lr=0.00015"],
                   ["optimizer.lr=0.00008"], ["optimizer.lr=0.00004"], ["data.batch_size=32"],
                   ["optimizer.lr=0.00006"], ["optimizer.lr=0.00012"], ["optimizer.lr=0.00003", "data.batch_size=32"],
                   ["optimizer.lr=0.00007"], ["optimizer.lr=0.00005", "data.batch_size=48"], ["optimizer.lr=0.0001", "data.batch_size=96"],
                   ["optimizer.lr=0.00009"], ["optimizer.lr=0.00004", "data.batch_size=96"], ["optimizer.lr=0.00006", "data.batch_size=48"],
                   ["optimizer.lr=0.00011"], ["optimizer.lr=0.00003", "data.batch_size=64"], ["optimizer.lr=0.00008", "data.batch_size=128"],
                   ["optimizer.lr=0.00007", "data.batch_size=80"], ["optimizer.lr=0.00013"], ["optimizer.lr=0.00004", "data.batch_size=112"],
                   ["optimizer.lr=0.00009", "data.batch_size=72"], ["optimizer.lr=0.00005", "data.batch_size=40"], ["optimizer.lr=0.00012", "data.batch_size=64"],
                   ["optimizer.lr=0.00006", "data.batch_size=56"], ["optimizer.lr=0.0001", "data.batch_size=88"], ["optimizer.lr=0.00014"]],
    "exploding_gradients": [[], ["model.init_std=0.8"], ["optimizer.lr=0.03"],
                            ["model.init_std=0.6"], ["model.init_std=1.0"], ["optimizer.lr=0.02"],
                            ["model.init_std=0.7"], ["optimizer.lr=0.05"], ["model.init_std=0.9", "optimizer.lr=0.005"],
                            ["model.init_std=0.75"], ["optimizer.lr=0.04"], ["model.init_std=1.2"],
                            ["model.init_std=0.85"], ["optimizer.lr=0.035"], ["model.init_std=0.65", "optimizer.lr=0.02"],
                            ["model.init_std=0.95"], ["optimizer.lr=0.045"], ["model.init_std=0.7", "optimizer.lr=0.015"],
                            ["model.init_std=1.1"], ["optimizer.lr=0.025"], ["model.init_std=0.8", "optimizer.lr=0.008"],
                            ["model.init_std=0.72"], ["optimizer.lr=0.028"], ["model.init_std=0.88", "optimizer.lr=0.012"],
                            ["model.init_std=0.78"], ["optimizer.lr=0.032"], ["model.init_std=0.68", "optimizer.lr=0.018"],
                            ["model.init_std=0.82"], ["optimizer.lr=0.038"], ["model.init_std=0.74", "optimizer.lr=0.014"]],
    "vanishing_gradients": [[], ["model.init_std=0.005"], ["model.hidden_dims=[64,64,64,64,64,64,64,64,64,64]"],
                            ["model.init_std=0.02"], ["model.hidden_dims=[128,128,128,128,128,128]"],
                            ["model.init_std=0.003"],
                            ["model.init_std=0.008"], ["model.hidden_dims=[96,96,96,96,96,96,96,96]"],
                            ["optimizer.lr=0.005"],
                            ["model.init_std=0.004"], ["model.hidden_dims=[80,80,80,80,80,80,80,80,80]"],
                            ["model.init_std=0.01"],
                            ["model.init_std=0.006"], ["model.hidden_dims=[112,112,112,112,112,112,112,112]"],
                            ["model.init_std=0.015", "optimizer.lr=0.02"],
                            ["model.init_std=0.007"], ["model.hidden_dims=[72,72,72,72,72,72,72,72,72,72]"],
                            ["model.init_std=0.012", "optimizer.lr=0.015"],
                            ["model.init_std=0.009"], ["model.hidden_dims=[160,160,160,160,160,160,160,160]"],
                            ["model.init_std=0.005", "optimizer.lr=0.02"],
                            ["model.init_std=0.0065"], ["model.hidden_dims=[100,100,100,100,100,100,100,100]"],
                            ["model.init_std=0.011", "optimizer.lr=0.008"],
                            ["model.init_std=0.0075"], ["model.hidden_dims=[90,90,90,90,90,90,90,90,90]"],
                            ["model.init_std=0.0045", "optimizer.lr=0.006"],
                            ["model.init_std=0.0055"], ["model.hidden_dims=[120,120,120,120,120,120,120,120]"],
                            ["model.init_std=0.0085", "optimizer.lr=0.007"]],
    "dying_relu": [[], ["optimizer.lr=1.0"], ["optimizer.lr=0.3"],
                   ["optimizer.lr=0.7"], ["optimizer.lr=2.0"], ["model.hidden_dims=[512,512]"],
                   ["model.hidden_dims=[128,128]"], ["optimizer.lr=1.5"], ["optimizer.lr=0.4"],
                   ["optimizer.lr=0.8"], ["optimizer.lr=0.6", "model.hidden_dims=[384,384]"], ["optimizer.lr=1.2"],
                   ["optimizer.lr=0.3", "model.hidden_dims=[384,384]"], ["optimizer.lr=0.25"],
                   ["optimizer.lr=0.3", "model.hidden_dims=[192,192]"],
                   ["optimizer.lr=0.2", "model.hidden_dims=[320,320]"], ["optimizer.lr=0.3", "data.batch_size=32"],
                   ["optimizer.lr=0.28"],
                   ["optimizer.lr=0.22", "model.hidden_dims=[288,288]"], ["optimizer.lr=0.3", "data.batch_size=128"],
                   ["optimizer.lr=0.26", "model.hidden_dims=[224,224]"],
                   ["optimizer.lr=0.32"], ["optimizer.lr=0.36", "model.hidden_dims=[320,320]"],
                   ["optimizer.lr=0.28", "data.batch_size=48"],
                   {"imdb": ["optimizer.lr=0.3"], "bbc_news": ["optimizer.lr=0.42"]},
                   {"imdb": ["optimizer.lr=0.34", "model.hidden_dims=[288,288]"],
                    "bbc_news": ["optimizer.lr=0.38", "model.hidden_dims=[288,288]"]},
                   {"imdb": ["optimizer.lr=0.27", "data.batch_size=56"], "bbc_news": ["optimizer.lr=0.45", "data.batch_size=56"]},
                   {"imdb": ["optimizer.lr=0.29"], "bbc_news": ["optimizer.lr=0.4"]},
                   {"imdb": ["optimizer.lr=0.33", "model.hidden_dims=[240,240]"],
                    "bbc_news": ["optimizer.lr=0.37", "model.hidden_dims=[240,240]"]},
                   {"imdb": ["optimizer.lr=0.31", "data.batch_size=72"], "bbc_news": ["optimizer.lr=0.43", "data.batch_size=72"]}],
    "noisy_training": [[], ["optimizer.lr=0.02"], ["data.batch_size=8", "optimizer.lr=0.03"],
                       ["data.batch_size=6"], ["optimizer.lr=0.015"], ["data.batch_size=4", "optimizer.lr=0.005"],
                       ["optimizer.lr=0.02", "model.hidden_dims=[256]"], ["data.batch_size=5"], ["optimizer.lr=0.012"],
                       ["data.batch_size=3"], ["optimizer.lr=0.025"], ["data.batch_size=6", "optimizer.lr=0.015"],
                       ["data.batch_size=4", "optimizer.lr=0.02"], ["data.batch_size=2"], ["data.batch_size=3", "optimizer.lr=0.015"],
                       ["data.batch_size=4", "optimizer.lr=0.015"], ["data.batch_size=2", "optimizer.lr=0.012"],
                       ["data.batch_size=3", "optimizer.lr=0.02"],
                       ["data.batch_size=4", "optimizer.lr=0.018"], ["data.batch_size=2", "optimizer.lr=0.01"],
                       ["data.batch_size=5", "optimizer.lr=0.02"],
                       ["data.batch_size=4", "optimizer.lr=0.022"], ["data.batch_size=3", "optimizer.lr=0.024"],
                       ["data.batch_size=5", "optimizer.lr=0.021"],
                       ["data.batch_size=4", "optimizer.lr=0.024"], ["data.batch_size=3", "optimizer.lr=0.022"],
                       ["data.batch_size=5", "optimizer.lr=0.025"],
                       ["data.batch_size=4", "optimizer.lr=0.023"], ["data.batch_size=5", "optimizer.lr=0.022"],
                       ["data.batch_size=3", "optimizer.lr=0.025"]],
}
# Plain configs (no preset) with a known pathology, scored like the presets. Issue 20's case: 300
# IMDB reviews, GloVe 50d, MLP [512,512], no dropout, Adam 3e-3, 80 epochs; then other sizes,
# widths and optimizers. Chosen before any was run.
_OVERFIT = ["embeddings=glove50", "model.dropout=0.0", "trainer.early_stopping.patience=0"]
EXTRA_CASES = {
    "overfitting": {
        "issue20": [*_OVERFIT, "data.subset=300", "model.hidden_dims=[512,512]", "optimizer=adam",
                    "optimizer.lr=0.003", "trainer.max_epochs=80"],
        "n1000": [*_OVERFIT, "data.subset=1000", "model.hidden_dims=[512,512]", "optimizer=adam",
                  "optimizer.lr=0.003", "trainer.max_epochs=60"],
        "wide_adamw": [*_OVERFIT, "data.subset=500", "model.hidden_dims=[1024]", "optimizer=adamw",
                       "optimizer.lr=0.002", "optimizer.weight_decay=0.0", "trainer.max_epochs=60"],
        "deep_momentum": [*_OVERFIT, "data.subset=300", "model.hidden_dims=[512,512,512]", "optimizer=momentum",
                          "optimizer.lr=0.05", "trainer.max_epochs=80"],
        # Round 2, chosen after the two above did not overfit (wide_adamw: 8-point gap, flat val
        # loss; deep_momentum: unstable, val loss zigzagging), both read as such by the diagnoser.
        "adamw_256x2": [*_OVERFIT, "data.subset=300", "model.hidden_dims=[256,256]", "optimizer=adamw",
                        "optimizer.lr=0.003", "optimizer.weight_decay=0.0", "trainer.max_epochs=80"],
        "momentum_slow": [*_OVERFIT, "data.subset=300", "model.hidden_dims=[512,512]", "optimizer=momentum",
                          "optimizer.lr=0.01", "trainer.max_epochs=120"],
    },
}
# The control must be healthy on each data set. On BBC News the default Word2Vec, trained on 1.5k
# documents, gives weak inputs on which about half the ReLUs die: the diagnoser's dying_relu is
# right there, so BBC's healthy control uses the pretrained GloVe vectors instead.
DATA_OVERRIDES = {("bbc_news", "healthy"): ["embeddings=glove50"]}
ALARMING = ("exploding_gradients", "vanishing_gradients")
# One torch thread per run: with --jobs runs side by side, intra-op threads of tiny MLPs only
# fight each other for the cores (several times slower on 2 cores).
ONE_THREAD = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def _run(runs: Path, data: str, preset: str, seed: int, extra: list[str], plain: bool = False) -> dict:
    """One real training run of a preset (or, ``plain``, of the overrides alone), read back from MLflow."""
    base = [] if plain else [f"+pathology={preset}"]
    args = [sys.executable, "-m", "sweeps", *base, f"data={data}", f"seed={seed}",
            f"paths.runs_dir={runs}", "tracking.experiment=diagnosis-benchmark", "tracking.analysis=false",
            "tracking.projection_points=0", "tracking.confusion_every=0", "tracking.log_embeddings=false", *extra]
    done = subprocess.run(args, cwd=REPO, capture_output=True, text=True, env=ONE_THREAD)
    if done.returncode != 0:
        raise SystemExit(f"{preset}/{data}/{seed} failed:\n{done.stderr[-2000:]}")
    run_id = next(line.split()[-1] for line in done.stdout.splitlines() if line.startswith("MLflow run id"))
    client = MlflowClient(f"sqlite:///{runs}/mlflow.db")
    run = client.get_run(run_id)
    return {"preset": preset, "data": data, "seed": seed, "extra": extra, "run_id": run_id,
            "max_epochs": int(run.data.params["trainer.max_epochs"]), "history": run_history(client, run_id),
            "num_classes": int(run.data.metrics.get("data/num_classes", 2)), "params": dict(run.data.params),
            "data_metrics": run_data_metrics(client, run_id), "best_val_acc": run.data.metrics.get("best/val/acc")}


def _baseline(history: list[dict], cfg, num_classes: int) -> list[str]:
    """AUTOTRAINER-style: gradient thresholds alone (exploding, vanishing, dying ReLU)."""
    facts = RunFacts(num_classes=num_classes)
    found = [rule(history, cfg, facts) for rule in (exploding_gradients, vanishing_gradients, dying_relu)]
    return sorted({f.label for f in found if f is not None}) or ["healthy"]


def _score(cases: list[dict], predict) -> dict:
    """Per-label precision/recall with multi-label predictions: a case is a true positive for its
    preset's label when predicted; every other predicted label is a false positive."""
    tp, fp, fn, confusion = Counter(), Counter(), Counter(), Counter()
    for case in cases:
        predicted = predict(case)
        truth = case["preset"]
        for label in predicted:
            confusion[(truth, label)] += 1
            if label == truth:
                tp[label] += 1
            else:
                fp[label] += 1
        if truth not in predicted:
            fn[truth] += 1
    per_label = {}
    for label in LABELS:
        p = tp[label] / (tp[label] + fp[label]) if tp[label] + fp[label] else 0.0
        r = tp[label] / (tp[label] + fn[label]) if tp[label] + fn[label] else 0.0
        per_label[label] = (p, r, 2 * p * r / (p + r) if p + r else 0.0)
    # Macro-F1 over the labels that occur, as truth or as a prediction (sklearn's f1_score average="macro"
    # over unique_labels(y_true, y_pred)): a label no preset has and nothing predicted (uninformative_inputs
    # has no preset) is not a zero.
    present = [label for label in LABELS if tp[label] + fp[label] + fn[label]]
    return {"per_label": per_label, "macro_f1": sum(per_label[label][2] for label in present) / len(present),
            "confusion": confusion}


def _print_scores(title: str, scores: dict) -> None:
    print(f"\n== {title}: macro-F1 {scores['macro_f1']:.3f}")
    short = {label: label[:9] for label in LABELS}
    corner = "true / predicted"
    print(f"{corner:>20} " + " ".join(f"{short[label]:>9}" for label in LABELS))
    for truth in LABELS:
        print(f"{truth:>20} " + " ".join(f"{scores['confusion'][(truth, p)]:>9}" for p in LABELS))
    print(f"{'label':>20} {'precision':>9} {'recall':>9} {'F1':>9}")
    for label, (p, r, f) in scores["per_label"].items():
        print(f"{label:>20} {p:9.2f} {r:9.2f} {f:9.2f}")


def _with_chain(case: dict) -> list[str]:
    """The headline labels, with the preset's own label in place of the root it follows from when
    the diagnosis says so (issue 20 orders causes before symptoms: a network killed by a too-high
    learning rate reads "lr_too_high; dying_relu follows from it", its fix the root's)."""
    root = case["explained"].get(case["preset"])
    return [case["preset"] if label == root else label for label in case["predicted"]]


def _backfill_linear(cases: list[dict], runs_dir: Path) -> None:
    """Give saved histories recorded before the linear reference existed (``data/linear_baseline_val_acc``)
    the value their run would have logged: the same reference, fitted on the split their params name
    (data set, subset, split seed, fractions), cached under ``runs_dir/cache`` like a run's."""
    for case in cases:
        metrics = case.setdefault("data_metrics", {})
        if LINEAR_VAL_ACC in metrics:
            continue
        params = case["params"]
        overrides = [f"data={params.get('data.name', case.get('data'))}", f"paths.runs_dir={runs_dir}"]
        overrides += [f"data.{k}={params[f'data.{k}']}" for k in ("subset", "split_seed", "val_fraction", "test_fraction")
                      if params.get(f"data.{k}") not in (None, "None")]
        linear = linear_reference(compose_config(overrides))
        if linear is not None:
            metrics[LINEAR_VAL_ACC] = linear


def _key(case: dict) -> str:
    return f"{case['data']}/{case['preset']}/{case['seed']}" + (f"/{case['variant']}" if case.get("variant") else "")


def _facts(case: dict, **extra) -> RunFacts:
    return RunFacts(num_classes=case["num_classes"], data=case.get("data_metrics", {}), **extra)


def _load(path: Path) -> list[dict]:
    return json.loads(path.read_text()) if path.exists() else []


def _resume(out: Path, done: list[dict], todo: list, work, jobs: int, show) -> list[dict]:
    """Run what is missing ``jobs`` at a time, saving after every result: an interrupted
    benchmark continues from where it stopped."""
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for result in pool.map(work, todo):
            done.append(result)
            print(show(result), flush=True)
            out.write_text(json.dumps(done))
    return done


def _strength(variations: list, seed: int, data: str) -> list[str]:
    """The overrides of ``seed``'s strength: a list for every data set, or {data set: list} where one
    strength cannot produce the pathology on both corpora."""
    chosen = variations[seed % len(variations)]
    return chosen[data] if isinstance(chosen, dict) else chosen


def _run_grid(workdir: Path, out: Path, datasets: list[str], seeds: list[int], jobs: int) -> list[dict]:
    cases = _load(out)
    done = {_key(c) for c in cases}
    todo = [(data, preset, seed, DATA_OVERRIDES.get((data, preset), []) + _strength(variations, seed, data))
            for data in datasets for preset, variations in STRENGTHS.items() for seed in seeds
            if _key({"data": data, "preset": preset, "seed": seed}) not in done]
    return _resume(out, cases, todo, lambda job: _run(workdir, *job), jobs,
                   lambda c: f"{c['data']:>16} {c['preset']:>20} seed {c['seed']}: {len(c['history'])} epochs")


def _run_extra(workdir: Path, out: Path, data: str, jobs: int) -> list[dict]:
    cases = _load(out)
    done = {_key(c) for c in cases}
    todo = [(label, name, overrides) for label, variants in EXTRA_CASES.items()
            for name, overrides in variants.items()
            if _key({"data": data, "preset": label, "seed": 0, "variant": name}) not in done]

    def work(job):
        label, name, overrides = job
        return {**_run(workdir, data, label, 0, overrides, plain=True), "variant": name}

    return _resume(out, cases, todo, work, jobs, lambda c: f"{c['data']:>16} {c['preset']:>20} {c['variant']}: "
                   f"{len(c['history'])} epochs, best val {c['best_val_acc']:.3f}")


def _export_studies(runs_dirs: list[str]) -> list[dict]:
    """Every finished study trial under these runs dirs: its history, data metrics, accuracies and
    the labels recorded when it ran (tags), grouped by study name."""
    trials = []
    for runs in runs_dirs:
        client = MlflowClient(f"sqlite:///{Path(runs).resolve()}/mlflow.db")
        for experiment in client.search_experiments():
            for run in client.search_runs([experiment.experiment_id], "attributes.status = 'FINISHED'"):
                tags, metrics = run.data.tags, run.data.metrics
                if "optuna.study_name" not in tags or "best/val/acc" not in metrics:
                    continue
                trials.append({"study": tags["optuna.study_name"], "run_id": run.info.run_id,
                               "trial": int(tags.get("optuna.trial_number", -1)),
                               "pruned": tags.get("pruned") == "true", "val_acc": metrics["best/val/acc"],
                               "test_acc": metrics.get("test/acc"), "recorded": tags.get("diagnosis.labels", "?"),
                               "num_classes": int(metrics.get("data/num_classes", 2)),
                               "params": dict(run.data.params), "data_metrics": run_data_metrics(client, run.info.run_id),
                               "history": run_history(client, run.info.run_id)})
    return sorted(trials, key=lambda t: (t["study"], t["trial"]))


def _searched(trials: list[dict]) -> list[str]:
    keys = {k for t in trials for k in t["params"]}
    return sorted(k for k in keys if len({t["params"].get(k) for t in trials}) > 1 and not k.startswith("optuna_trial."))


def _false_alarms(trials: list[dict], cfg) -> None:
    """Labels per trial next to accuracy; non-healthy labels among trials within 2 points of their
    study's best, as recorded when the trials ran and as today's rules read them (at run end, and
    with the study's best as reference, as `python -m sweeps.diagnose` reads a trial)."""
    near = {"recorded": 0, "now": 0, "vs_best": 0}
    near_trials = 0
    for study in sorted({t["study"] for t in trials}):
        rows = [t for t in trials if t["study"] == study]
        best = max(t["val_acc"] for t in rows)
        keys = _searched(rows)
        print(f"\n== study {study}: {len(rows)} trials, best val acc {best:.4f}")
        print(f"{'#':>3} {'state':>8} {'val':>6} {'test':>6} {'gap':>5}  {'labels (today)':<28} {'observations':<22} "
              f"{'vs best':<22} {'recorded at run time':<28} params")
        for t in rows:
            now = diagnose(t["history"], cfg, t["num_classes"], t["params"], facts=_facts(t))
            others = [r["val_acc"] for r in rows if r is not t]
            ref = diagnose(t["history"], cfg, t["num_classes"], t["params"],
                           facts=_facts(t, reference_acc=max(others) if others else None, reference="the study's best"))
            t["labels"], t["observations"] = now.tag_labels, now.tag_observations
            gap = best - t["val_acc"]
            if gap <= 0.02:
                near_trials += 1
                near["recorded"] += t["recorded"] != "healthy"
                near["now"] += now.tag_labels != "healthy"
                near["vs_best"] += ref.tag_labels != "healthy"
            test = f"{t['test_acc']:.4f}" if t["test_acc"] is not None else "-"
            params = " ".join(f"{k.split('.')[-1]}={t['params'].get(k)}" for k in keys)
            print(f"{t['trial']:>3} {'pruned' if t['pruned'] else 'complete':>8} {t['val_acc']:.4f} {test:>6} "
                  f"{100 * gap:5.1f}  {now.tag_labels:<28} {now.tag_observations:<22} {ref.tag_labels:<22} "
                  f"{t['recorded']:<28} {params}")
        print(f"   labels today: {label_counts(t['labels'] for t in rows)}; observations: "
              f"{label_counts(t['observations'] for t in rows)}")
    print(f"\nnon-healthy labels among the {near_trials} trials within 2 points of their study's best "
          f"(goal <= 1): recorded at run time {near['recorded']}, today's rules {near['now']}, "
          f"today's rules with the study's best as reference {near['vs_best']}")


def _repair(workdir: Path, case: dict, seeds: int) -> dict:
    """One repair study on a broken run, judged like a user would: a fix accepted, the pathology gone."""
    args = [sys.executable, "-m", "sweeps.diagnose", f"run_id={case['run_id']}", "repair=true", f"seeds={seeds}",
            f"tracking_uri=sqlite:///{workdir}/mlflow.db", f"storage=sqlite:///{workdir}/optuna.db", "record=false"]
    done = subprocess.run(args, cwd=REPO, capture_output=True, text=True, env=ONE_THREAD)
    if done.returncode not in (0, 3):
        raise SystemExit(f"repair of {_key(case)} failed:\n{done.stderr[-2000:]}")
    accepted = next((line.split(":", 1)[1].strip() for line in done.stdout.splitlines()
                     if line.startswith("accepted fix:")), None)
    return {"key": _key(case), "accepted": accepted, "report": done.stdout.splitlines()[-8:]}


def _run_repairs(workdir: Path, cases: list[dict], seeds: int, jobs: int) -> list[dict]:
    out = workdir / "repairs.json"
    repairs = _load(out)
    done = {r["key"] for r in repairs}
    todo = [c for c in cases if c["seed"] == 0 and c["preset"] != "healthy" and _key(c) not in done]
    return _resume(out, repairs, todo, lambda case: _repair(workdir, case, seeds), jobs,
                   lambda r: f"repair {r['key']}: {r['accepted'] or 'no fix accepted'}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--data", nargs="+", default=["imdb", "bbc_news"])
    parser.add_argument("--jobs", type=int, default=1, help="training runs at once")
    parser.add_argument("--repair-seeds", type=int, default=0, help="seeds per repair configuration; 0: no repairs")
    parser.add_argument("--workdir", default=str(REPO / "runs" / "diagnosis-benchmark"))
    parser.add_argument("--offline", action="store_true", help="re-diagnose the saved histories only")
    parser.add_argument("--report-seeds", type=int, nargs="+", help="score only these seeds (default: all run)")
    parser.add_argument("--run-seeds", type=int, nargs="+",
                        help="run only these seeds (default: 0 .. --seeds - 1), e.g. the held-out 6 7 8")
    parser.add_argument("--studies", nargs="*", help="runs dirs holding studies: the false-alarm table only")
    parser.add_argument("--extra", action="store_true", help="also run EXTRA_CASES (issue 20's overfitting case...)")
    parser.add_argument("--backfill-linear", action="store_true",
                        help="with --offline: fit the linear reference for saved histories recorded without it")
    args = parser.parse_args()
    workdir = Path(args.workdir).resolve()
    cfg = compose_config([]).diagnosis
    if args.studies is not None:
        saved = workdir / "studies.json"
        if not args.offline:
            workdir.mkdir(parents=True, exist_ok=True)
            saved.write_text(json.dumps(_export_studies(args.studies)))
        trials = json.loads(saved.read_text())
        if args.backfill_linear:
            _backfill_linear(trials, workdir)
        _false_alarms(trials, cfg)
        return
    out = workdir / "cases.json"
    if args.offline:
        cases = _load(out) + _load(workdir / "extra.json")
    else:
        workdir.mkdir(parents=True, exist_ok=True)
        cache = workdir / "cache"
        if not cache.exists():
            cache.symlink_to(REPO / "runs" / "cache")
        cases = _run_grid(workdir, out, args.data, args.run_seeds or list(range(args.seeds)), args.jobs)
        if args.extra:
            cases = cases + _run_extra(workdir, workdir / "extra.json", args.data[0], args.jobs)
    if args.report_seeds is not None:
        cases = [c for c in cases if c["seed"] in args.report_seeds]
    if args.backfill_linear:
        _backfill_linear(cases, workdir)
    for case in cases:
        diagnosis = diagnose(case["history"], cfg, case["num_classes"], case["params"], facts=_facts(case))
        case["predicted"], case["findings"] = diagnosis.labels, diagnosis.findings
        case["observed"], case["explained"] = diagnosis.tag_observations, diagnosis.explained
    ours = _score(cases, lambda c: c["predicted"])
    baseline = _score(cases, lambda c: _baseline(c["history"], cfg, c["num_classes"]))
    _print_scores(f"sweeps diagnoser, {len(cases)} runs", ours)
    _print_scores(f"sweeps diagnoser, {len(cases)} runs, a preset's label found as a consequence of the headline "
                  f"counts", _score(cases, _with_chain))
    _print_scores("baseline: AUTOTRAINER-style gradient thresholds alone", baseline)
    print("\nfirst detection (median share of the epoch budget) for alarming labels:")
    for label in ALARMING:
        shares = [next(f.epoch for f in c["findings"] if f.label == label) / c["max_epochs"]
                  for c in cases if c["preset"] == label and label in c["predicted"]]
        print(f"  {label:>20}: {median(shares):.0%} over {len(shares)} detections (goal <= 30%)" if shares
              else f"  {label:>20}: never detected")
    wrong = [c for c in cases if c["predicted"] != [c["preset"]]]
    print(f"\nmisdiagnosed ({len(wrong)}):")
    for c in wrong:
        print(f"  {_key(c)} {c['extra']}: {c['predicted']} (observations: {c['observed']})")
    for c in cases:
        if c.get("variant"):
            print(f"extra case {_key(c)}: {c['predicted']} (headline {c['predicted'][0]}, best val "
                  f"{c.get('best_val_acc') or float('nan'):.3f}, observations: {c['observed']})")
    print(f"\ngoal macro-F1 >= 0.9: {'met' if ours['macro_f1'] >= 0.9 else 'NOT met'}")
    repairs = (_run_repairs(workdir, cases, args.repair_seeds, args.jobs) if args.repair_seeds and not args.offline
               else _load(workdir / "repairs.json"))
    if repairs:
        success = [r for r in repairs if r["accepted"]]
        print(f"\nrepair studies: {len(success)}/{len(repairs)} accepted a fix "
              f"({len(success) / len(repairs):.0%}, goal >= 90%)")
        for r in repairs:
            print(f"  {r['key']:>34}: {r['accepted'] or 'NONE'}")


if __name__ == "__main__":
    main()
