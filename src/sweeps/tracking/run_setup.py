"""Opening a run's MLflow record the same way for every kind of model."""

from __future__ import annotations

from dataclasses import dataclass

from omegaconf import DictConfig

from sweeps.study.context import trial_context
from sweeps.tracking.mlflow_run import MlflowRun


@dataclass
class RunResult:
    """What a run returns to its caller (CLI, sweeper, tests)."""

    run_id: str
    experiment_id: str
    metrics: dict[str, float]
    best_epoch: int
    stopped_epoch: int
    stop_reason: str
    tracking_uri: str
    run_url: str


def run_name(cfg: DictConfig) -> str:
    if cfg.tracking.run_name:
        return str(cfg.tracking.run_name)
    if cfg.model.name == "logreg_tfidf":
        return f"{cfg.data.name}-tfidf{cfg.model.ngrams}gram-logreg-C{cfg.model.C:g}"
    hidden = "x".join(str(h) for h in cfg.model.hidden_dims) or "linear"
    pooling = getattr(cfg.model.pooling, "value", cfg.model.pooling)
    trained = "-trainable" if cfg.embeddings.trainable else ""
    bigrams = "+bigrams" if cfg.model.ngrams == 2 else ""
    return (f"{cfg.data.name}-{cfg.embeddings.name}{trained}{bigrams}-{pooling}-{hidden}-"
            f"{optimizer_name(cfg.optimizer)}-s{cfg.seed}")


def optimizer_name(node: DictConfig) -> str:
    """A short name for run names: the class name in lower case (``adam``, ``sgd``), ``momentum``
    for SGD with momentum, with ``-scratch`` for the lab's written-out rules."""
    target = str(node.get("_target_", "?"))
    name = target.rsplit(".", 1)[-1].lower()
    if name == "sgd" and node.get("momentum", 0):
        name = "momentum"
    return f"{name}-scratch" if target.startswith("sweeps.lab.") else name


def open_run(cfg: DictConfig, run_id: str | None = None, parent_run_id: str | None = None) -> MlflowRun:
    """The run's MLflow record (a new one, or ``run_id`` reopened), tagged with what it trains and,
    inside a sweep, which trial it is; a child of ``parent_run_id``, else of the study's run."""
    model_kind = cfg.model.name if cfg.model.name != "mlp" else (
        "mlp-trainable" if cfg.embeddings.trainable else "mlp")
    tags = {"sweeps.data": cfg.data.name, "sweeps.embeddings": cfg.embeddings.name, "sweeps.model": model_kind,
            **{str(k): v for k, v in (cfg.tags or {}).items()}}
    context = trial_context()
    if context is not None:
        tags.update({"optuna.study_name": context.link.study_name, "optuna.trial_number": context.number})
        parent_run_id = parent_run_id or context.link.parent_run_id
    return MlflowRun(cfg.tracking.uri, cfg.tracking.experiment, run_name=run_name(cfg),
                     artifact_location=cfg.tracking.artifact_location, tags=tags, run_id=run_id,
                     parent_run_id=parent_run_id)
