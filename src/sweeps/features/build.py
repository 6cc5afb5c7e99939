"""Turn raw rows into tensors a model trains on, with every expensive step cached on disk.

Three layouts, by what the model learns:
- frozen embeddings with mean/max/mean_max pooling are pooled once here: an epoch then costs a
  pass over an (N, D) matrix instead of millions of embedding lookups;
- attention pooling learns token weights, so it gets padded token ids and the embedding table;
- trainable embeddings with mean/max/mean_max pooling get CSR bags of word (and bigram) ids with
  per-token weights (:mod:`sweeps.features.bag`), and the pretrained rows that initialise them.

Trained vectors are fitted on the whole training split's text even when ``data.subset`` keeps
fewer labelled rows (``features.fit_on=train``): a few hundred documents cannot teach Word2Vec
anything, and a small-data experiment should be about the labels, not about collapsed inputs.
Pooled features are z-scored with the training split's statistics (``features.standardize``).
The vectors come from ``embeddings`` (a ``_target_`` node: :mod:`sweeps.embeddings.sources`).
Before training, :mod:`sweeps.features.quality` measures whether the inputs carry signal.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import torch
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

from sweeps.config.models import model_inputs, pooling_of
from sweeps.data import load_rows, make_splits
from sweeps.data.sources import ToyData, UserDataset, data_is, source_fingerprint
from sweeps.data.splits import Split, Splits, stratified_subset
from sweeps.data.text import TOKENIZER_VERSION
from sweeps.embeddings import Embeddings, WordVectors, build_vectors, embeddings_name
from sweeps.embeddings.vectors import check_vocabulary, nearest_words
from sweeps.errors import EmbeddingsError
from sweeps.features import quality
from sweeps.features.bag import build_vocabulary, count_matrix, csr_arrays, mean_weights, nb_weights, tfidf_weights
from sweeps.utils.cache import ArrayCache, cache_key

log = logging.getLogger(__name__)

# Bump when the feature layout changes so old cache entries are ignored.
FEATURES_VERSION = "v8"  # v8: v7 measured a quality.top_component, gone again; v6: embeddings as _target_ nodes, feature knobs in the features node
_SPLITS = ("train", "val", "test")
_CHUNK_DOCS = 2048


@dataclass
class FeatureSplit:
    """Inputs and labels of one split: ``pooled``, (``ids``, ``lengths``) or the ``bag_*`` CSR
    arrays are set, by layout. ``texts`` (test split only) and ``doc_oov`` serve error analysis."""

    labels: np.ndarray  # (N,) int64
    pooled: np.ndarray | None = None  # (N, D) float32
    ids: np.ndarray | None = None  # (N, L) int64, 0 = padding
    lengths: np.ndarray | None = None  # (N,) int64
    bag_ids: np.ndarray | None = None  # (nnz,) int64
    bag_offsets: np.ndarray | None = None  # (N + 1,) int64
    bag_weights: np.ndarray | None = None  # (nnz,) float32
    doc_oov: np.ndarray | None = None  # (N,) float32: share of each document's tokens without a vector
    texts: list[str] | None = None
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
    # One example's shape when it is not a flat vector (an image of a user's dataset); None = (input_dim,).
    input_shape: tuple[int, ...] | None = None
    # Attention: (V+1, D), row 0 the padding vector. Bags: (V_words, D) initial word rows, zero
    # where ``pretrained`` is False; ``bag_rows`` counts all rows, bigrams included.
    embedding_table: np.ndarray | None = None
    pretrained: np.ndarray | None = None  # (V_words,) bool
    bag_rows: int = 0
    # Attention: the word of each table row (row i + 1), to show which words got the weight.
    vocab: list[str] | None = None
    # Nearest neighbours of probe words in the vectors used (a sanity check; a one-line flag instead
    # when the vectors collapsed), and the cache file of vectors trained for this run (Word2Vec), to
    # log as an artifact.
    neighbours: str = ""
    vectors_file: str = ""
    cache_hit: bool = False
    # True only in the process call that trained the vectors (not on a cache or in-memory hit).
    vectors_trained: bool = False
    # Word2Vec epochs that ran (0 = no Word2Vec), and the input measurements taken before training.
    embeddings_epochs: int = 0
    quality: quality.InputQuality = field(default_factory=quality.InputQuality)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def split(self, name: str) -> FeatureSplit:
        return getattr(self, name)


def _encode(split: Split, index: dict[str, int]) -> tuple[list[np.ndarray], float, np.ndarray]:
    """Token ids (1-based, 0 is padding) of known words, the split's OOV token rate, and each
    document's OOV rate."""
    docs, total, known, doc_oov = [], 0, 0, np.zeros(len(split.tokens), np.float32)
    for row, tokens in enumerate(split.tokens):
        ids = [index[t] + 1 for t in tokens if t in index]
        total += len(tokens)
        known += len(ids)
        doc_oov[row] = 1.0 - len(ids) / len(tokens) if tokens else 0.0
        docs.append(np.asarray(ids, dtype=np.int64))
    return docs, (1.0 - known / total) if total else 0.0, doc_oov


