"""The composed config exposes the public knobs and rejects bad values with the key named."""

from __future__ import annotations

import pytest
from hydra.errors import ConfigCompositionException
from omegaconf import OmegaConf

from sweeps.config import validate_config
from sweeps.errors import ConfigError
from sweeps.config import compose_config

PUBLIC_KNOBS = [
    "seed", "data.batch_size", "data.subset", "data.val_fraction", "data.test_fraction", "model.hidden_dims",
    "model.activation", "model.dropout", "model.pooling", "model.init", "optimizer.lr", "optimizer.weight_decay",
    "trainer.max_epochs", "trainer.early_stopping.patience", "trainer.grad_clip", "tracking.uri",
    "tracking.experiment",
]


def test_default_config_has_every_public_knob_with_lecture_defaults():
    cfg = compose_config([])
    for knob in PUBLIC_KNOBS:
        # Each documented knob exists (select returns a sentinel when missing).
        assert OmegaConf.select(cfg, knob, default="<absent>") != "<absent>", knob
    # The lecture's classifier: Word2Vec 300d -> mean pooling -> 128 ReLU -> 1 logit, Adam, batch 64.
    assert cfg.embeddings.name == "word2vec" and cfg.embeddings.dim == 300
    assert list(cfg.model.hidden_dims) == [128] and cfg.model.pooling.value == "mean"
    assert cfg.model.activation.value == "relu" and cfg.optimizer.name == "adam" and cfg.data.batch_size == 64
    assert cfg.tracking.uri == "sqlite:///runs/mlflow.db"
    validate_config(cfg)


@pytest.mark.parametrize("group,choice", [("optimizer", o) for o in ("sgd", "momentum", "adam", "adamw")]
                         + [("schedule", s) for s in ("constant", "step", "cosine", "warmup_cosine")])
def test_every_group_choice_composes_and_validates(group, choice):
    cfg = compose_config([f"{group}={choice}"])
    assert cfg[group].name == choice
    validate_config(cfg)


@pytest.mark.parametrize("override,named", [
    ("model.dropuot=0.1", "'model.dropuot'"),
    ("data.batch_size=big", "override data.batch_size=big"),
    ("model.activation=swish", "override model.activation=swish"),
    ("model.pooling=median", "override model.pooling=median"),
    ("optimizer=rmsprop_typo", "'optimizer/rmsprop_typo'"),
])
def test_typos_and_wrong_types_are_rejected_at_composition(override, named):
    # Hydra refuses the override itself; the message names the offending key or group choice.
    with pytest.raises(ConfigCompositionException) as info:
        compose_config([override])
    assert named in str(info.value)


@pytest.mark.parametrize("override,key", [
    ("optimizer.lr=0", "optimizer.lr"),
    ("optimizer.lr=-0.1", "optimizer.lr"),
    ("data.batch_size=0", "data.batch_size"),
    ("data.val_fraction=0.5", "data.val_fraction"),
    ("data.test_fraction=1.5", "data.test_fraction"),
    ("model.dropout=1.0", "model.dropout"),
    ("trainer.max_epochs=0", "trainer.max_epochs"),
    ("trainer.grad_clip=-1", "trainer.grad_clip"),
    ("trainer.early_stopping.patience=-2", "trainer.early_stopping.patience"),
    ("model.hidden_dims=[0]", "model.hidden_dims"),
    ("data=files", "data.path"),
])
def test_out_of_range_values_name_the_key(override, key):
    cfg = compose_config([override, "data.test_fraction=0.5"] if key == "data.val_fraction" else [override])
    with pytest.raises(ConfigError) as info:
        validate_config(cfg)
    # The one-line message starts with the key the user has to fix.
    assert info.value.key == key
    assert f"'{key}'" in str(info.value)
