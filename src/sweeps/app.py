"""``train(cfg)``: one tracked training run, as plain Python that tests call directly.

The steps, in order: check the config, build (or reuse) features, open the MLflow run, train,
evaluate the best weights on the test split, log artifacts. Nothing touches MLflow until the
config and data have been checked, so bad input never leaves a run behind.
"""

from __future__ import annotations

import logging
import platform
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from omegaconf import DictConfig, OmegaConf

from sweeps.config import validate_config
from sweeps.errors import ConfigError
from sweeps.features import Features, prepare_features
from sweeps.models import build_model
from sweeps.models.classifier import count_parameters
from sweeps.tracking import MlflowRun, flatten_config, ui_command
from sweeps.tracking.callbacks import MlflowEpochLogger
from sweeps.tracking.plots import confusion_figure, curves_figure
from sweeps.training import (EarlyStopping, FitResult, TensorSplit, Trainer, build_optimizer, build_scheduler,
                             save_checkpoint)
from sweeps.training.checkpoint import load_model_state
from sweeps.utils.seeding import seed_everything

log = logging.getLogger("sweeps")


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

    def objective(self, name: str) -> float:
        return self.metrics[name]


def _tensor_split(features: Features, name: str) -> TensorSplit:
    split = features.split(name)
    labels = torch.from_numpy(split.labels.astype(np.int64))
    if split.pooled is not None:
        return TensorSplit(torch.from_numpy(split.pooled), labels)
    return TensorSplit(torch.from_numpy(split.ids), labels, torch.from_numpy(split.lengths))


def _device(requested: str) -> str:
    if requested == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if requested == "cuda" and not torch.cuda.is_available():
        raise ConfigError("trainer.device", "cuda requested but no CUDA device is available")
    return requested


def _run_name(cfg: DictConfig) -> str:
    if cfg.tracking.run_name:
        return str(cfg.tracking.run_name)
    hidden = "x".join(str(h) for h in cfg.model.hidden_dims) or "linear"
    pooling = getattr(cfg.model.pooling, "value", cfg.model.pooling)
    return f"{cfg.data.name}-{cfg.embeddings.name}-{pooling}-{hidden}-{cfg.optimizer.name}-s{cfg.seed}"


