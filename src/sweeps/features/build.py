"""Turn raw rows into tensors a model trains on, with every expensive step cached on disk.

Frozen embeddings with mean or max pooling are pooled once here: an epoch then costs a pass
over an (N, D) matrix instead of millions of embedding lookups. Attention pooling learns token
weights, so it gets padded token ids and the embedding table instead.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from omegaconf import DictConfig, OmegaConf

from sweeps.data import load_rows, make_splits
from sweeps.data.sources import source_fingerprint
from sweeps.data.splits import Split
from sweeps.data.text import TOKENIZER_VERSION
from sweeps.embeddings import WordVectors, build_vectors
from sweeps.errors import EmbeddingsError
from sweeps.utils.cache import ArrayCache, cache_key

log = logging.getLogger(__name__)

# Bump when the feature layout changes so old cache entries are ignored.
FEATURES_VERSION = "v1"
_SPLITS = ("train", "val", "test")
_CHUNK_DOCS = 2048


@dataclass
class FeatureSplit:
    """Inputs and labels of one split. ``pooled`` or (``ids``, ``lengths``) is set, by pooling kind."""

    labels: np.ndarray  # (N,) int64
    pooled: np.ndarray | None = None  # (N, D) float32
    ids: np.ndarray | None = None  # (N, L) int64, 0 = padding
    lengths: np.ndarray | None = None  # (N,) int64
    oov_rate: float = 0.0

    def __len__(self) -> int:
        return len(self.labels)


@dataclass
class Features:
    train: FeatureSplit
    val: FeatureSplit
    test: FeatureSplit
    class_names: list[str]
    input_dim: int
    # (V+1, D): row 0 is the padding vector. Only for token-level pooling.
    embedding_table: np.ndarray | None = None
    cache_hit: bool = False
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def split(self, name: str) -> FeatureSplit:
        return getattr(self, name)


def _encode(split: Split, index: dict[str, int]) -> tuple[list[np.ndarray], float]:
    """Token ids (1-based, 0 is padding) of known words, and the split's OOV token rate."""
    docs, total, known = [], 0, 0
    for tokens in split.tokens:
        ids = [index[t] + 1 for t in tokens if t in index]
        total += len(tokens)
        known += len(ids)
        docs.append(np.asarray(ids, dtype=np.int64))
    return docs, (1.0 - known / total) if total else 0.0


def _pool(docs: list[np.ndarray], table: torch.Tensor, mode: str) -> np.ndarray:
    """Mean or max of each document's vectors; a document with no known word pools to zeros."""
    out = []
    for start in range(0, len(docs), _CHUNK_DOCS):
        chunk = docs[start:start + _CHUNK_DOCS]
        lengths = torch.tensor([len(d) for d in chunk])
        flat = torch.from_numpy(np.concatenate(chunk)) if lengths.sum() else torch.zeros(0, dtype=torch.long)
        offsets = torch.cat([torch.zeros(1, dtype=torch.long), lengths.cumsum(0)[:-1]])
        pooled = torch.nn.functional.embedding_bag(flat, table, offsets, mode=mode)
        out.append(pooled.numpy())
    return np.concatenate(out).astype(np.float32)


def _pad(docs: list[np.ndarray], max_tokens: int) -> tuple[np.ndarray, np.ndarray]:
    lengths = np.asarray([min(len(d), max_tokens) for d in docs], dtype=np.int64)
    width = max(1, int(lengths.max()) if len(lengths) else 1)
    ids = np.zeros((len(docs), width), dtype=np.int64)
    for row, doc in enumerate(docs):
        ids[row, :lengths[row]] = doc[:max_tokens]
    return ids, lengths


def pooling_of(cfg: DictConfig) -> str:
    """``model.pooling`` as a plain string (it is an Enum in the typed config)."""
    pooling = cfg.model.pooling
    return str(getattr(pooling, "value", pooling))


def _split_identity(cfg: DictConfig, fingerprint: str) -> dict:
    """What determines the token splits: not the batching knobs, which only matter to training."""
    data = OmegaConf.to_container(cfg.data, resolve=True)
    for training_only in ("batch_size", "drop_last"):
        data.pop(training_only, None)
    return {"data": data, "fingerprint": fingerprint, "tokenizer": TOKENIZER_VERSION}


def _features_key(cfg: DictConfig, fingerprint: str) -> str:
    return cache_key("features", {
        "version": FEATURES_VERSION, **_split_identity(cfg, fingerprint),
        "embeddings": OmegaConf.to_container(cfg.embeddings, resolve=True),
        "pooling": pooling_of(cfg),
        # Only trained vectors depend on the seed; a seed sweep over GloVe reuses one entry.
        "seed": cfg.seed if cfg.embeddings.name in ("word2vec", "random") else None,
    })


def _to_arrays(features: Features) -> dict[str, np.ndarray]:
    arrays: dict[str, np.ndarray] = {"class_names": np.asarray(features.class_names),
                                     "input_dim": np.asarray(features.input_dim)}
    if features.embedding_table is not None:
        arrays["embedding_table"] = features.embedding_table
    for name in _SPLITS:
        split = features.split(name)
        arrays[f"{name}.labels"] = split.labels
        arrays[f"{name}.oov_rate"] = np.asarray(split.oov_rate)
        for attr in ("pooled", "ids", "lengths"):
            value = getattr(split, attr)
            if value is not None:
                arrays[f"{name}.{attr}"] = value
    return arrays


