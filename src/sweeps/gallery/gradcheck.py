"""Relative error of backprop vs central differences for every layer, loss and activation.

The CLI exits non-zero when any error exceeds 1e-6, so this topic doubles as a check.
"""

from __future__ import annotations

import numpy as np

from sweeps.lab.activations import ACTIVATIONS
from sweeps.gallery._context import GalleryContext, plt
from sweeps.lab.gradcheck import check_function, check_model
from sweeps.lab.network import MLP

THRESHOLD = 1e-6
MODELS = {
    "MLP tanh, BCE": ({"activation": "tanh"}, 1),
    "MLP relu (He), BCE": ({"activation": "relu", "init": "he"}, 1),
    "MLP sigmoid, softmax CE": ({"activation": "sigmoid"}, 3),
    "MLP gelu, softmax CE": ({"activation": "gelu"}, 3),
    "MLP + batch norm": ({"activation": "tanh", "batch_norm": True}, 1),
    "MLP + residual": ({"activation": "tanh", "residual": True}, 1),
}


def gradcheck_rows() -> list[tuple[str, str, float]]:
    rows = []
    z = np.linspace(-4, 4, 101) + 0.013
    for name, act in ACTIVATIONS.items():
        rows.append(("activation", name, check_function(act.f, act.df, z)))
    rng = np.random.default_rng(0)
    x = rng.normal(size=(6, 4))
    for label, (kwargs, outputs) in MODELS.items():
        y = rng.integers(0, 2 if outputs == 1 else outputs, size=6)
        for param, error in check_model(MLP([4, 4, 4, outputs], seed=1, **kwargs), x, y).items():
            rows.append((label, param, error))
    return rows


def render(ctx: GalleryContext) -> list:
    rows = gradcheck_rows()
    ctx.failed = any(error > THRESHOLD for _, _, error in rows)
    fig, ax = plt.subplots(figsize=(8, 0.22 * len(rows) + 1))
    ax.axis("off")
    cells = [[group, name, f"{error:.1e}", "ok" if error <= THRESHOLD else "FAIL"] for group, name, error in rows]
    table = ax.table(cellText=cells, colLabels=["what", "parameter", "relative error", f"<= {THRESHOLD:g}"],
                     loc="center")
    table.auto_set_font_size(False)
    table.set_fontsize(7)
    ax.set_title("gradient check: backprop vs central differences (float64)")
    (ctx.out_dir).mkdir(parents=True, exist_ok=True)
    (ctx.out_dir / "gradcheck.tsv").write_text("".join(f"{g}\t{n}\t{e:.3e}\n" for g, n, e in rows))
    worst = max(rows, key=lambda r: r[2])
    print(f"gradcheck: {len(rows)} checks, worst {worst[0]} / {worst[1]}: {worst[2]:.2e}")
    return [ctx.save(fig, "gradcheck")]