def _pool(docs: list[np.ndarray], table: torch.Tensor, mode: str) -> np.ndarray:
    """Mean, max or both (concatenated) of each document's vectors; a document with no known
    word pools to zeros."""
    if mode == "mean_max":
        return np.concatenate([_pool(docs, table, "mean"), _pool(docs, table, "max")], axis=1)
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


def split_identity(cfg: DictConfig, fingerprint: str, *, whole_train: bool = False) -> dict:
    """What determines the token splits: not the batching knobs, which only matter to training.
    ``whole_train``: the training split before ``data.subset`` (the text vectors are fitted on)."""
    data = OmegaConf.to_container(cfg.data, resolve=True)
    for training_only in ("batch_size", "drop_last", *(("subset",) if whole_train else ())):
        data.pop(training_only, None)
    return {"data": data, "fingerprint": fingerprint, "tokenizer": TOKENIZER_VERSION}


def fits_on_whole_train(cfg: DictConfig) -> bool:
    """Vectors see the whole training split's text while only ``data.subset`` rows are labelled."""
    fit_on = str(getattr(cfg.features.fit_on, "value", cfg.features.fit_on))
    return cfg.data.subset is not None and fit_on == "train"


def _labelled_subset(splits: Splits, n: int, seed: int) -> Splits:
    """``data.subset`` applied to an already split training set: the same stratified draw as
    :func:`sweeps.data.make_splits` makes (same labels, same order, same seed), val/test unchanged."""
    train = splits.train
    keep = stratified_subset(np.arange(len(train)), train.labels, n, seed)
    subset = Split(tokens=[train.tokens[i] for i in keep], labels=train.labels[keep],
                   texts=[train.texts[i] for i in keep])
    return replace(splits, train=subset)


def uses_bags(cfg: DictConfig) -> bool:
    """Trainable embeddings pooled by mean/max: the CSR bag layout."""
    return model_inputs(cfg) == "bags"


def _bag_identity(cfg: DictConfig) -> dict | None:
    if not uses_bags(cfg):
        return None
    m = cfg.model
    return {"ngrams": m.ngrams, "buckets": m.bigram_buckets, "bigram_min_count": m.bigram_min_count,
            "weighting": str(getattr(m.token_weighting, "value", m.token_weighting))}


def _features_key(cfg: DictConfig, fingerprint: str, source: Embeddings) -> str:
    return cache_key("features", {
        "version": FEATURES_VERSION, **split_identity(cfg, fingerprint),
        "embeddings": source.identity(), "features": OmegaConf.to_container(cfg.features, resolve=True),
        "pooling": pooling_of(cfg), "inputs": model_inputs(cfg), "bag": _bag_identity(cfg),
        # Only vectors fitted on text depend on the seed; a seed sweep over GloVe reuses one entry.
        "seed": cfg.seed if source.fits_text else None,
    })