def _from_arrays(arrays: dict[str, np.ndarray]) -> Features:
    def split(name: str) -> FeatureSplit:
        return FeatureSplit(labels=arrays[f"{name}.labels"], pooled=arrays.get(f"{name}.pooled"),
                            ids=arrays.get(f"{name}.ids"), lengths=arrays.get(f"{name}.lengths"),
                            oov_rate=float(arrays[f"{name}.oov_rate"]))

    return Features(train=split("train"), val=split("val"), test=split("test"),
                    class_names=arrays["class_names"].tolist(), input_dim=int(arrays["input_dim"]),
                    embedding_table=arrays.get("embedding_table"), cache_hit=True)


def _build(cfg: DictConfig, splits, vectors: WordVectors) -> Features:
    index = vectors.index()
    table = torch.from_numpy(np.ascontiguousarray(vectors.vectors))
    mode = pooling_of(cfg)
    token_level = mode == "attention"
    padded_table = torch.cat([torch.zeros(1, vectors.dim), table])
    built = {}
    for name in _SPLITS:
        split = getattr(splits, name)
        docs, oov = _encode(split, index)
        if name == "train" and oov == 1.0:
            raise EmbeddingsError(f"the {cfg.embeddings.name} vectors cover none of the training tokens "
                                  f"(is embeddings.path the right file for this language/tokenization?)")
        if token_level:
            ids, lengths = _pad(docs, cfg.data.max_tokens)
            built[name] = FeatureSplit(labels=split.labels, ids=ids, lengths=lengths, oov_rate=oov)
        else:
            built[name] = FeatureSplit(labels=split.labels, pooled=_pool(docs, padded_table, mode), oov_rate=oov)
    return Features(**built, class_names=list(splits.class_names), input_dim=vectors.dim,
                    embedding_table=padded_table.numpy() if token_level else None)


def toy_features(cfg: DictConfig) -> Features:
    """2-D points of a lab data set (``data=xor`` ...): the inputs are the coordinates themselves."""
    from sweeps.data.splits import split_indices, stratified_subset
    from sweeps.lab.datasets import make_toy

    x, y = make_toy(cfg.data.name, cfg.data.n_samples, cfg.data.noise, cfg.data.split_seed)
    train, val, test = split_indices(y, cfg.data.val_fraction, cfg.data.test_fraction, cfg.data.split_seed)
    if cfg.data.subset is not None:
        train = stratified_subset(train, y, cfg.data.subset, cfg.data.split_seed)
    splits = {name: FeatureSplit(labels=y[idx], pooled=x[idx]) for name, idx in
              (("train", train), ("val", val), ("test", test))}
    names = [str(c) for c in sorted(set(y.tolist()))]
    return Features(**splits, class_names=names, input_dim=x.shape[1])


# The last features built or loaded in this process: a study's trials share one process under
# Hydra's basic launcher and would otherwise re-read the same arrays every trial.
_IN_MEMORY: dict[str, Features] = {}


def prepare_features(cfg: DictConfig) -> Features:
    """Load, split, embed and pool per ``cfg``; reuse the cached result whenever it applies.

    The cache key needs only the source's fingerprint (a ``stat``), so a hit never reads the rows.
    """
    if cfg.data.source == "toy":
        return toy_features(cfg)
    runs_dir = Path(cfg.paths.runs_dir)
    cache = ArrayCache(runs_dir / "cache")
    start = time.perf_counter()
    fingerprint = source_fingerprint(cfg)
    key = _features_key(cfg, fingerprint)
    memory_key = f"{runs_dir.resolve()}:{key}"  # another runs dir is another cache, even in one process
    if memory_key in _IN_MEMORY:
        features = _IN_MEMORY[memory_key]
        features.timings = {"features_s": time.perf_counter() - start}
        return features
    cached = cache.load(key)
    if cached is not None:
        features = _from_arrays(cached)
        features.timings = {"features_s": time.perf_counter() - start}
        log.info("features: cache hit %s", cache.path(key))
        _remember(memory_key, features)
        return features

    timings: dict[str, float] = {}
    rows = load_rows(cfg, runs_dir / "cache" / "hf")
    timings["load_rows_s"] = time.perf_counter() - start
    t = time.perf_counter()
    splits = make_splits(rows, cfg.data.val_fraction, cfg.data.test_fraction, cfg.data.split_seed, cfg.data.subset)
    timings["tokenize_s"] = time.perf_counter() - t
    t = time.perf_counter()
    data_key = cache_key("split", _split_identity(cfg, fingerprint))
    vectors, _ = build_vectors(cfg.embeddings, splits.train.tokens, data_key, cfg.seed, cache)
    timings["embeddings_s"] = time.perf_counter() - t
    t = time.perf_counter()
    features = _build(cfg, splits, vectors)
    timings["features_s"] = time.perf_counter() - t
    cache.save(key, _to_arrays(features))
    features.timings = timings
    _remember(memory_key, features)
    return features


def _remember(key: str, features: Features) -> None:
    _IN_MEMORY.clear()
    _IN_MEMORY[key] = features
