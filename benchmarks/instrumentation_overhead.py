"""Cost of the per-layer diagnostics (issue 7: within 5% of training time).

Two trainers on the same cached IMDB features, one with `trainer.instrument_every=10` (the
default) and one with 0, epochs interleaved so machine noise hits both alike; medians compared.
Run for the default MLP and a deeper one (more layers = more hooks).

    .venv/bin/python benchmarks/instrumentation_overhead.py [--epochs 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--runs-dir", default=str(REPO / "runs"))
    args = parser.parse_args()

    from sweeps.app import build_trainer
    from sweeps.training.splits import tensor_split
    from sweeps.config import compose_config
    from sweeps.features import prepare_features

    for hidden in ("[128]", "[256,256,256]"):
        base = [f"paths.runs_dir={args.runs_dir}", "trainer.early_stopping.patience=0", f"model.hidden_dims={hidden}"]
        features = prepare_features(compose_config(base))
        train = tensor_split(features, "train")
        on = build_trainer(compose_config(base + ["trainer.instrument_every=10"]), features)
        off = build_trainer(compose_config(base + ["trainer.instrument_every=0"]), features)
        timings = {"on": [], "off": []}
        for epoch in range(args.epochs + 1):  # the first round warms up
            for name, trainer in (("on", on), ("off", off)):
                start = time.perf_counter()
                trainer.train_epoch(train, epoch)
                if epoch:
                    timings[name].append(time.perf_counter() - start)
        ratio = statistics.median(timings["on"]) / statistics.median(timings["off"])
        print(f"hidden {hidden}: instrumented {statistics.median(timings['on']):.3f} s/epoch vs "
              f"{statistics.median(timings['off']):.3f} s: overhead {100 * (ratio - 1):+.1f}% (goal <= +5%)")


if __name__ == "__main__":
    main()