def _to_arrays(features: Features) -> dict[str, np.ndarray]:
    arrays: dict[str, np.ndarray] = {"class_names": np.asarray(features.class_names),
                                     "input_dim": np.asarray(features.input_dim)}
    for attr in ("embedding_table", "pretrained"):
        if getattr(features, attr) is not None:
            arrays[attr] = getattr(features, attr)
    arrays["bag_rows"] = np.asarray(features.bag_rows)
    arrays["neighbours"], arrays["vectors_file"] = np.asarray(features.neighbours), np.asarray(features.vectors_file)
    arrays["embeddings_epochs"] = np.asarray(features.embeddings_epochs)
    for name, value in vars(features.quality).items():
        if value is not None:
            arrays[f"quality.{name}"] = np.asarray(value)
    if features.vocab is not None:
        arrays["vocab_bytes"], arrays["vocab_offsets"] = _pack_texts(features.vocab)
    for name in _SPLITS:
        split = features.split(name)
        arrays[f"{name}.labels"] = split.labels
        arrays[f"{name}.oov_rate"] = np.asarray(split.oov_rate)
        for attr in _SPLIT_ARRAYS:
            value = getattr(split, attr)
            if value is not None:
                arrays[f"{name}.{attr}"] = value
        if split.texts is not None:
            arrays[f"{name}.text_bytes"], arrays[f"{name}.text_offsets"] = _pack_texts(split.texts)
    return arrays


_SPLIT_ARRAYS = ("pooled", "ids", "lengths", "bag_ids", "bag_offsets", "bag_weights", "doc_oov")


