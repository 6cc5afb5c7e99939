"""Run configs recorded by earlier versions of sweeps, rewritten in today's layout.

A run stores its resolved config twice: as the MLflow artifact ``config.yaml`` (read by
``sweeps.diagnose`` and repair) and inside its checkpoints (compared on ``trainer.resume_from``).
Both pass through :func:`upgrade_config` before use, so a run recorded before a layout change
still resumes, diagnoses and repairs. Each step below is idempotent and names the change it undoes.
"""

from __future__ import annotations

import copy
from typing import Any

# Before optimizers were `_target_` nodes: `optimizer.name` picked one of these, `impl=scratch`
# the lab's written-out rule, and lr scaling lived in the optimizer node.
_OPTIMIZERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "sgd": ("SGD", ("lr", "weight_decay")),
    "momentum": ("SGD", ("lr", "weight_decay", "momentum", "nesterov")),
    "adam": ("Adam", ("lr", "weight_decay", "betas", "eps")),
    "adamw": ("AdamW", ("lr", "weight_decay", "betas", "eps")),
    "rmsprop": ("RMSprop", ("lr", "weight_decay", "alpha", "eps")),
}
# Before schedulers were `_target_` nodes under `scheduler` (torch's word): `schedule.name`.
_SCHEDULERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "constant": ("Constant", ()),
    "step": ("StepDecay", ("step_epochs", "gamma")),
    "cosine": ("Cosine", ("min_lr_ratio",)),
    "warmup_cosine": ("WarmupCosine", ("min_lr_ratio", "warmup_fraction")),
    "warmup_linear": ("WarmupLinear", ("min_lr_ratio", "warmup_fraction")),
    "plateau": ("ReduceOnPlateau", ("monitor", "mode", "factor", "patience")),
}


# Before models were `_target_` nodes: `model.name` (mlp | logreg_tfidf) with `model.backend`
# (torch | numpy), one schema holding every variant's keys.
_MLP_KEYS = ("hidden_dims", "activation", "dropout", "pooling", "init", "norm", "residual", "input_dropout",
             "init_std", "attention_hidden", "ngrams", "bigram_buckets", "bigram_min_count", "token_weighting")
_LOGREG_KEYS = ("ngrams", "min_df", "C", "max_iter")


# Before embeddings were `_target_` nodes: `embeddings.name` picked the vectors, one schema held every
# variant's knobs, and the node also said how vectors become features (now the `features` node;
# `min_count` was also the trainable bag's vocabulary threshold, whatever the vectors).
_EMBEDDINGS: dict[str, tuple[str, tuple[str, ...]]] = {
    "word2vec": ("Word2Vec", ("dim", "sg", "window", "min_count", "epochs", "min_token_passes", "max_epochs",
                              "workers")),
    "random": ("RandomVectors", ("dim", "min_count")),
    "glove50": ("GloVe50", ()),
    "file": ("VectorsFile", ("path",)),
}
_FEATURE_KEYS = ("fit_on", "standardize", "trainable", "min_count")


# Before data sources were `_target_` nodes: `data.source` picked the loader, one schema held every
# source's knobs (path, dataset, n_samples, noise), each kept now only by the variant that reads it.
_DATA: dict[str, tuple[str, tuple[str, ...]]] = {
    "embedded_imdb": ("EmbeddedIMDB", ()),
    "embedded_rotten_tomatoes": ("EmbeddedRottenTomatoes", ()),
    "embedded_bbc_news": ("EmbeddedBBCNews", ()),
    "hub": ("HubDataset", ("path",)),
    "files": ("TextFiles", ("path",)),
    "toy": ("ToyData", ("n_samples", "noise")),
    "dataset": ("UserDataset", ("dataset",)),
}
_SOURCE_KEYS = ("source", "path", "dataset", "n_samples", "noise")


