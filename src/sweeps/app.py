"""``train(cfg)``: one tracked training run, as plain Python that tests call directly.

The steps, in order: check the config, build (or reuse) features, open the MLflow run (or reopen
the one being resumed), train, evaluate the best weights on the test split, log artifacts and the
analysis of its predictions. ``model=logreg_tfidf`` takes :mod:`sweeps.baselines.run` instead.
Nothing touches MLflow until the config, data and any checkpoint have been checked, so bad input
never leaves a run behind.
"""

from __future__ import annotations

import logging
import platform
from pathlib import Path
from typing import Any

import torch
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

from sweeps.config import validate_config
from sweeps.config.embeddings import vectors_name
from sweeps.config.models import is_estimator
from sweeps.diagnosis.facts import RunFacts
from sweeps.data.sources import dropped_rows
from sweeps.diagnosis.live import LiveDiagnosis
from sweeps.tracking.diagnosis_record import record_diagnosis
from sweeps.errors import ConfigError
from sweeps.features import Features, prepare_features
from sweeps.models import build_model
from sweeps.models.classifier import count_parameters
from sweeps.study.context import study_run_id, trial_context, trial_tags
from sweeps.tracking import MlflowRun, flatten_config, ui_command
from sweeps.tracking.analysis_artifacts import log_prediction_analysis
from sweeps.tracking.callbacks import DecisionBoundaryLogger, MlflowEpochLogger
from sweeps.tracking.optional_steps import optional_step
from sweeps.tracking.plots import curves_figure
from sweeps.tracking.representations import RepresentationLogger, log_attention_highlights
from sweeps.tracking.run_setup import RunResult, open_run, run_name
from sweeps.training import EarlyStopping, FitResult, LoopOptions, Trainer, build_scheduler
from sweeps.training.splits import tensor_split
from sweeps.training.optim import build_model_optimizer, effective_lr
from sweeps.training.checkpoint import load_model_state
from sweeps.training.faults import faults_from_env
from sweeps.training.resume import changed_on_resume, load_resume_state
from sweeps.utils.seeding import seed_everything
from sweeps.utils.signals import Interrupted
from sweeps.utils.stores import MLFLOW_UI_URL

log = logging.getLogger("sweeps")


def resolve_device(requested: str, precision: str) -> str:
    device = ("cuda" if torch.cuda.is_available() else "cpu") if requested == "auto" else requested
    if device == "cuda" and not torch.cuda.is_available():
        raise ConfigError("trainer.device", "cuda requested but no CUDA device is available")
    if precision == "16" and device != "cuda":
        raise ConfigError("trainer.precision", "16 (fp16 + grad scaler) needs a CUDA device; use bf16 on CPU")
    return device


def loop_options(cfg: DictConfig, device: str) -> LoopOptions:
    t = cfg.trainer
    return LoopOptions(
        batch_size=cfg.data.batch_size, max_epochs=t.max_epochs, seed=cfg.seed,
        accumulate_grad_batches=t.accumulate_grad_batches, grad_clip=t.grad_clip,
        grad_clip_algorithm=t.grad_clip_algorithm, label_smoothing=t.label_smoothing, precision=str(t.precision),
        device=device, drop_last=cfg.data.drop_last, log_every_n_steps=t.log_every_n_steps, progress=t.progress,
        instrument_every=t.instrument_every,
    )


def effective_batch_size(cfg: DictConfig) -> int:
    """Examples per optimizer step, the batch size ``trainer.scale_lr_with_batch`` scales for."""
    return cfg.data.batch_size * cfg.trainer.accumulate_grad_batches


