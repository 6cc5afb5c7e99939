"""How well the diagnoser labels runs it did not see being built (issue 7's measured quality).

Every `conf/pathology` preset x seeds x data sets, at several strengths (an extra override per
seed), each run for real with `python -m sweeps +pathology=...`; the expected label is the
preset's. Prints the confusion matrix, per-label precision/recall, macro-F1, the median epoch of
first detection (as a share of the epoch budget) for the alarming labels, and the same numbers
for a baseline using only AUTOTRAINER-style gradient thresholds. `--repair N` also runs N repair
studies and reports their success rate.

    .venv/bin/python benchmarks/diagnosis_benchmark.py [--seeds 3] [--data imdb rotten_tomatoes] [--cache runs]

Histories are saved under --out so thresholds can be re-tuned without re-running (--offline).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from statistics import median

from _common import REPO, scratch_runs_dir
from mlflow import MlflowClient

from sweeps.config import compose_config
from sweeps.diagnosis.diagnoser import diagnose
from sweeps.diagnosis.findings import LABELS
from sweeps.diagnosis.mlflow_history import run_history
from sweeps.diagnosis.rules import dying_relu, exploding_gradients, vanishing_gradients

# Per seed, one strength variation of each preset: the benchmark is not one fixed config per label.
STRENGTHS = {
    "healthy": [[], ["model.hidden_dims=[256]"], ["optimizer.lr=0.002"]],
    "overfitting": [[], ["data.subset=600"], ["model.hidden_dims=[1024,1024]"]],
    "underfitting": [[], ["model.hidden_dims=[2]"], ["embeddings.dim=3"]],
    "lr_too_high": [[], ["optimizer.lr=8.0"], ["optimizer.lr=3.0"]],
    "lr_too_low": [[], ["optimizer.lr=0.00005"], ["optimizer.lr=0.0002"]],
    "exploding_gradients": [[], ["model.init_std=0.8"], ["optimizer.lr=0.03"]],
    "vanishing_gradients": [[], ["model.init_std=0.005"], ["model.hidden_dims=[64,64,64,64,64,64,64,64,64,64]"]],
    "dying_relu": [[], ["optimizer.lr=1.0"], ["optimizer.lr=0.3"]],
    "noisy_training": [[], ["optimizer.lr=0.02"], ["data.batch_size=2", "trainer.max_epochs=5"]],
}
ALARMING = ("exploding_gradients", "vanishing_gradients")


def _run(runs: Path, data: str, preset: str, seed: int, extra: list[str]) -> dict:
    args = [sys.executable, "-m", "sweeps", f"+pathology={preset}", f"data={data}", f"seed={seed}",
            f"paths.runs_dir={runs}", "tracking.experiment=diagnosis-benchmark", "tracking.analysis=false",
            "tracking.projection_points=0", "tracking.confusion_every=0", "tracking.log_embeddings=false", *extra]
    done = subprocess.run(args, cwd=REPO, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{preset}/{data}/{seed} failed:\n{done.stderr[-2000:]}")
    run_id = next(line.split()[-1] for line in done.stdout.splitlines() if line.startswith("MLflow run id"))
    client = MlflowClient(f"sqlite:///{runs}/mlflow.db")
    run = client.get_run(run_id)
    return {"preset": preset, "data": data, "seed": seed, "extra": extra, "run_id": run_id,
            "max_epochs": int(run.data.params["trainer.max_epochs"]), "history": run_history(client, run_id),
            "num_classes": int(run.data.metrics.get("data/num_classes", 2)), "params": dict(run.data.params)}


def _baseline(history: list[dict], cfg, num_classes: int) -> list[str]:
    """AUTOTRAINER-style: gradient thresholds alone (exploding, vanishing, dying ReLU)."""
    found = [rule(history, cfg, num_classes) for rule in (exploding_gradients, vanishing_gradients, dying_relu)]
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
    return {"per_label": per_label, "macro_f1": sum(v[2] for v in per_label.values()) / len(LABELS),
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--data", nargs="+", default=["imdb", "bbc_news"])
    parser.add_argument("--cache", default=str(REPO / "runs"))
    parser.add_argument("--out", default=str(REPO / "runs" / "diagnosis-benchmark.json"))
    parser.add_argument("--offline", action="store_true", help="re-diagnose the saved histories only")
    args = parser.parse_args()
    out = Path(args.out)
    if args.offline:
        cases = json.loads(out.read_text())
    else:
        cases = []
        with tempfile.TemporaryDirectory() as tmp:
            runs = scratch_runs_dir(tmp, args.cache)
            for data in args.data:
                for preset, variations in STRENGTHS.items():
                    for seed in range(args.seeds):
                        case = _run(runs, data, preset, seed, variations[seed % len(variations)])
                        cases.append(case)
                        print(f"{data:>16} {preset:>20} seed {seed}: {len(case['history'])} epochs", flush=True)
                        out.parent.mkdir(parents=True, exist_ok=True)
                        out.write_text(json.dumps(cases))  # after every run: --offline reads a partial set too
    cfg = compose_config([]).diagnosis
    for case in cases:
        diagnosis = diagnose(case["history"], cfg, case["num_classes"], case["params"])
        case["predicted"], case["findings"] = diagnosis.labels, diagnosis.findings
    ours = _score(cases, lambda c: c["predicted"])
    baseline = _score(cases, lambda c: _baseline(c["history"], cfg, c["num_classes"]))
    _print_scores(f"sweeps diagnoser, {len(cases)} runs", ours)
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
        print(f"  {c['data']}/{c['preset']}/seed {c['seed']} {c['extra']}: {c['predicted']}")
    print(f"\ngoal macro-F1 >= 0.9: {'met' if ours['macro_f1'] >= 0.9 else 'NOT met'}")


if __name__ == "__main__":
    main()
