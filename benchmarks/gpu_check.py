"""The CUDA paths of the trainer, on a machine with a GPU: fp32, bf16 and fp16 (autocast + GradScaler)
with the fused optimizer kernels sweeps builds, gradient accumulation and clipping under the scaler,
and a checkpoint written on the GPU and read back with ``weights_only=True``.

    python benchmarks/gpu_check.py            # prints one line per case; exits 1 if any fails

Synthetic, linearly separable data (no dataset download): every case must reach 0.9 validation
accuracy with a finite loss, keep float32 master weights, and agree with the CPU fp32 run.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from sweeps.config.compose import compose_config  # noqa: E402
from sweeps.models import build_model  # noqa: E402
from sweeps.training import EarlyStopping, LoopOptions, TensorSplit, Trainer, build_scheduler  # noqa: E402
from sweeps.training.checkpoint import load_checkpoint  # noqa: E402
from sweeps.training.optim import build_model_optimizer, effective_lr  # noqa: E402

DIM, TRAIN, VAL = 300, 8000, 2000


def _data(seed: int = 0) -> tuple[TensorSplit, TensorSplit]:
    g = torch.Generator().manual_seed(seed)
    w = torch.randn(DIM, generator=g)
    x = torch.randn(TRAIN + VAL, DIM, generator=g)
    y = (x @ w > 0).long()
    return TensorSplit(x[:TRAIN], y[:TRAIN]), TensorSplit(x[TRAIN:], y[TRAIN:])


def _case(device: str, precision: str, accumulate: int = 1, clip: float | None = None) -> dict:
    cfg = compose_config(["model.hidden_dims=[256,128]", "optimizer.lr=0.002"])
    torch.manual_seed(0)
    model = build_model(cfg, DIM, 2)
    optimizer = build_model_optimizer(cfg.optimizer, model, effective_lr(cfg.optimizer, cfg.trainer, 64 * accumulate))
    options = LoopOptions(batch_size=64, max_epochs=4, device=device, precision=precision,
                          accumulate_grad_batches=accumulate, grad_clip=clip, instrument_every=10)
    schedule = build_scheduler(cfg.scheduler, optimizer, TRAIN // (64 * accumulate), options.max_epochs)
    with tempfile.TemporaryDirectory() as tmp:
        trainer = Trainer(model, optimizer, schedule, num_classes=2, options=options,
                          early_stopping=EarlyStopping("val/loss", "min", 0, 0.0), checkpoint_dir=Path(tmp))
        train, val = _data()
        start = time.perf_counter()
        fit = trainer.fit(train, val)
        seconds = time.perf_counter() - start
        payload = load_checkpoint(Path(tmp) / "last.pt")  # torch.load(weights_only=True)
    last = fit.history[-1]
    dtypes = {p.dtype for p in model.parameters()}
    return {"val_acc": last["val/acc"], "loss": last["train/loss"], "s": seconds, "dtypes": dtypes,
            "fused": any(g.get("fused") for g in optimizer.param_groups), "ckpt_epoch": payload["epoch"]}


def main() -> int:
    if not torch.cuda.is_available():
        print("no CUDA device: nothing to check")
        return 0
    print(f"torch {torch.__version__}, {torch.cuda.get_device_name(0)}")
    reference = _case("cpu", "32")
    print(f"cpu fp32: val acc {reference['val_acc']:.4f}, {reference['s']:.1f} s")
    failures = 0
    cases = {"cuda fp32": ("32", 1, None), "cuda bf16": ("bf16", 1, None), "cuda fp16 + scaler": ("16", 1, None),
             "cuda fp16 + scaler, accumulate 4, clip 1.0": ("16", 4, 1.0)}
    for name, (precision, accumulate, clip) in cases.items():
        result = _case("cuda", precision, accumulate, clip)
        ok = (result["val_acc"] >= 0.9 and result["loss"] == result["loss"] and result["dtypes"] == {torch.float32}
              and abs(result["val_acc"] - reference["val_acc"]) < 0.03 and result["ckpt_epoch"] == 4)
        failures += not ok
        print(f"{name}: {'ok' if ok else 'FAIL'} val acc {result['val_acc']:.4f}, train loss {result['loss']:.4f}, "
              f"fused={result['fused']}, weights {sorted(str(d) for d in result['dtypes'])}, {result['s']:.1f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
