"""The repair study's report: console lines and the parent run's artifacts."""

from __future__ import annotations

from statistics import mean

from sweeps.diagnosis.signals import series
from sweeps.tracking.mlflow_run import MlflowRun
from sweeps.utils.plotting import plt


def repair_lines(report, run_id: str) -> list[str]:
    broken = report.broken
    lines = [f"repair of {run_id}: broken val acc {mean(broken.val_acc):.4f} over {len(broken.val_acc)} seeds "
             f"(labels {sorted({l for ls in broken.labels for l in ls})})",
             f"{'fix':>58} {'val acc':>8} {'gain':>8} {'noise':>7}  labels -> verdict"]
    for c in report.candidates:
        labels = sorted({label for ls in c.labels for label in ls})
        lines.append(f"{c.fix:>58} {mean(c.val_acc):8.4f} {c.gain:+8.4f} {c.noise:7.4f}  {labels} -> "
                     f"{'ACCEPTED' if c.accepted else 'rejected'}")
    accepted = report.accepted
    lines.append(f"accepted fix: {accepted.fix}" if accepted else "no fix beat the broken run beyond seed noise")
    return lines


def _curves_figure(report):
    accepted = report.accepted or max(report.candidates, key=lambda c: mean(c.val_acc), default=None)
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), dpi=90)
    runs = [("broken", report.broken, "tab:red")]
    if accepted is not None:
        runs.append((f"fixed: {accepted.fix}", accepted, "tab:green"))
    for name, result, color in runs:
        for i, history in enumerate(result.histories):
            kw = {"color": color, "alpha": 0.8, "label": name if i == 0 else None}
            axes[0].plot(series(history, "train/loss"), ls="-", **kw)
            axes[0].plot(series(history, "val/loss"), ls="--", color=color, alpha=0.5)
            axes[1].plot(series(history, "val/acc"), **kw)
    axes[0].set_title("loss (solid train, dashed val)")
    axes[1].set_title("validation accuracy, every seed")
    for ax in axes:
        ax.set_xlabel("epoch")
        ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def log_repair_report(parent: MlflowRun, report, run_id: str) -> None:
    lines = repair_lines(report, run_id)
    parent.log_text("# Repair report\n\n```\n" + "\n".join(lines) + "\n```\n", "repair.md")
    parent.log_figure(_curves_figure(report), "repair_curves.png")
    accepted = report.accepted
    parent.log_metrics({"broken/val_acc": mean(report.broken.val_acc),
                        **({"fixed/val_acc": mean(accepted.val_acc), "fixed/gain": accepted.gain} if accepted else {})},
                       step=0)
    parent.set_tags({"repair.accepted_fix": accepted.fix if accepted else "-"})
    parent.log_dict({"broken": report.broken.val_acc,
                     "candidates": [{"label": c.label, "fix": c.fix, "val_acc": c.val_acc, "labels": c.labels,
                                     "gain": c.gain, "noise": c.noise, "accepted": c.accepted}
                                    for c in report.candidates]}, "repair.json")
