"""``train(cfg)``: one tracked training run, as plain Python that tests call directly.

One sequence of named steps for every kind of model: check the config (:func:`_set_up`), prepare
the inputs (:func:`_prepare_inputs`), open the MLflow run (or reopen the one being resumed) and
record params, tags and step-0 data metrics (:func:`_record_start`), fit and score on test (the
fit step), record the final metrics (:func:`_record_fit`), artifacts and prediction analysis
(:func:`_record_artifacts`), the diagnosis (:func:`_record_diagnosis`) and the model's extras.
A network (:class:`NetworkFit`: sweeps' training loop) and an estimator
(:class:`sweeps.baselines.run.EstimatorFit`: one ``fit`` call) differ only in their inputs and
fit step, so their runs carry the same tags, params, metric names and artifacts. Nothing
touches MLflow until the config, data and any checkpoint have been checked, so bad input never
leaves a run behind.
"""

from __future__ import annotations

import logging
import platform
from pathlib import Path
from typing import Any

import torch
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

from sweeps.baselines.reference import applies as reference_applies
from sweeps.baselines.reference import linear_reference
from sweeps.baselines.run import EstimatorFit, token_inputs, token_splits
from sweeps.config import validate_config
from sweeps.config.embeddings import vectors_name
from sweeps.config.models import is_estimator
from sweeps.diagnosis.facts import LINEAR_VAL_ACC, RunFacts
from sweeps.data.sources import ToyData, data_is, dropped_rows
from sweeps.data.splits import Splits
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
from sweeps.training.outcome import FitOutcome, RunInputs
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


def features_inputs(cfg: DictConfig, features: Features) -> RunInputs:
    """What a network's run records about its features: sizes, class count, OOV rates (tokens
    without a vector), the input checks ``data/inputs_*`` of this layout, seconds per step, and
    the uninformative-inputs warning (:mod:`sweeps.features.quality`)."""
    summary = {f"data/{name}_size": float(len(features.split(name))) for name in ("train", "val", "test")}
    summary["data/num_classes"] = float(features.num_classes)
    summary.update({f"data/oov_rate_{name}": features.split(name).oov_rate for name in ("train", "val", "test")})
    summary.update({f"time/{k}": v for k, v in features.timings.items()})
    summary.update(features.quality.metrics())  # data/inputs_*: are the inputs informative?
    if features.embeddings_epochs:
        summary["embeddings/epochs_run"] = float(features.embeddings_epochs)
    return RunInputs(class_names=features.class_names, summary=summary,
                     warning=features.quality.warning(vectors_name(cfg.embeddings)),
                     test_labels=features.test.labels, test_texts=features.test.texts)


def _in_study(cfg: DictConfig) -> bool:
    """Study trials skip the slow per-run extras (projections, the vectors artifact): a study
    compares numbers, and its parent run carries the study-level plots."""
    return trial_context() is not None


def _pruned_trial(cfg: DictConfig, fit: FitResult) -> bool:
    """A pruned study trial keeps its numbers, config, checkpoints and diagnosis but skips the
    figures and error analysis: the pruner judged it not worth finishing, and its end-of-run
    images would cost more than the epochs it ran (the MLflow UI draws its curves anyway)."""
    return _in_study(cfg) and fit.stop_reason == "pruned"


