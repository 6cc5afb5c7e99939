"""The composed config exposes the public knobs and rejects bad values with the key named."""

from __future__ import annotations

from pathlib import Path

import pytest
from hydra.errors import ConfigCompositionException
from hydra.utils import get_object
from omegaconf import OmegaConf

from sweeps.config import compose_config, validate_config
from sweeps.config.checks import Checked
from sweeps.config.compose import CONF_DIR
from sweeps.errors import ConfigError

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
    assert cfg.embeddings._target_ == "sweeps.embeddings.Word2Vec" and cfg.embeddings.dim == 300
    # How vectors become features: fitted on the whole training split, bag threshold = the vectors' own.
    assert cfg.features.fit_on == "train" and cfg.features.min_count == cfg.embeddings.min_count
    assert list(cfg.model.hidden_dims) == [128] and cfg.model.pooling.value == "mean"
    assert cfg.model.activation.value == "relu" and cfg.optimizer._target_ == "torch.optim.Adam" and cfg.data.batch_size == 64
    assert cfg.tracking.uri == "sqlite:///runs/mlflow.db"
    validate_config(cfg)


def _choices(group: str) -> list[str]:
    return sorted(path.stem for path in (Path(CONF_DIR) / group).glob("*.yaml"))


@pytest.mark.parametrize("group,choice", [(g, c) for g in ("optimizer", "scheduler") for c in _choices(g)])
def test_every_group_choice_is_a_typed_target_node_that_validates(group, choice):
    cfg = compose_config([f"{group}={choice}"])
    # Typed by its own schema (not a union of every variant's knobs), and its _target_ imports.
    schema = OmegaConf.get_type(cfg[group])
    assert issubclass(schema, Checked) and str(cfg[group]._target_) in schema.targets
    assert callable(get_object(cfg[group]._target_)) and cfg[group]._partial_ is True
    validate_config(cfg)


@pytest.mark.parametrize("override,named", [
    ("model.dropuot=0.1", "'model.dropuot'"),
    ("data.batch_size=big", "override data.batch_size=big"),
    ("model.activation=swish", "override model.activation=swish"),
    ("model.pooling=median", "override model.pooling=median"),
    ("optimizer=rmsprop_typo", "'optimizer/rmsprop_typo'"),
    # Each data source has its own schema: the toy sets' knobs are not IMDB's.
    ("data=imdb data.noise=0.3", "'data.noise'"),
])
def test_typos_and_wrong_types_are_rejected_at_composition(override, named):
    # Hydra refuses the override itself; the message names the offending key or group choice.
    with pytest.raises(ConfigCompositionException) as info:
        compose_config(override.split())
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
    ("optimizer=momentum optimizer.momentum=1.0", "optimizer.momentum"),
    ("optimizer.betas=[0.9,1.5]", "optimizer.betas"),
    ("scheduler=warmup_cosine scheduler.warmup_fraction=1.0", "scheduler.warmup_fraction"),
    ("scheduler=plateau scheduler.mode=up", "scheduler.mode"),
    ("trainer.scale_lr_with_batch=cubic", "trainer.scale_lr_with_batch"),
    ("data=files", "data.path"),
    ("data=imdb_hub data.path=", "data.path"),
    ("data=xor data.n_samples=5", "data.n_samples"),
    ("data=moons data.noise=-0.1", "data.noise"),
    ("data=xor data.encoding=klingon", "data.encoding"),
])
def test_out_of_range_values_name_the_key(override, key):
    overrides = override.split()
    cfg = compose_config([*overrides, "data.test_fraction=0.5"] if key == "data.val_fraction" else overrides)
    with pytest.raises(ConfigError) as info:
        validate_config(cfg)
    # The one-line message starts with the key the user has to fix.
    assert info.value.key == key
    assert f"'{key}'" in str(info.value)


@pytest.mark.parametrize("key, value", [("batch_size", 0), ("val_fraction", 1.5), ("batch_size", "many")])
def test_a_users_own_data_source_gets_the_shared_knobs_checked(key, value):
    # A DataSource subclass of the user's has no schema of its own: its kwargs are its author's, but the
    # split/batching knobs every source shares are still checked before any data is read.
    cfg = compose_config(["data=imdb"])
    cfg.data = OmegaConf.create({**OmegaConf.to_container(cfg.data), "root": "/my/own/knob",  # the class's own knob
                                 "_target_": "sweeps.data.sources.DataSource"})  # importable, not a built-in
    validate_config(cfg)
    cfg.data[key] = value
    with pytest.raises(ConfigError) as info:
        validate_config(cfg)
    assert info.value.key == f"data.{key}"


def test_an_unimportable_target_is_one_line_and_nothing_else_is_logged(caplog):
    from omegaconf import OmegaConf

    from sweeps.config.checks import check_target

    with pytest.raises(ConfigError) as error:
        check_target(OmegaConf.create({"_target_": "torch.optim.Nope"}), "optimizer")
    assert str(error.value) == ("config key 'optimizer._target_': cannot import 'torch.optim.Nope' "
                                "(ModuleNotFoundError: No module named 'torch.optim.Nope')")
    assert not [r for r in caplog.records if r.levelname == "ERROR"]  # Hydra's own ERROR line is held back