def build_trainer(cfg: DictConfig, features: Features, callbacks: list | None = None,
                  checkpoint_dir: Path | None = None, checkpoint_extra: dict[str, Any] | None = None) -> Trainer:
    """Model, optimizer, schedule and loop for ``cfg``; seeded so weights are reproducible."""
    options = loop_options(cfg, resolve_device(cfg.trainer.device, str(cfg.trainer.precision)))
    seed_everything(cfg.seed)
    table = torch.from_numpy(features.embedding_table) if features.embedding_table is not None else None
    pretrained = torch.from_numpy(features.pretrained) if features.pretrained is not None else None
    model = build_model(cfg, features.input_dim, features.num_classes, table, pretrained, features.bag_rows,
                        input_shape=features.input_shape, class_names=features.class_names)
    optimizer = build_model_optimizer(cfg.optimizer, model, effective_lr(cfg.optimizer, cfg.trainer, effective_batch_size(cfg)))
    batches = len(features.train) // options.batch_size if options.drop_last else -(-len(features.train) // options.batch_size)
    steps_per_epoch = max(1, -(-max(1, batches) // options.accumulate_grad_batches))
    schedule = build_scheduler(cfg.scheduler, optimizer, steps_per_epoch, cfg.trainer.max_epochs)
    es = cfg.trainer.early_stopping
    return Trainer(model, optimizer, schedule, num_classes=features.num_classes, options=options,
                   early_stopping=EarlyStopping(es.monitor, es.mode, es.patience, es.min_delta),
                   callbacks=callbacks, checkpoint_dir=checkpoint_dir, checkpoint_extra=checkpoint_extra,
                   loss=instantiate(cfg.trainer.loss, _convert_="all") if cfg.trainer.get("loss") else None)


def _data_summary(features: Features) -> dict[str, float]:
    summary = {f"data/{name}_size": float(len(features.split(name))) for name in ("train", "val", "test")}
    summary["data/num_classes"] = float(features.num_classes)
    summary.update({f"data/oov_rate_{name}": features.split(name).oov_rate for name in ("train", "val", "test")})
    summary.update({f"time/{k}": v for k, v in features.timings.items()})
    summary.update(features.quality.metrics())  # data/inputs_*: are the inputs informative?
    if features.embeddings_epochs:
        summary["embeddings/epochs_run"] = float(features.embeddings_epochs)
    return summary


def _in_study(cfg: DictConfig) -> bool:
    """Study trials skip the slow per-run extras (projections, the vectors artifact): a study
    compares numbers, and its parent run carries the study-level plots."""
    return trial_context() is not None


def _pruned_trial(cfg: DictConfig, fit: FitResult) -> bool:
    """A pruned study trial keeps its numbers, config, checkpoints and diagnosis but skips the
    figures and error analysis: the pruner judged it not worth finishing, and its end-of-run
    images would cost more than the epochs it ran (the MLflow UI draws its curves anyway)."""
    return _in_study(cfg) and fit.stop_reason == "pruned"


def _log_results(run: MlflowRun, cfg: DictConfig, features: Features, fit: FitResult, test,
                 checkpoint_dir: Path, figures: bool) -> None:
    """What the run needs to be reused first (config, checkpoints, vectors), then the optional
    analysis, each step of which is skipped with a recorded reason rather than fail the run."""
    run.log_text(OmegaConf.to_yaml(cfg, resolve=True), "config.yaml")
    for name in ("best.pt", "last.pt"):
        if (checkpoint_dir / name).is_file():
            run.log_artifact(checkpoint_dir / name, "checkpoints")
    if features.neighbours:
        run.log_text(features.neighbours + "\n", "embeddings/neighbours.txt")
    if cfg.tracking.log_embeddings and not _in_study(cfg) and features.vectors_file and Path(features.vectors_file).is_file():
        run.log_artifact(Path(features.vectors_file), "embeddings")
    split = features.test
    log_prediction_analysis(run, features.class_names, split.labels, test.preds, test.probs,
                            test.metrics["confusion"], split.texts, split.doc_oov,
                            errors=cfg.tracking.analysis and figures, figures=figures)
    if figures:
        with optional_step(run, "training_curves"):
            run.log_figure(curves_figure(fit.history, fit.best_epoch), "training_curves.png")


def _final_metrics(fit: FitResult, test) -> dict[str, float]:
    best = fit.history[fit.best_epoch - 1] if fit.best_epoch > 0 else fit.history[-1]
    return {
        "test/loss": test.loss, "test/acc": test.metrics["acc"], "test/precision": test.metrics["precision"],
        "test/recall": test.metrics["recall"], "test/f1": test.metrics["f1"],
        "best/val/loss": best["val/loss"], "best/val/acc": best["val/acc"],
        "best_epoch": fit.best_epoch, "stopped_epoch": fit.stopped_epoch, "time/train_s": fit.train_time_s,
    }


def train(cfg: DictConfig, callbacks: list | None = None, *, parent_run_id: str | None = None) -> RunResult:
    """Run one training job described by ``cfg`` and record it in MLflow.

    ``callbacks`` see every epoch (a study's pruning reporter plugs in here). The run is a child
    of ``parent_run_id`` when given, else of the running sweep's study run (if any).
    """
    validate_config(cfg)
    if is_estimator(cfg.model):
        from sweeps.baselines.run import train_tfidf_logreg

        return train_tfidf_logreg(cfg, callbacks, parent_run_id=parent_run_id)
    device = resolve_device(cfg.trainer.device, str(cfg.trainer.precision))
    if cfg.trainer.num_threads:
        torch.set_num_threads(cfg.trainer.num_threads)
    runs_dir = Path(cfg.paths.runs_dir)
    resolved = OmegaConf.to_container(cfg, resolve=True, enum_to_str=True)
    resume_state, resume_path = None, None
    if cfg.trainer.resume_from:
        resume_state, resume_path = load_resume_state(str(cfg.trainer.resume_from), runs_dir, cfg.tracking.uri, resolved)
    features = prepare_features(cfg)
    log.info("data: %d train / %d val / %d test, %d classes, OOV %.1f%% (train), features %s",
             len(features.train), len(features.val), len(features.test), features.num_classes,
             100 * features.train.oov_rate, "cached" if features.cache_hit else "built")
    if features.neighbours and features.vectors_trained:  # once per trained vectors, not per trial
        log.info("nearest neighbours in the %s vectors:\n%s", vectors_name(cfg.embeddings), features.neighbours)
    inputs_warning = features.quality.warning(vectors_name(cfg.embeddings))
    if inputs_warning:
        log.warning(inputs_warning)
    with open_run(cfg, resume_state.get("run_id") if resume_state else None, parent_run_id or study_run_id(),
                  tags=trial_tags()) as run:
        for callback in callbacks or []:
            if hasattr(callback, "on_run_start"):
                callback.on_run_start(run.run_id)
        checkpoint_dir = runs_dir / "checkpoints" / run.run_id
        extra = {"config": resolved, "class_names": features.class_names, "input_dim": features.input_dim,
                 "run_id": run.run_id}
        trainer = build_trainer(cfg, features, checkpoint_dir=checkpoint_dir, checkpoint_extra=extra)
        live = [LiveDiagnosis(cfg.diagnosis, features.num_classes, run)] if cfg.diagnosis.live else []
        # Live diagnosis first: its alarm joins the epoch's metrics before they are logged and reported.
        trainer.callbacks += [*live, MlflowEpochLogger(run, features.class_names, cfg.tracking.confusion_every),
                              *(callbacks or []), *faults_from_env()]
        if cfg.data.source == "toy":
            trainer.callbacks.append(DecisionBoundaryLogger(run, trainer.model, features.train.pooled,
                                                            features.train.labels, cfg.tracking.confusion_every))
        representations = None
        if resume_state is None and cfg.tracking.projection_points > 0 and not _in_study(cfg):
            representations = RepresentationLogger(run, trainer.model, tensor_split(features, "val"),
                                                   features.class_names, cfg.tracking.projection_points,
                                                   cfg.tracking.tsne, cfg.seed)
        if resume_state is None:
            # optimizer.lr as configured, optimizer.effective_lr as it ran (after batch-size scaling).
            run.log_params({**flatten_config(resolved),
                            "optimizer.effective_lr": effective_lr(cfg.optimizer, cfg.trainer, effective_batch_size(cfg))})
            run.log_metrics({**_data_summary(features), "model/parameters": count_parameters(trainer.model)}, step=0)
            run.set_tags({"device": device, "torch": torch.__version__, "python": platform.python_version(),
                          **({"inputs.warning": inputs_warning} if inputs_warning else {})})
            dropped = dropped_rows(cfg, runs_dir / "cache" / "hf")
            if dropped is not None:
                run.log_metrics({"data/dropped_rows": dropped["total"]}, step=0)
        else:
            trainer.load_state_dict(resume_state)
            # MLflow params are immutable: what the resume changed is recorded as resumed.<key> tags.
            changed = {f"resumed.{k}": v for k, v in changed_on_resume(resume_state, resolved).items()}
            run.set_tags({"resumed_from": str(resume_path), "resumed_at_epoch": trainer.epoch, **changed})
            log.info("resuming run %s after epoch %d", run.run_id, trainer.epoch)

        fit = trainer.fit(tensor_split(features, "train"), tensor_split(features, "val"))
        load_model_state(trainer.model, fit.best_state, "best epoch")
        test = trainer.evaluate(tensor_split(features, "test"))
        final = _final_metrics(fit, test)
        # Training-set accuracy of the kept weights in eval mode (no dropout): "did it fit?"
        final["final/train/acc"] = trainer.evaluate(tensor_split(features, "train")).metrics["acc"]
        run.log_metrics(final, step=fit.stopped_epoch)
        run.set_tags({"stop_reason": fit.stop_reason, "stopped_epoch": fit.stopped_epoch})
        if fit.stop_reason == "pruned":
            run.set_tags({"pruned": "true", "pruned_at_epoch": fit.stopped_epoch})
        figures = not _pruned_trial(cfg, fit)
        _log_results(run, cfg, features, fit, test, checkpoint_dir, figures)
        if cfg.diagnosis.enabled:
            # The step-0 data metrics (input checks among them) let the diagnoser blame the inputs.
            data_metrics = {k: v for k, v in _data_summary(features).items() if k.startswith("data/")}
            record_diagnosis(run, fit.history, cfg.diagnosis, features.num_classes, flatten_config(resolved),
                             run_name(cfg), figures=figures,
                             facts=RunFacts(num_classes=features.num_classes, data=data_metrics))
        if representations is not None:
            representations.log_after()
        if cfg.tracking.analysis and features.vocab is not None and figures:
            with optional_step(run, "attention_html"):
                log_attention_highlights(run, trainer.model, tensor_split(features, "test"), test, features)
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
        f"     then {MLFLOW_UI_URL}{result.run_url}",
    ]


def interrupted_summary(exc: Interrupted, cfg: DictConfig) -> str:
    """What the CLI says after SIGTERM/Ctrl-C stopped a run: which MLflow run is now KILLED and
    how to go on (resume from its last checkpoint, or start again if no epoch had finished)."""
    if not exc.killed_runs:
        return "stopped before the MLflow run was opened; nothing was recorded"
    run_id = exc.killed_runs[-1]
    if (Path(cfg.paths.runs_dir) / "checkpoints" / run_id / "last.pt").is_file():
        return f"MLflow run {run_id} marked KILLED; re-run with trainer.resume_from={run_id} to continue"
    return f"MLflow run {run_id} marked KILLED before its first epoch ended; re-run the same command to start again"