class NetworkFit:
    """The fit step of a network (built-in or a user's ``torch.nn.Module``): sweeps' training loop
    over ``features``, checkpointed under the run, then the best epoch's weights scored on test.

    ``callbacks`` see every epoch; ``resuming``: the run continues from a checkpoint (no "before"
    projection: the weights are not the initial ones).
    """

    def __init__(self, cfg: DictConfig, features: Features, run: MlflowRun, callbacks: list, *,
                 resolved: dict[str, Any], resuming: bool) -> None:
        self.cfg, self.features = cfg, features
        self.checkpoint_dir = Path(cfg.paths.runs_dir) / "checkpoints" / run.run_id
        extra = {"config": resolved, "class_names": features.class_names, "input_dim": features.input_dim,
                 "run_id": run.run_id}
        self.trainer = build_trainer(cfg, features, checkpoint_dir=self.checkpoint_dir, checkpoint_extra=extra)
        self.device = self.trainer.options.device
        self.trainer.callbacks += callbacks
        if data_is(cfg, ToyData):
            self.trainer.callbacks.append(DecisionBoundaryLogger(run, self.trainer.model, features.train.pooled,
                                                                 features.train.labels, cfg.tracking.confusion_every))
        self.representations = None
        if not resuming and cfg.tracking.projection_points > 0 and not _in_study(cfg):
            self.representations = RepresentationLogger(run, self.trainer.model, tensor_split(features, "val"),
                                                        features.class_names, cfg.tracking.projection_points,
                                                        cfg.tracking.tsne, cfg.seed)
        self.result: FitResult | None = None
        self.test = None

    def ran_params(self) -> dict[str, Any]:
        """``optimizer.effective_lr``: the learning rate as it ran, after batch-size scaling
        (``optimizer.lr`` is the configured one)."""
        return {"optimizer.effective_lr": effective_lr(self.cfg.optimizer, self.cfg.trainer, effective_batch_size(self.cfg))}

    def resume(self, state: dict[str, Any]) -> int:
        """Continue from a checkpoint's state; returns the epoch it ended."""
        self.trainer.load_state_dict(state)
        return self.trainer.epoch

    def fit(self) -> FitOutcome:
        trainer, features = self.trainer, self.features
        fit = self.result = trainer.fit(tensor_split(features, "train"), tensor_split(features, "val"))
        load_model_state(trainer.model, fit.best_state, "best epoch")
        self.test = trainer.evaluate(tensor_split(features, "test"))
        return FitOutcome(fit=fit, test=self.test, train_acc=trainer.evaluate(tensor_split(features, "train")).metrics["acc"],
                          parameters=count_parameters(trainer.model), test_doc_oov=features.test.doc_oov)

    def log_artifacts(self, run: MlflowRun) -> None:
        """What reusing the run needs: its checkpoints and the word vectors it trained."""
        for name in ("best.pt", "last.pt"):
            if (self.checkpoint_dir / name).is_file():
                run.log_artifact(self.checkpoint_dir / name, "checkpoints")
        features = self.features
        if features.neighbours:
            run.log_text(features.neighbours + "\n", "embeddings/neighbours.txt")
        if (self.cfg.tracking.log_embeddings and not _in_study(self.cfg) and features.vectors_file
                and Path(features.vectors_file).is_file()):
            run.log_artifact(Path(features.vectors_file), "embeddings")

    def log_extras(self, run: MlflowRun, figures: bool) -> None:
        """The loop's curves (loss, accuracy, learning rate per epoch), before/after projections of
        validation documents and, for attention, the shaded test pages."""
        if figures:
            with optional_step(run, "training_curves"):
                run.log_figure(curves_figure(self.result.history, self.result.best_epoch), "training_curves.png")
        if self.representations is not None:
            self.representations.log_after()
        if self.cfg.tracking.analysis and self.features.vocab is not None and figures:
            with optional_step(run, "attention_html"):
                log_attention_highlights(run, self.trainer.model, tensor_split(self.features, "test"), self.test,
                                         self.features)


# -- the steps of a run, in order --------------------------------------------------------------------