def _pack_texts(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Texts as one UTF-8 byte array plus offsets: npz without pickle cannot hold Python strings."""
    encoded = [t.encode("utf-8") for t in texts]
    offsets = np.cumsum([0] + [len(e) for e in encoded]).astype(np.int64)
    return np.frombuffer(b"".join(encoded), dtype=np.uint8).copy(), offsets


def _unpack_texts(data: np.ndarray, offsets: np.ndarray) -> list[str]:
    raw = data.tobytes()
    return [raw[a:b].decode("utf-8") for a, b in zip(offsets[:-1], offsets[1:])]


def _from_arrays(arrays: dict[str, np.ndarray]) -> Features:
    def split(name: str) -> FeatureSplit:
        texts = (_unpack_texts(arrays[f"{name}.text_bytes"], arrays[f"{name}.text_offsets"])
                 if f"{name}.text_bytes" in arrays else None)
        return FeatureSplit(labels=arrays[f"{name}.labels"], oov_rate=float(arrays[f"{name}.oov_rate"]), texts=texts,
                            **{attr: arrays.get(f"{name}.{attr}") for attr in _SPLIT_ARRAYS})

    measured = {key.removeprefix("quality."): float(value) for key, value in arrays.items()
                if key.startswith("quality.")}
    return Features(train=split("train"), val=split("val"), test=split("test"),
                    class_names=arrays["class_names"].tolist(), input_dim=int(arrays["input_dim"]),
                    embeddings_epochs=int(arrays["embeddings_epochs"]),
                    quality=quality.InputQuality(**measured),
                    embedding_table=arrays.get("embedding_table"), pretrained=arrays.get("pretrained"),
                    bag_rows=int(arrays.get("bag_rows", 0)), cache_hit=True,
                    neighbours=str(arrays["neighbours"]), vectors_file=str(arrays["vectors_file"]),
                    vocab=_unpack_texts(arrays["vocab_bytes"], arrays["vocab_offsets"]) if "vocab_bytes" in arrays else None)


def _standardize(features: Features) -> None:
    """Z-score every pooled dimension with the training split's mean and std (val/test reuse them).

    Mean-pooled Word2Vec features share a large common component and differ by small amounts
    along the rest; centring removes the common part and scaling gives each dimension unit
    variance, the input scale Xavier/He initialisation assumes (Glorot & Bengio 2010)."""
    train = features.train.pooled.astype(np.float64)
    mean, std = train.mean(axis=0), train.std(axis=0)
    std[std < 1e-8] = 1.0  # a constant dimension stays constant (zero) rather than blowing up
    for name in _SPLITS:
        split = features.split(name)
        split.pooled = ((split.pooled - mean) / std).astype(np.float32)


def _measure(cfg: DictConfig, train_tokens: list[list[str]], vectors: WordVectors, train_docs: list[np.ndarray],
             pooled: np.ndarray | None) -> quality.InputQuality:
    """The input checks that apply to this layout (trainable tables start random: no cosine)."""
    measured = quality.InputQuality(empty_docs=quality.empty_fraction(np.asarray([len(d) for d in train_docs])))
    if not cfg.features.trainable:
        rows = quality.frequent_rows(train_tokens, vectors.index())
        measured.vector_cosine = quality.mean_pairwise_cosine(vectors.vectors[rows].astype(np.float64))
    if pooled is not None:
        measured.feature_std = quality.feature_std_ratio(pooled)
    return measured


def _build(cfg: DictConfig, splits, vectors: WordVectors, source_name: str) -> Features:
    index = vectors.index()
    table = torch.from_numpy(np.ascontiguousarray(vectors.vectors))
    mode = pooling_of(cfg)
    token_level = model_inputs(cfg) == "tokens"
    padded_table = torch.cat([torch.zeros(1, vectors.dim), table])
    built, train_docs = {}, []
    for name in _SPLITS:
        split = getattr(splits, name)
        docs, oov, doc_oov = _encode(split, index)
        if name == "train" and oov == 1.0 and not cfg.features.trainable:
            raise EmbeddingsError(f"the {source_name} vectors cover none of the training tokens "
                                  f"(is embeddings.path the right file for this language/tokenization?)")
        texts = split.texts if name == "test" else None
        if name == "train":
            train_docs = docs
        if token_level:
            ids, lengths = _pad(docs, cfg.data.max_tokens)
            built[name] = FeatureSplit(labels=split.labels, ids=ids, lengths=lengths, oov_rate=oov,
                                       doc_oov=doc_oov, texts=texts)
        elif not uses_bags(cfg):
            built[name] = FeatureSplit(labels=split.labels, pooled=_pool(docs, padded_table, mode), oov_rate=oov,
                                       doc_oov=doc_oov, texts=texts)
        else:
            built[name] = FeatureSplit(labels=split.labels, oov_rate=oov, doc_oov=doc_oov, texts=texts)
    features = Features(**built, class_names=list(splits.class_names),
                        input_dim=vectors.dim * (2 if mode == "mean_max" else 1),
                        embedding_table=padded_table.numpy() if token_level else None,
                        vocab=list(vectors.words) if token_level else None)
    if uses_bags(cfg):
        _add_bags(cfg, splits, vectors, features)
    features.quality = _measure(cfg, splits.train.tokens, vectors, train_docs, features.train.pooled)
    if features.train.pooled is not None and cfg.features.standardize:
        _standardize(features)
    return features


def _add_bags(cfg: DictConfig, splits, vectors: WordVectors, features: Features) -> None:
    """CSR bags over the training vocabulary, and pretrained rows for the words that have one."""
    m = cfg.model
    check_vocabulary(splits.train.tokens, cfg.features.min_count, key="features.min_count")
    vocab = build_vocabulary(splits.train.tokens, cfg.features.min_count, m.ngrams, m.bigram_buckets,
                             m.bigram_min_count)
    counts = [count_matrix(getattr(splits, name).tokens, vocab) for name in _SPLITS]
    weighting = str(getattr(m.token_weighting, "value", m.token_weighting))
    if weighting == "tfidf":
        weighted = tfidf_weights(*counts)
    elif weighting == "nb":
        weighted = nb_weights(counts[0], splits.train.labels, *counts[1:])
    else:
        weighted = [mean_weights(c) for c in counts]
    for name, matrix in zip(_SPLITS, weighted):
        split = features.split(name)
        split.bag_ids, split.bag_offsets, split.bag_weights = csr_arrays(matrix)
    index = vectors.index()
    rows = np.zeros((len(vocab.words), vectors.dim), np.float32)
    pretrained = np.zeros(len(vocab.words), bool)
    for word, row in vocab.words.items():
        source = index.get(word)
        if source is not None:
            rows[row], pretrained[row] = vectors.vectors[source], True
    features.embedding_table, features.pretrained, features.bag_rows = rows, pretrained, vocab.rows


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
    if data_is(cfg, ToyData):
        return toy_features(cfg)
    if data_is(cfg, UserDataset):
        from sweeps.features.dataset import dataset_features  # it imports this module's types

        return dataset_features(cfg)
    runs_dir = Path(cfg.paths.runs_dir)
    cache = ArrayCache(runs_dir / "cache")
    start = time.perf_counter()
    fingerprint = source_fingerprint(cfg)
    source = instantiate(cfg.embeddings, _convert_="all")
    key = _features_key(cfg, fingerprint, source)
    memory_key = f"{runs_dir.resolve()}:{key}"  # another runs dir is another cache, even in one process
    if memory_key in _IN_MEMORY:
        features = _IN_MEMORY[memory_key]
        features.timings = {"features_s": time.perf_counter() - start}
        features.vectors_trained = False  # trained (and shown) by an earlier call in this process
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
    whole_train = fits_on_whole_train(cfg)
    splits = make_splits(rows, cfg.data.val_fraction, cfg.data.test_fraction, cfg.data.split_seed,
                         None if whole_train else cfg.data.subset)
    corpus = splits.train.tokens  # the text vectors are fitted on (never val/test)
    if whole_train:
        splits = _labelled_subset(splits, cfg.data.subset, cfg.data.split_seed)
    timings["tokenize_s"] = time.perf_counter() - t
    t = time.perf_counter()
    # The vectors' corpus is the whole training split both without data.subset and with it (fit_on=train):
    # one key for both, so a subset study reuses the full run's vectors.
    data_key = cache_key("split", split_identity(cfg, fingerprint, whole_train=whole_train or cfg.data.subset is None))
    vectors, vectors_key = build_vectors(source, corpus, data_key, cfg.seed, cache)
    timings["embeddings_s"] = time.perf_counter() - t
    t = time.perf_counter()
    features = _build(cfg, splits, vectors, embeddings_name(type(source)))
    features.vectors_trained, features.embeddings_epochs = vectors.trained, vectors.epochs
    if source.shows_neighbours:
        features.neighbours = (collapsed_note(features.quality.vector_cosine) if features.quality.collapsed()
                               else nearest_words(vectors))
    if source.fits_text and source.shows_neighbours:  # vectors trained for this run, worth a reader's look
        features.vectors_file = str(cache.path(vectors_key))
    timings["features_s"] = time.perf_counter() - t
    cache.save(key, _to_arrays(features))
    features.timings = timings
    _remember(memory_key, features)
    return features


def collapsed_note(cosine: float) -> str:
    """What the neighbour printout says instead of a list of cos 1.00 neighbours."""
    return (f"vectors collapsed: the {quality.FREQUENT_WORDS} most frequent words have mean pairwise cosine "
            f"{cosine:.3f} (1.0 = all parallel), so nearest neighbours mean nothing; see the inputs warning")


def _remember(key: str, features: Features) -> None:
    _IN_MEMORY.clear()
    _IN_MEMORY[key] = features
