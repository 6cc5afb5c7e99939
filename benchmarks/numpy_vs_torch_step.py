"""One training step of the NumPy MLP vs the same torch MLP, text-classifier sizes (300 -> 128 -> 1,
batch 64), in one process, interleaved. Goal: the NumPy step within 2x of torch's.

    .venv/bin/python benchmarks/numpy_vs_torch_step.py [--steps 2000]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch

from sweeps.lab import MLP, NumpyOptimizer


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=64)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    x = rng.normal(size=(args.batch, 300)).astype(np.float32)
    y = rng.integers(0, 2, size=args.batch)

    ours = MLP([300, 128, 1], activation="relu", dropout=0.2, seed=0, dtype=np.float32)
    params = [array for _, array, _ in ours.named_params()]
    grads = list(ours.grads().values())
    numpy_adam = NumpyOptimizer("adam", params, lr=1e-3)

    torch.manual_seed(0)
    reference = torch.nn.Sequential(torch.nn.Linear(300, 128), torch.nn.ReLU(), torch.nn.Dropout(0.2),
                                    torch.nn.Linear(128, 1))
    torch_adam = torch.optim.Adam(reference.parameters(), lr=1e-3)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y).float()

    def numpy_step():
        ours.loss_and_grads(x, y)
        numpy_adam.step(grads)

    def torch_step():
        torch_adam.zero_grad()
        torch.nn.functional.binary_cross_entropy_with_logits(reference(xt)[:, 0], yt).backward()
        torch_adam.step()

    timings = {"numpy": [], "torch": []}
    for _ in range(5):  # rounds, alternating, to share the machine's noise
        for name, step in (("numpy", numpy_step), ("torch", torch_step)):
            start = time.perf_counter()
            for _ in range(args.steps // 5):
                step()
            timings[name].append((time.perf_counter() - start) / (args.steps // 5))
    numpy_us, torch_us = (statistics.median(timings[k]) * 1e6 for k in ("numpy", "torch"))
    print(f"one step, batch {args.batch}, 300 -> 128 -> 1 with dropout, Adam:")
    print(f"  NumPy (hand-written backprop) {numpy_us:8.1f} us")
    print(f"  torch (autograd)              {torch_us:8.1f} us")
    print(f"  ratio {numpy_us / torch_us:.2f}x  (goal <= 2x) {'OK' if numpy_us / torch_us <= 2 else 'OVER'}")


if __name__ == "__main__":
    main()
