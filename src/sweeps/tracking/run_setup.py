"""Opening a run's MLflow record the same way for every kind of model."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from omegaconf import DictConfig

from sweeps.config.embeddings import vectors_name
from sweeps.config.models import NUMPY_MLP, TEXT_MLP, TFIDF_LOGREG
from sweeps.data.sources import reads_text
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
    kind = model_kind(cfg)
    if kind == "logreg_tfidf":
        return f"{cfg.data.name}-tfidf{cfg.model.ngrams}gram-logreg-C{cfg.model.C:g}"
    if kind not in ("mlp", "mlp-trainable", "mlp_numpy"):  # a model of the user's: its class names it
        return f"{cfg.data.name}-{kind}-{optimizer_name(cfg.optimizer)}-s{cfg.seed}"
    hidden = "x".join(str(h) for h in cfg.model.hidden_dims) or "linear"
    pooling = getattr(cfg.model.pooling, "value", cfg.model.pooling)
    trained = "-trainable" if cfg.features.trainable else ""
    ngrams = {2: "+bigrams", 3: "+trigrams"}.get(int(cfg.model.ngrams), "")
    numpy = "-numpy" if kind == "mlp_numpy" else ""
    return (f"{cfg.data.name}-{vectors_name(cfg.embeddings)}{trained}{ngrams}-{pooling}-{hidden}{numpy}-"
            f"{optimizer_name(cfg.optimizer)}-s{cfg.seed}")


def model_kind(cfg: DictConfig) -> str:
    """The ``sweeps.model`` tag: ``mlp``, ``mlp-trainable``, ``mlp_numpy``, ``logreg_tfidf``, or
    the class name of a model of the user's (``my_cnn`` for ``mypkg.MyCNN``: lower case)."""
    target = str(cfg.model.get("_target_", "?"))
    builtin = {TEXT_MLP: "mlp", "sweeps.models.classifier.TextClassifier": "mlp", NUMPY_MLP: "mlp_numpy",
               TFIDF_LOGREG: "logreg_tfidf"}
    kind = builtin.get(target) or target.rsplit(".", 1)[-1].lower()
    return "mlp-trainable" if kind == "mlp" and cfg.features.trainable else kind


def optimizer_name(node: DictConfig) -> str:
    """A short name for run names: the class name in lower case (``adam``, ``sgd``), ``momentum``
    for SGD with momentum, with ``-scratch`` for the lab's written-out rules."""
    target = str(node.get("_target_", "?"))
    name = target.rsplit(".", 1)[-1].lower()
    if name == "sgd" and node.get("momentum", 0):
        name = "momentum"
    return f"{name}-scratch" if target.startswith("sweeps.lab.") else name


def open_run(cfg: DictConfig, run_id: str | None = None, parent_run_id: str | None = None, *,
             tags: Mapping[str, str] | None = None) -> MlflowRun:
    """The run's MLflow record (a new one, or ``run_id`` reopened), tagged with what it trains,
    the user's ``cfg.tags`` and ``tags`` (inside a sweep: the trial's,
    :func:`sweeps.study.context.trial_tags`); a child of ``parent_run_id`` when given."""
    embeddings = vectors_name(cfg.embeddings) if reads_text(cfg) else "none"  # inputs as they come
    tags = {"sweeps.data": cfg.data.name, "sweeps.embeddings": embeddings, "sweeps.model": model_kind(cfg),
            **{str(k): v for k, v in (cfg.tags or {}).items()}, **(tags or {})}
    return MlflowRun(cfg.tracking.uri, cfg.tracking.experiment, run_name=run_name(cfg),
                     artifact_location=cfg.tracking.artifact_location, tags=tags, run_id=run_id,
                     parent_run_id=parent_run_id)