def _data(old: dict[str, Any]) -> dict[str, Any]:
    cls, keys = _DATA[old["source"]]
    common = {k: v for k, v in old.items() if k not in _SOURCE_KEYS}
    return {"_target_": f"sweeps.data.{cls}", **common, **{k: old[k] for k in keys if k in old}}


def _embeddings(old: dict[str, Any], features: dict[str, Any]) -> dict[str, Any]:
    cls, keys = _EMBEDDINGS[old["name"]]
    for key in _FEATURE_KEYS:
        if key in old:
            features.setdefault(key, old[key])
    return {"_target_": f"sweeps.embeddings.{cls}", **{k: old[k] for k in keys if k in old}}


def _model(old: dict[str, Any]) -> dict[str, Any]:
    if old["name"] == "logreg_tfidf":
        return {"_target_": "sweeps.baselines.tfidf_logreg.TfidfLogreg", **{k: old[k] for k in _LOGREG_KEYS if k in old}}
    target = "sweeps.lab.torch_bridge.NumpyMLP" if old.get("backend") == "numpy" else "sweeps.models.TextClassifier"
    return {"_target_": target, **{k: old[k] for k in _MLP_KEYS if k in old}}


def _optimizer(old: dict[str, Any], trainer: dict[str, Any]) -> dict[str, Any]:
    cls, keys = _OPTIMIZERS[old["name"]]
    module = "sweeps.lab.optimizers" if old.get("impl") == "scratch" else "torch.optim"
    for key in ("scale_lr_with_batch", "base_batch_size"):
        if key in old:
            trainer.setdefault(key, old[key])
    return {"_target_": f"{module}.{cls}", "_partial_": True, **{k: old[k] for k in keys if k in old}}


def _scheduler(old: dict[str, Any]) -> dict[str, Any]:
    cls, keys = _SCHEDULERS[old["name"]]
    renamed = {**old, "factor": old.get("gamma")} if old["name"] == "plateau" else old
    return {"_target_": f"sweeps.training.schedules.{cls}", "_partial_": True,
            **{k: renamed[k] for k in keys if k in renamed}}


def upgrade_config(config: dict[str, Any]) -> dict[str, Any]:
    """``config`` (a resolved run config as a plain dict) in today's layout; a copy, never in place.

    Unknown variants are left as they are, for the schema to reject with the key's name.
    """
    cfg = copy.deepcopy(config)
    cfg.pop("optuna_trial", None)  # trials reached jobs through the app's schema before the sweeper served any app
    trainer = cfg.setdefault("trainer", {})
    model = cfg.get("model")
    if isinstance(model, dict) and "_target_" not in model and model.get("name") in ("mlp", "logreg_tfidf"):
        cfg["model"] = _model(model)
    optimizer = cfg.get("optimizer")
    if isinstance(optimizer, dict) and "_target_" not in optimizer and optimizer.get("name") in _OPTIMIZERS:
        cfg["optimizer"] = _optimizer(optimizer, trainer)
    data = cfg.get("data")
    if isinstance(data, dict) and "_target_" not in data and data.get("source") in _DATA:
        cfg["data"] = _data(data)
    embeddings = cfg.get("embeddings")
    if isinstance(embeddings, dict) and "_target_" not in embeddings and embeddings.get("name") in _EMBEDDINGS:
        cfg["embeddings"] = _embeddings(embeddings, cfg.setdefault("features", {}))
    schedule = cfg.pop("schedule", None)
    if isinstance(schedule, dict) and schedule.get("name") in _SCHEDULERS and "scheduler" not in cfg:
        cfg["scheduler"] = _scheduler(schedule)
    return cfg


def with_defaults(config: dict[str, Any]) -> dict[str, Any]:
    """``config`` with the keys today's schema added since it was recorded, at their defaults
    (which is what the recording version ran with), as a plain resolved dict."""
    from omegaconf import OmegaConf

    from sweeps.config.schema import SweepsConf

    merged = OmegaConf.merge(OmegaConf.structured(SweepsConf), config)
    return OmegaConf.to_container(merged, resolve=True, enum_to_str=True)
