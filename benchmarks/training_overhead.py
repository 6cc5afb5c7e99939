"""Overhead of sweeps' training loop vs a minimal handwritten torch loop, and cold vs warm start.

Both loops train the same model on the same cached IMDB features in this one process, epochs
interleaved (ours, theirs, ours, ...) so machine noise hits both alike; the medians are compared.
Goal: ratio <= 1.3.

    .venv/bin/python benchmarks/training_overhead.py [--epochs 5] [--skip-start]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch
from torch import nn

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def handwritten_epoch(model, optimizer, x, y, xv, yv, batch_size, generator) -> float:
    """The loop a user would write by hand: shuffle, forward, BCE, backward, step; then val loss/acc."""
    loss_fn = nn.BCEWithLogitsLoss()
    model.train()
    for index in torch.randperm(len(y), generator=generator).split(batch_size):
        loss = loss_fn(model(x[index]), y[index].float())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        logits = model(xv)
        return float(((logits > 0).long() == yv).float().mean())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--runs-dir", default=str(REPO / "runs"))
    parser.add_argument("--skip-start", action="store_true", help="skip the cold/warm start measurement")
    args = parser.parse_args()

    from sweeps.config import compose_config
    from sweeps.app import build_trainer
    from sweeps.training.splits import tensor_split
    from sweeps.features import prepare_features
    from sweeps.models import build_model
    from sweeps.utils.seeding import seed_everything

    torch.set_num_threads(torch.get_num_threads())
    cfg = compose_config([f"paths.runs_dir={args.runs_dir}", "trainer.early_stopping.patience=0"])
    features = prepare_features(cfg)  # cached after the first run
    train, val = tensor_split(features, "train"), tensor_split(features, "val")

    trainer = build_trainer(cfg, features)
    seed_everything(0)
    model = build_model(cfg, features.input_dim, features.num_classes)
    # fused like sweeps' own Adam (sweeps.training.optim): this compares loops, not optimizer kernels
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.optimizer.lr, fused=True)
    generator = torch.Generator().manual_seed(0)

    ours, theirs = [], []
    for epoch in range(args.epochs + 1):  # first round is warm-up, not counted
        t = time.perf_counter()
        trainer.train_epoch(train, epoch)
        trainer.evaluate(val)
        ours_s = time.perf_counter() - t
        t = time.perf_counter()
        handwritten_epoch(model, optimizer, train.inputs, train.labels, val.inputs, val.labels,
                          cfg.data.batch_size, generator)
        theirs_s = time.perf_counter() - t
        if epoch:
            ours.append(ours_s)
            theirs.append(theirs_s)
    ratio = statistics.median(ours) / statistics.median(theirs)
    print(f"epoch on {len(train)} cached IMDB examples (median of {args.epochs}):")
    print(f"  sweeps Trainer   {statistics.median(ours) * 1000:8.1f} ms")
    print(f"  handwritten loop {statistics.median(theirs) * 1000:8.1f} ms")
    print(f"  ratio {ratio:.2f}x  (goal <= 1.30x) {'OK' if ratio <= 1.3 else 'OVER'}")

    if args.skip_start:
        return
    with tempfile.TemporaryDirectory() as tmp:
        times = []
        for label in ("cold", "warm"):
            t = time.perf_counter()
            subprocess.run([sys.executable, "-m", "sweeps", f"paths.runs_dir={tmp}"], cwd=REPO, check=True,
                           capture_output=True)
            times.append(time.perf_counter() - t)
            print(f"  {label} start, whole default run: {times[-1]:6.1f} s")
        print(f"  cold/warm ratio {times[0] / times[1]:.1f}x")


if __name__ == "__main__":
    main()