def build_trainer(cfg: DictConfig, features: Features, callbacks: list | None = None) -> Trainer:
    """Model, optimizer, schedule and loop for ``cfg``; seeded so weights are reproducible."""
    seed_everything(cfg.seed)
    table = torch.from_numpy(features.embedding_table) if features.embedding_table is not None else None
    model = build_model(cfg, features.input_dim, features.num_classes, table)
    optimizer = build_optimizer(cfg.optimizer, model.parameters())
    steps_per_epoch = -(-len(features.train) // cfg.data.batch_size)
    scheduler = build_scheduler(cfg.schedule, optimizer, steps_per_epoch, cfg.trainer.max_epochs)
    es = cfg.trainer.early_stopping
    return Trainer(
        model, optimizer, scheduler, num_classes=features.num_classes, batch_size=cfg.data.batch_size,
        max_epochs=cfg.trainer.max_epochs, seed=cfg.seed,
        early_stopping=EarlyStopping(es.monitor, es.mode, es.patience, es.min_delta),
        grad_clip=cfg.trainer.grad_clip, device=_device(cfg.trainer.device), callbacks=callbacks,
    )


def _data_summary(features: Features) -> dict[str, float]:
    summary = {f"data/{name}_size": float(len(features.split(name))) for name in ("train", "val", "test")}
    summary.update({f"data/oov_rate_{name}": features.split(name).oov_rate for name in ("train", "val", "test")})
    summary.update({f"time/{k}": v for k, v in features.timings.items()})
    return summary


def _log_results(run: MlflowRun, cfg: DictConfig, features: Features, fit: FitResult, trainer: Trainer,
                 test_metrics: dict, resolved: dict, checkpoint_dir: Path) -> None:
    run.log_dict({"labels": features.class_names, "matrix": test_metrics["confusion"].tolist()},
                 "test_confusion_matrix.json")
    run.log_figure(confusion_figure(test_metrics["confusion"], features.class_names, "test (best epoch)"),
                   "test_confusion_matrix.png")
    run.log_figure(curves_figure(fit.history, fit.best_epoch), "training_curves.png")
    run.log_text(OmegaConf.to_yaml(cfg, resolve=True), "config.yaml")
    best_path = checkpoint_dir / "best.pt"
    save_checkpoint(best_path, {
        "model": fit.best_state, "optimizer": trainer.optimizer.state_dict(), "epoch": fit.best_epoch,
        "config": resolved, "class_names": features.class_names, "input_dim": features.input_dim,
    })
    run.log_artifact(best_path, "checkpoints")


def train(cfg: DictConfig) -> RunResult:
    """Run one training job described by ``cfg`` and record it in MLflow."""
    validate_config(cfg)
    device = _device(cfg.trainer.device)
    features = prepare_features(cfg)
    log.info("data: %d train / %d val / %d test, %d classes, OOV %.1f%% (train), features %s",
             len(features.train), len(features.val), len(features.test), features.num_classes,
             100 * features.train.oov_rate, "cached" if features.cache_hit else "built")
    resolved = OmegaConf.to_container(cfg, resolve=True, enum_to_str=True)
    tags = {"sweeps.data": cfg.data.name, "sweeps.embeddings": cfg.embeddings.name,
            **{str(k): v for k, v in (cfg.tags or {}).items()}}
    with MlflowRun(cfg.tracking.uri, cfg.tracking.experiment, run_name=_run_name(cfg),
                   artifact_location=cfg.tracking.artifact_location, tags=tags) as run:
        run.log_params(flatten_config(resolved))
        trainer = build_trainer(cfg, features)
        logger = MlflowEpochLogger(run, features.class_names, cfg.tracking.confusion_every)
        trainer.callbacks.append(logger)
        run.log_metrics({**_data_summary(features), "model/parameters": count_parameters(trainer.model)}, step=0)
        run.set_tags({"device": device, "torch": torch.__version__, "python": platform.python_version()})

        fit = trainer.fit(_tensor_split(features, "train"), _tensor_split(features, "val"))
        load_model_state(trainer.model, fit.best_state, "best epoch")
        test = trainer.evaluate(_tensor_split(features, "test"))
        best = fit.history[fit.best_epoch - 1] if fit.best_epoch > 0 else fit.history[-1]
        final = {
            "test/loss": test.loss, "test/acc": test.metrics["acc"], "test/precision": test.metrics["precision"],
            "test/recall": test.metrics["recall"], "test/f1": test.metrics["f1"],
            "best/val/loss": best["val/loss"], "best/val/acc": best["val/acc"],
            "best_epoch": fit.best_epoch, "stopped_epoch": fit.stopped_epoch, "time/train_s": fit.train_time_s,
        }
        run.log_metrics(final, step=fit.stopped_epoch)
        run.set_tags({"stop_reason": fit.stop_reason})
        checkpoint_dir = Path(cfg.paths.runs_dir) / "checkpoints" / run.run_id
        _log_results(run, cfg, features, fit, trainer, test.metrics, resolved, checkpoint_dir)
        return RunResult(run_id=run.run_id, experiment_id=run.experiment_id, metrics=final,
                         best_epoch=fit.best_epoch, stopped_epoch=fit.stopped_epoch, stop_reason=fit.stop_reason,
                         tracking_uri=cfg.tracking.uri, run_url=run.run_url())


def summary_lines(result: RunResult) -> list[str]:
    """What the CLI prints at the end of a run."""
    m = result.metrics
    return [
        f"test accuracy {m['test/acc']:.4f} (F1 {m['test/f1']:.4f}, loss {m['test/loss']:.4f}); "
        f"best epoch {result.best_epoch}, stopped at {result.stopped_epoch} ({result.stop_reason})",
        f"MLflow run id: {result.run_id}",
        f"open it:  {ui_command(result.tracking_uri, result.run_url)}",
        f"     then http://127.0.0.1:5000{result.run_url}",
    ]