def _set_up(cfg: DictConfig, resolved: dict[str, Any], estimator: bool) -> tuple[dict[str, Any] | None, Path | None]:
    """Checks that need no MLflow (device, checkpoint to resume) and torch's threads; returns the
    resume state and its path, or (None, None)."""
    if estimator:
        if cfg.trainer.resume_from:
            raise ConfigError("trainer.resume_from", "an estimator (model._target_ with fit()) fits in one step: "
                                                     "there is nothing to resume")
    else:
        resolve_device(cfg.trainer.device, str(cfg.trainer.precision))
    if cfg.trainer.num_threads:
        torch.set_num_threads(cfg.trainer.num_threads)
    if not cfg.trainer.resume_from:
        return None, None
    return load_resume_state(str(cfg.trainer.resume_from), Path(cfg.paths.runs_dir), cfg.tracking.uri, resolved)


def _prepare_inputs(cfg: DictConfig, estimator: bool) -> tuple[Features | Splits, RunInputs]:
    """The model's inputs (token splits for an estimator, features for a network) and what the
    run records about them; logs the data line and any uninformative-inputs warning."""
    if estimator:
        splits, timings = token_splits(cfg)
        data, inputs = splits, token_inputs(splits, timings)
    else:
        data = prepare_features(cfg)
        inputs = features_inputs(cfg, data)
        if cfg.diagnosis.enabled and cfg.diagnosis.linear_reference and reference_applies(cfg):
            linear = linear_reference(cfg)  # what the diagnoser calls poor on this data (issue 20)
            if linear is not None:
                inputs.summary[LINEAR_VAL_ACC] = linear
    s = inputs.summary
    log.info("data: %d train / %d val / %d test, %d classes, OOV %.1f%% (train)%s",
             s["data/train_size"], s["data/val_size"], s["data/test_size"], inputs.num_classes,
             100 * s["data/oov_rate_train"], "" if estimator else f", features {'cached' if data.cache_hit else 'built'}")
    if not estimator and data.neighbours and data.vectors_trained:  # once per trained vectors, not per trial
        log.info("nearest neighbours in the %s vectors:\n%s", vectors_name(cfg.embeddings), data.neighbours)
    if inputs.warning:
        log.warning(inputs.warning)
    return data, inputs


def _epoch_callbacks(cfg: DictConfig, run: MlflowRun, inputs: RunInputs, callbacks: list | None) -> list:
    """Who sees each epoch: the live diagnosis first (its alarm joins the epoch's metrics before
    they are logged and reported), the MLflow logger, the caller's callbacks, injected faults."""
    for callback in callbacks or []:
        if hasattr(callback, "on_run_start"):
            callback.on_run_start(run.run_id)
    live = [LiveDiagnosis(cfg.diagnosis, inputs.num_classes, run)] if cfg.diagnosis.live else []
    return [*live, MlflowEpochLogger(run, inputs.class_names, cfg.tracking.confusion_every), *(callbacks or []),
            *faults_from_env()]


def _record_start(run: MlflowRun, cfg: DictConfig, resolved: dict[str, Any], inputs: RunInputs,
                  step: NetworkFit | EstimatorFit) -> None:
    """A new run's params (the flattened config, plus values as they ran), environment tags and
    step-0 data metrics."""
    run.log_params({**flatten_config(resolved), **step.ran_params()})
    run.log_metrics(inputs.summary, step=0)
    run.set_tags({"device": step.device, "torch": torch.__version__, "python": platform.python_version(),
                  **({"inputs.warning": inputs.warning} if inputs.warning else {})})
    dropped = dropped_rows(cfg, Path(cfg.paths.runs_dir) / "cache" / "hf")
    if dropped is not None:
        run.log_metrics({"data/dropped_rows": dropped["total"]}, step=0)


def _record_resume(run: MlflowRun, step: NetworkFit, state: dict[str, Any], path: Path,
                   resolved: dict[str, Any]) -> None:
    """A resumed run keeps its params (MLflow params are immutable): what the resume changed is
    recorded as ``resumed.<key>`` tags."""
    epoch = step.resume(state)
    changed = {f"resumed.{k}": v for k, v in changed_on_resume(state, resolved).items()}
    run.set_tags({"resumed_from": str(path), "resumed_at_epoch": epoch, **changed})
    log.info("resuming run %s after epoch %d", run.run_id, epoch)


