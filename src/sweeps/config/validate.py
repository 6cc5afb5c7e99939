"""Range and consistency checks the type system cannot express.

Run before any data is read or any MLflow run is opened, so bad input costs nothing and leaves
nothing behind. A valid config then has its relative paths made absolute against the launch
directory (:func:`sweeps.config.paths.resolve_paths`), once, before anything reads them.
"""

from __future__ import annotations

from omegaconf import DictConfig, OmegaConf

from sweeps.config import embeddings, optimizers, schedulers  # noqa: F401 - registers the variants' checks
from sweeps.config.checks import check_node, check_shared, one_of, require, schema_of
from sweeps.config.data import DataConf  # importing it registers the data variants' checks
from sweeps.config.embeddings import refuse_own_corpus
from sweeps.config.models import NUMPY_MLP, is_estimator, model_inputs
from sweeps.config.paths import resolve_paths


def validate_config(cfg: DictConfig) -> None:
    """Raise :class:`ConfigError` naming the first bad key; then make the config's relative paths
    absolute (:func:`~sweeps.config.paths.resolve_paths`)."""
    missing = sorted(k for k in OmegaConf.missing_keys(cfg) if not k.startswith("hydra"))
    require(not missing, missing[0] if missing else "", "is required but has no value (set it with key=value)")
    data, opt, trainer = cfg.data, cfg.optimizer, cfg.trainer
    check_node(data, "data")
    if schema_of(data) is None:  # a user's own DataSource: the split/batching knobs it shares are checked too
        check_shared(data, "data", DataConf)

    check_node(cfg.embeddings, "embeddings")
    refuse_own_corpus(cfg)
    require(cfg.features.min_count >= 1, "features.min_count", f"must be >= 1, got {cfg.features.min_count}")

    check_node(cfg.model, "model")
    inputs = model_inputs(cfg)
    if (cfg.model.get("ngrams") or 1) >= 2 and not is_estimator(cfg.model):
        require(inputs == "bags", "model.ngrams",
                 "n-grams need a trainable bag: features.trainable=true with pooling mean|max|mean_max")
    if cfg.features.trainable:
        require(inputs in ("bags", "tokens") and cfg.model._target_ != NUMPY_MLP, "features.trainable",
                 "needs a torch model that reads token ids (model=mlp)")
        require(str(opt.get("_target_", "")).startswith("torch.optim."), "features.trainable",
                 f"needs a torch.optim optimizer (sparse gradients), got optimizer._target_={opt.get('_target_')}")
    check_node(opt, "optimizer")
    check_node(cfg.scheduler, "scheduler")
    one_of(trainer.scale_lr_with_batch, "trainer.scale_lr_with_batch", ("none", "linear", "sqrt"))
    require(trainer.base_batch_size >= 1, "trainer.base_batch_size", f"must be >= 1, got {trainer.base_batch_size}")

    require(trainer.max_epochs >= 1, "trainer.max_epochs", f"must be >= 1, got {trainer.max_epochs}")
    es = trainer.early_stopping
    require(es.patience >= 0, "trainer.early_stopping.patience", f"must be >= 0, got {es.patience}")
    one_of(es.mode, "trainer.early_stopping.mode", ("min", "max"))
    require(trainer.grad_clip is None or trainer.grad_clip > 0, "trainer.grad_clip",
             f"must be null or > 0, got {trainer.grad_clip}")
    one_of(trainer.device, "trainer.device", ("cpu", "cuda", "auto"))
    one_of(trainer.grad_clip_algorithm, "trainer.grad_clip_algorithm", ("norm", "value"))
    require(trainer.accumulate_grad_batches >= 1, "trainer.accumulate_grad_batches",
             f"must be >= 1, got {trainer.accumulate_grad_batches}")
    require(0 <= trainer.label_smoothing < 1, "trainer.label_smoothing",
             f"must be in [0, 1), got {trainer.label_smoothing}")
    if trainer.get("loss") is not None:
        check_node(trainer.loss, "trainer.loss")
    one_of(trainer.precision, "trainer.precision", ("32", "bf16", "16"))
    require(trainer.instrument_every >= 0, "trainer.instrument_every",
             f"must be >= 0 (0 = off), got {trainer.instrument_every}")
    require(trainer.num_threads is None or trainer.num_threads >= 1, "trainer.num_threads",
             f"must be >= 1 or null (torch's default), got {trainer.num_threads}")
    require(cfg.tracking.projection_points >= 0, "tracking.projection_points",
             f"must be >= 0 (0 = off), got {cfg.tracking.projection_points}")
    require(trainer.log_every_n_steps >= 1, "trainer.log_every_n_steps",
             f"must be >= 1, got {trainer.log_every_n_steps}")
    resolve_paths(cfg)
