"""torch's fused optimizer kernels vs the per-tensor loop, on the `imdb` study's models.

sweeps builds Adam/AdamW/SGD with ``fused=True`` (`sweeps.training.optim`). At small batch sizes
an epoch is hundreds of tiny steps and the optimizer's per-tensor Python loop is a large share of
each. Same model, same cached features, same batches, epochs interleaved (fused, per-tensor,
fused, ...) so machine noise hits both; medians compared. The two differ only in float rounding, which
training amplifies over thousands of steps: the validation accuracies they end with are printed.

    .venv/bin/python benchmarks/optimizer_kernels.py [--epochs 3] [--batch-sizes 32 256]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[32, 256])
    parser.add_argument("--runs-dir", default=str(REPO / "runs"))
    args = parser.parse_args()

    from sweeps.training.splits import tensor_split
    from sweeps.config import compose_config
    from sweeps.features import prepare_features
    from sweeps.models import build_model
    from sweeps.utils.seeding import seed_everything

    cfg = compose_config([f"paths.runs_dir={args.runs_dir}", "model.hidden_dims=[256,128]", "model.dropout=0.2"])
    features = prepare_features(cfg)
    train, val = tensor_split(features, "train"), tensor_split(features, "val")
    loss_fn = torch.nn.BCEWithLogitsLoss()
    print(f"threads {torch.get_num_threads()}, {len(train)} examples, MLP [256, 128], Adam:")
    for batch_size in args.batch_sizes:
        runs = {}
        for fused in (True, False):
            seed_everything(0)
            model = build_model(cfg, features.input_dim, features.num_classes)
            runs[fused] = (model, torch.optim.Adam(model.parameters(), lr=1e-3, fused=fused), [])
        for epoch in range(args.epochs + 1):  # the first round warms up and is not counted
            order = torch.randperm(len(train), generator=torch.Generator().manual_seed(epoch)).split(batch_size)
            for fused, (model, optimizer, times) in runs.items():
                torch.manual_seed(epoch)  # the same dropout masks for both
                start = time.perf_counter()
                for index in order:
                    inputs, labels = train.batch(index)
                    loss = loss_fn(model(inputs), labels.float())
                    loss.backward()
                    optimizer.step()
                    optimizer.zero_grad(set_to_none=True)
                if epoch:
                    times.append(time.perf_counter() - start)
        fused_s, loop_s = (statistics.median(runs[f][2]) for f in (True, False))
        acc = {}
        for fused, (model, _, _) in runs.items():
            model.eval()
            with torch.no_grad():
                acc[fused] = float(((model(val.inputs) > 0).long() == val.labels).float().mean())
        print(f"  batch {batch_size:4d}: fused {fused_s * 1000:7.1f} ms/epoch, per-tensor {loop_s * 1000:7.1f} ms/epoch, "
              f"ratio {fused_s / loop_s:.2f}; val acc after {args.epochs + 1} epochs {acc[True]:.4f} vs {acc[False]:.4f}")


if __name__ == "__main__":
    main()