def _record_fit(run: MlflowRun, outcome: FitOutcome) -> dict[str, float]:
    """The final metrics and the stop tags; returns the metrics."""
    fit, final = outcome.fit, outcome.final_metrics()
    run.log_metrics(final, step=fit.stopped_epoch)
    run.set_tags({"stop_reason": fit.stop_reason, "stopped_epoch": fit.stopped_epoch})
    if fit.stop_reason == "pruned":
        run.set_tags({"pruned": "true", "pruned_at_epoch": fit.stopped_epoch})
    return final


def _record_artifacts(run: MlflowRun, cfg: DictConfig, inputs: RunInputs, step: NetworkFit | EstimatorFit,
                      outcome: FitOutcome, figures: bool) -> None:
    """What the run needs to be reused first (config, then the model's own: checkpoints, vectors),
    then the optional analysis, each step of which is skipped with a recorded reason rather than
    fail the run."""
    run.log_text(OmegaConf.to_yaml(cfg, resolve=True), "config.yaml")
    step.log_artifacts(run)
    test = outcome.test
    log_prediction_analysis(run, inputs.class_names, inputs.test_labels, test.preds, test.probs,
                            test.metrics["confusion"], inputs.test_texts, outcome.test_doc_oov,
                            errors=cfg.tracking.analysis and figures, figures=figures)


def _record_diagnosis(run: MlflowRun, cfg: DictConfig, resolved: dict[str, Any], inputs: RunInputs,
                      fit: FitResult, figures: bool) -> None:
    """The diagnosis of the run's curves; the step-0 data metrics (input checks among them) let
    the diagnoser blame the inputs."""
    record_diagnosis(run, fit.history, cfg.diagnosis, inputs.num_classes, flatten_config(resolved), run_name(cfg),
                     figures=figures, facts=RunFacts(num_classes=inputs.num_classes, data=inputs.data_metrics()))


def train(cfg: DictConfig, callbacks: list | None = None, *, parent_run_id: str | None = None) -> RunResult:
    """Run one training job described by ``cfg`` and record it in MLflow; the same steps for a
    network and an estimator (``model=logreg_tfidf``), which differ only in the fit step.

    ``callbacks`` see every epoch (a study's pruning reporter plugs in here; an estimator's fit
    is epoch 1). The run is a child of ``parent_run_id`` when given, else of the running sweep's
    study run (if any).

    Raises:
        ConfigError, DataError, EmbeddingsError: bad input, found before any MLflow run exists.
    """
    validate_config(cfg)
    estimator = is_estimator(cfg.model)
    resolved = OmegaConf.to_container(cfg, resolve=True, enum_to_str=True)
    resume_state, resume_path = _set_up(cfg, resolved, estimator)
    data, inputs = _prepare_inputs(cfg, estimator)
    with open_run(cfg, resume_state.get("run_id") if resume_state else None, parent_run_id or study_run_id(),
                  tags=trial_tags()) as run:
        epoch_callbacks = _epoch_callbacks(cfg, run, inputs, callbacks)
        step = (EstimatorFit(cfg, data, epoch_callbacks) if estimator else
                NetworkFit(cfg, data, run, epoch_callbacks, resolved=resolved, resuming=resume_state is not None))
        if resume_state is None:
            _record_start(run, cfg, resolved, inputs, step)
        else:
            _record_resume(run, step, resume_state, resume_path, resolved)
        outcome = step.fit()
        final = _record_fit(run, outcome)
        figures = not _pruned_trial(cfg, outcome.fit)
        _record_artifacts(run, cfg, inputs, step, outcome, figures)
        if cfg.diagnosis.enabled:
            _record_diagnosis(run, cfg, resolved, inputs, outcome.fit, figures)
        step.log_extras(run, figures)
        fit = outcome.fit
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
