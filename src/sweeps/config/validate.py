"""Range and consistency checks the type system cannot express.

Run before any data is read or any MLflow run is opened, so bad input costs nothing and leaves
nothing behind. A valid config then has its relative paths made absolute against the launch
directory (:func:`sweeps.config.paths.resolve_paths`), once, before anything reads them.
"""

from __future__ import annotations

import codecs

from omegaconf import DictConfig, OmegaConf

from sweeps.config import embeddings, optimizers, schedulers  # noqa: F401 - registers the variants' checks
from sweeps.config.checks import check_node, one_of, require
from sweeps.config.models import NUMPY_MLP, is_estimator, model_inputs
from sweeps.config.paths import resolve_paths
from sweeps.data.sources import EMBEDDED_SOURCES

_DATA_SOURCES = (*EMBEDDED_SOURCES, "hub", "files", "toy", "dataset")


def _known_encoding(name: str) -> bool:
    try:
        codecs.lookup(name)
    except LookupError:
        return False
    return True


def validate_config(cfg: DictConfig) -> None:
    """Raise :class:`ConfigError` naming the first bad key; then make the config's relative paths
    absolute (:func:`~sweeps.config.paths.resolve_paths`)."""
    missing = sorted(k for k in OmegaConf.missing_keys(cfg) if not k.startswith("hydra"))
    require(not missing, missing[0] if missing else "", "is required but has no value (set it with key=value)")
    data, opt, trainer = cfg.data, cfg.optimizer, cfg.trainer
    one_of(data.source, "data.source", _DATA_SOURCES)
    require(data.batch_size >= 1, "data.batch_size", f"must be >= 1, got {data.batch_size}")
    require(data.subset is None or data.subset >= 2, "data.subset",
             f"must be null or >= 2, got {data.subset}")
    for key in ("val_fraction", "test_fraction"):
        value = data[key]
        require(0 < value < 1, f"data.{key}", f"must be between 0 and 1 (exclusive), got {value}")
    total = data.val_fraction + data.test_fraction
    require(total < 1, "data.val_fraction",
             f"data.val_fraction + data.test_fraction must be below 1 to leave training data, got {total:g}")
    require(data.max_tokens >= 1, "data.max_tokens", f"must be >= 1, got {data.max_tokens}")
    if data.source == "dataset":
        require(data.dataset is not None, "data.dataset", "is required when data.source=dataset")
        check_node(data.dataset, "data.dataset")
    if data.source in ("hub", "files"):
        require(bool(data.path), "data.path", f"is required when data.source={data.source}")
    require(_known_encoding(data.encoding), "data.encoding",
             f"unknown text encoding '{data.encoding}' (e.g. utf-8, latin-1, cp1252, utf-16)")

    check_node(cfg.embeddings, "embeddings")
    require(cfg.features.min_count >= 1, "features.min_count", f"must be >= 1, got {cfg.features.min_count}")

    check_node(cfg.model, "model")
    inputs = model_inputs(cfg)
    if cfg.model.get("ngrams") == 2 and not is_estimator(cfg.model):
        require(inputs == "bags", "model.ngrams",
                 "bigrams need a trainable bag: features.trainable=true with pooling mean|max|mean_max")
    if cfg.features.trainable:
        require(inputs in ("bags", "tokens") and cfg.model._target_ != NUMPY_MLP, "features.trainable",
                 "needs a torch model that reads token ids (model=mlp)")
        require(str(opt.get("_target_", "")).startswith("torch.optim."), "features.trainable",
                 f"needs a torch.optim optimizer (sparse gradients), got optimizer._target_={opt.get('_target_')}")
    if data.source == "toy":
        require(data.n_samples >= 20, "data.n_samples", f"must be >= 20, got {data.n_samples}")
        require(data.noise >= 0, "data.noise", f"must be >= 0, got {data.noise}")
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
