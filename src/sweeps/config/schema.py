"""Typed schema of every config group.

Each group in ``conf/`` is validated against a dataclass, so a typo in an override
(``model.dropuot=0.1``) or a wrong type (``data.batch_size=big``) is rejected by Hydra before any
work starts. ``data``, ``embeddings``, ``model``, ``optimizer`` and ``scheduler`` are ``_target_`` nodes:
each built-in variant has a schema of its own beside its range checks (:mod:`sweeps.config.data`,
:mod:`~sweeps.config.models`, :mod:`~sweeps.config.optimizers`, :mod:`~sweeps.config.schedulers`,
:mod:`~sweeps.config.embeddings`), and a user's own class needs none. Value ranges that a type cannot express (``lr > 0``) are checked in
:mod:`sweeps.config.validate` before any data is read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Optional

from omegaconf import II, MISSING


@dataclass
class PathsConf:
    # Everything the product writes (MLflow db, artifacts, caches, Hydra dirs) lives under here.
    runs_dir: str = "runs"


class FitOn(str, Enum):
    train = "train"
    subset = "subset"


@dataclass
class FeaturesConf:
    """How rows and word vectors become a model's inputs (:mod:`sweeps.features.build`), whichever
    ``embeddings`` made the vectors."""

    # Text-trained vectors (word2vec, random) are fitted on, when data.subset picks N labelled rows:
    # train = the whole training split (labels unused), subset = only the N rows.
    fit_on: FitOn = FitOn.train
    # Z-score each pooled feature with the training split's mean and std (frozen pooled layouts).
    standardize: bool = True
    # Fine-tune the table during training (sparse gradients), initialised from the vectors.
    trainable: bool = False
    # Trainable bags: training words seen fewer times get no row. Defaults to the vectors' own
    # embeddings.min_count (5 for vectors without one: GloVe, a file).
    min_count: int = II("oc.select:embeddings.min_count,5")


@dataclass
class EarlyStoppingConf:
    # Metric watched after every epoch, as logged (val/loss, val/acc ...).
    monitor: str = "val/loss"
    # min | max
    mode: str = "min"
    # Epochs without improvement before stopping; 0 disables early stopping.
    patience: int = 5
    # An improvement smaller than this does not count.
    min_delta: float = 0.0


@dataclass
class TrainerConf:
    max_epochs: int = 30
    early_stopping: EarlyStoppingConf = field(default_factory=EarlyStoppingConf)
    # Clip gradients to this value; null = off.
    grad_clip: Optional[float] = None
    # norm: rescale the global gradient norm to grad_clip; value: clamp each element to +-grad_clip.
    grad_clip_algorithm: str = "norm"
    # Sum gradients over k mini-batches before each optimizer step (effective batch k * batch_size).
    accumulate_grad_batches: int = 1
    # Rescale optimizer.lr for the effective batch size B: none | linear (lr * B/B0) | sqrt (lr * sqrt(B/B0)).
    scale_lr_with_batch: str = "none"
    # B0: the batch size optimizer.lr was tuned for.
    base_batch_size: int = 64
    # Targets become (1 - eps) * onehot + eps / K.
    label_smoothing: float = 0.0
    # A loss of the user's instead of cross-entropy, for training and evaluation: a `_target_` node
    # building a callable (logits, labels) -> the batch's mean loss (a torch loss module, or a
    # function with `_partial_: true`); null = built-in BCE/cross-entropy with label_smoothing.
    loss: Optional[Any] = None
    # 32 | bf16 (autocast, CPU or CUDA) | 16 (fp16 autocast + grad scaler, CUDA only)
    precision: str = "32"
    # cpu | cuda | auto (cuda when present)
    device: str = "auto"
    # Continue a stopped run: a checkpoint path or an MLflow run id.
    resume_from: Optional[str] = None
    # Per-step metrics (lr, loss) are logged every N optimizer steps.
    log_every_n_steps: int = 50
    # Per-layer diagnostics (gradient norms, update ratios, dead/saturated units) every N
    # optimizer steps, summarised per epoch as diag/* metrics; 0 = off.
    instrument_every: int = 10
    # torch intra-op threads; null = torch's default (one per core). A study with n_jobs workers
    # on one machine gives each its share of the cores unless this is set.
    num_threads: Optional[int] = None
    # Progress bar: null = only when stderr is a terminal.
    progress: Optional[bool] = None


@dataclass
class TrackingConf:
    # Any MLflow tracking URI: sqlite:///..., http://127.0.0.1:5000, ...
    uri: str = MISSING
    experiment: str = "sweeps"
    # Where a new experiment stores its artifacts (local stores only).
    artifact_location: Optional[str] = None
    # Optional run name; null = derived from the config.
    run_name: Optional[str] = None
    # Log the validation confusion matrix as an image every N epochs (0 = only at the end).
    confusion_every: int = 1
    # End-of-run analysis artifacts: per-class scores, error categories, confident mistakes,
    # attention highlights (README "What MLflow records").
    analysis: bool = True
    # Validation documents in the PCA/t-SNE projections before vs after training; 0 = none.
    projection_points: int = 500
    # Also t-SNE (seconds per map), not only PCA.
    tsne: bool = True
    # Log trained word vectors (Word2Vec) as an artifact of the run.
    log_embeddings: bool = True


@dataclass
class DiagnosisConf:
    """Thresholds of the diagnosis rules (sweeps.diagnosis.rules documents each rule's source)."""

    # Diagnose every run at its end (tags diagnosis.labels / diagnosis.fix, diagnosis.md).
    enabled: bool = True
    # Check after every epoch and flag divergence / exploding / vanishing as soon as they appear.
    live: bool = True
    # exploding: any layer's mean gradient norm above this, or growing this many times in an epoch.
    exploding_grad_norm: float = 100.0
    exploding_growth: float = 100.0
    # vanishing: first hidden layer's gradient norm below this fraction of the head's ...
    vanishing_ratio: float = 0.01
    # ... and below this in absolute terms,
    vanishing_grad_norm: float = 0.001
    # ... and not learning (train loss fell by less than this fraction of its first value).
    stalled_loss_drop: float = 0.05
    # dying_relu: share of ReLU units that never fire, in any layer.
    dead_relu_fraction: float = 0.4
    # overfitting: train acc - val acc above overfit_gap in both of the last two epochs, or val loss
    # this fraction above its minimum over the last two epochs while train loss fell by more than
    # overfit_train_drop (SageMaker Debugger's overfit rule, relative form).
    overfit_gap: float = 0.1
    overfit_val_loss_rise: float = 0.15
    overfit_train_drop: float = 0.1
    # ... and the train/val accuracy gap widened by more than this since that minimum.
    overfit_gap_widening: float = 0.03
    # underfitting: final train accuracy below chance + underfit_margin * (1 - chance) ...
    underfit_margin: float = 0.6
    # ... with the loss converged (last epochs changed it by less than this fraction).
    plateau_change: float = 0.02
    # ... and the final train loss at least this fraction of guessing's (ln K).
    underfit_loss_ratio: float = 0.8
    # lr_too_high: median update/weight ratio above this (healthy is ~1e-3), or a first epoch
    # that overshot above the loss of guessing (ln K) and a tail never below this x ln K.
    high_update_ratio: float = 0.1
    lr_high_loss_ratio: float = 1.0
    # lr_too_low: median update/weight ratio below this, with the loss creeping down; or, from the
    # curves, a loss still >= underfit_loss_ratio x ln K and still falling after a steady descent.
    low_update_ratio: float = 1e-4
    # ... the curves' path needs steps under this (healthy ~1e-3): normal steps on a creeping loss
    # are a model that cannot do better, not a learning rate too small.
    slow_update_ratio: float = 2e-4
    # A loss that fell in at least this share of its epochs came down steadily (small steps), so
    # the first-epoch overshoot test of lr_too_high does not apply.
    steady_descent_share: float = 0.75
    # noisy_training: reversals of the validation loss in the second half of training (total
    # variation minus net change, per epoch, over its mean) above this.
    noisy_val_loss_zigzag: float = 0.03
    # ... costing accuracy: the second half's mean val acc this far below the best epoch's.
    noisy_acc_cost: float = 0.02
    # ... or the second half's mean val loss this fraction above its minimum.
    noisy_loss_cost: float = 0.06
    # Harm (a label needs it; without it a rule's finding is an observation): best validation
    # accuracy within this share of the way from chance to perfect (binary: <= 0.6) ...
    harm_chance_margin: float = 0.2
    # ... or this far below a reference on the same data (the study's best trial).
    harm_reference_gap: float = 0.05
    # Measure a linear reference on each network run's split (TF-IDF + logistic regression over
    # words, cached per split, logged as data/linear_baseline_val_acc) ...
    linear_reference: bool = True
    # ... and call a run harmed (and, fitting its training data no better, underfitting) when its
    # best val acc is this far below it.
    harm_linear_gap: float = 0.15
    # uninformative_inputs (step-0 data/inputs_* metrics): frequent words' mean pairwise cosine at
    # or above this, pooled features' relative spread (std / mean |x|) at or below this, or this share of empty
    # docs (thresholds measured in sweeps.features.quality).
    inputs_max_vector_cosine: float = 0.95
    inputs_min_feature_std: float = 0.05
    inputs_max_empty_docs: float = 0.5
    # Degenerate inputs are strong evidence: "near chance" reaches this share of the way to perfect.
    inputs_harm_margin: float = 0.4
    # Candidate fixes per label, each one string of Hydra overrides; "key=*f" multiplies the run's value.
    fixes: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class SweepsConf:
    # `_target_` nodes: a built-in variant is typed by its own schema (sweeps.config.data,
    # sweeps.config.embeddings, sweeps.config.models, sweeps.config.optimizers,
    # sweeps.config.schedulers); a user's own class needs no schema.
    data: Any = MISSING
    embeddings: Any = MISSING
    model: Any = MISSING
    optimizer: Any = MISSING
    scheduler: Any = MISSING
    features: FeaturesConf = field(default_factory=FeaturesConf)
    trainer: TrainerConf = MISSING
    tracking: TrackingConf = MISSING
    diagnosis: DiagnosisConf = field(default_factory=DiagnosisConf)
    paths: PathsConf = field(default_factory=PathsConf)
    seed: int = 0
    # Free-form tags copied onto the MLflow run.
    tags: dict[str, Any] = field(default_factory=dict)
