"""Writing a diagnosis onto an MLflow run: tags, diagnosis.md, the gradient-flow plot."""

from __future__ import annotations

from typing import Mapping

from omegaconf import DictConfig

from sweeps.diagnosis.diagnoser import diagnose
from sweeps.diagnosis.facts import RunFacts
from sweeps.diagnosis.findings import Diagnosis
from sweeps.diagnosis.report import markdown
from sweeps.diagnosis.signals import layers_with, series
from sweeps.tracking.mlflow_run import MlflowRun
from sweeps.utils.plotting import plt


def gradient_flow_figure(history: list[dict[str, float]]):
    """Per-layer gradient norm over epochs on a log scale: vanishing shows as a fan of lines
    decades apart, exploding as lines shooting up."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), dpi=90)
    for layer in layers_with(history, "grad_norm"):
        values = series(history, f"diag/grad_norm/{layer}")
        axes[0].plot(range(1, len(values) + 1), [max(v, 1e-12) for v in values], marker=".", label=layer)
    axes[0].set_yscale("log")
    axes[0].set_title("gradient norm per layer")
    for layer in layers_with(history, "update_ratio"):
        values = series(history, f"diag/update_ratio/{layer}")
        axes[1].plot(range(1, len(values) + 1), [max(v, 1e-12) for v in values], marker=".", label=layer)
    axes[1].axhline(1e-3, color="grey", ls=":", lw=0.8, label="~healthy (1e-3)")
    axes[1].set_yscale("log")
    axes[1].set_title("update / weight ratio per step")
    for ax in axes:
        ax.set_xlabel("epoch")
        ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def record_diagnosis(run: MlflowRun, history: list[dict[str, float]], cfg: DictConfig, num_classes: int,
                     run_params: Mapping[str, str] | None, run_name: str, figures: bool = True, *,
                     facts: RunFacts | None = None) -> Diagnosis:
    """Diagnose and record: tags ``diagnosis.labels`` (cause order), ``diagnosis.fix``,
    ``diagnosis.observations``, and diagnosis.md. ``facts`` carries the run's step-0 ``data/*``
    metrics and any reference (see RunFacts)."""
    diagnosis = diagnose(history, cfg, num_classes, run_params, facts=facts or RunFacts(num_classes=num_classes))
    run.set_tags({"diagnosis.labels": diagnosis.tag_labels, "diagnosis.fix": diagnosis.first_fix() or "-",
                  "diagnosis.observations": diagnosis.tag_observations})
    run.log_text(markdown(diagnosis, run_name, len(history)), "diagnosis.md")
    if figures and layers_with(history, "grad_norm"):
        run.log_figure(gradient_flow_figure(history), "diagnosis/gradient_flow.png")
    return diagnosis
