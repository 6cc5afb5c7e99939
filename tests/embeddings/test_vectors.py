"""Word vectors from gensim training and from files."""

from __future__ import annotations

import numpy as np
import pytest
from hydra.utils import instantiate
from omegaconf import OmegaConf

from sweeps.embeddings import RandomVectors, Word2Vec, build_vectors
from sweeps.embeddings.vectors import load_vectors_file, word2vec_epochs
from sweeps.errors import ConfigError, EmbeddingsError
from sweeps.utils.cache import ArrayCache
from tests.conftest import synthetic_rows
from sweeps.data import tokenize

W2V = {"dim": 8, "sg": 0, "window": 3, "min_count": 1, "epochs": 3, "workers": 1, "min_token_passes": 0,
       "max_epochs": 100}


def _tokens():
    return [tokenize(t) for t, _ in synthetic_rows(60)]


def test_word2vec_is_reproducible_and_cached(tmp_path):
    cfg = instantiate({"_target_": "sweeps.embeddings.Word2Vec", **W2V})  # as the features step builds it
    first, key = build_vectors(cfg, _tokens(), "data", 7, ArrayCache(tmp_path / "a"))
    second, _ = build_vectors(cfg, _tokens(), "data", 7, ArrayCache(tmp_path / "b"))
    # Same seed, separate caches: the same vectors bit for bit (hash randomisation is neutralised).
    assert first.words == second.words and np.array_equal(first.vectors, second.vectors)
    assert (tmp_path / "a" / f"{key}.npz").is_file()
    cached, _ = build_vectors(cfg, [["ignored"]], "data", 7, ArrayCache(tmp_path / "a"))
    # A cache hit does not retrain (the tokens passed are ignored).
    assert cached.words == first.words


def test_word2vec_text_and_glove_files_are_read(tmp_path):
    w2v = tmp_path / "v.txt"
    w2v.write_text("2 3\ngood 1 0 0\nbad 0 1 0\n")
    glove = tmp_path / "g.txt"
    glove.write_text("good 1 0 0\nbad 0 1 0\n")
    for path in (w2v, glove):
        vectors = load_vectors_file(str(path))
        # Header or not, both words come back with their 3 numbers.
        assert vectors.words == ["good", "bad"] and vectors.vectors.shape == (2, 3)


@pytest.mark.parametrize("content", [b"", b"not vectors at all\x00\xff", b"3 4\nword 1 2\n"])
def test_unreadable_vectors_file_names_the_file(tmp_path, content):
    path = tmp_path / "broken.txt"
    path.write_bytes(content)
    with pytest.raises(EmbeddingsError, match="broken.txt"):
        load_vectors_file(str(path))


def test_missing_vectors_file(tmp_path):
    with pytest.raises(EmbeddingsError, match="not found"):
        load_vectors_file(str(tmp_path / "nope.vec"))


@pytest.mark.parametrize("tokens, expected", [(129_049, 78), (4_600_000, 5), (1_000, 100), (0, 5)])
def test_word2vec_epochs_grow_until_enough_token_passes(tokens, expected):
    # Rotten Tomatoes' 129k tokens need 78 passes to reach 10M; IMDB's 4.6M keep the configured 5;
    # a tiny corpus stops at max_epochs; an empty one keeps the configured value.
    assert word2vec_epochs(5, 10_000_000, 100, tokens) == expected


def test_word2vec_epochs_that_ran_are_reported_and_cached(tmp_path):
    cfg = Word2Vec(**{**W2V, "epochs": 2, "min_token_passes": 3_000, "max_epochs": 50})
    tokens = _tokens()  # ~800 tokens: 3,000 passes need 4 epochs
    trained, _ = build_vectors(cfg, tokens, "data", 0, ArrayCache(tmp_path))
    cached, _ = build_vectors(cfg, tokens, "data", 0, ArrayCache(tmp_path))
    assert trained.trained and trained.epochs == -(-3_000 // sum(map(len, tokens)))
    assert not cached.trained and cached.epochs == trained.epochs


@pytest.mark.parametrize("cls", [Word2Vec, RandomVectors])
def test_a_min_count_that_empties_the_vocabulary_is_one_line_naming_the_key(tmp_path, cls):
    cfg = cls(**{k: v for k, v in {**W2V, "min_count": 100_000}.items() if k in ("dim", "min_count") or cls is Word2Vec})
    with pytest.raises(ConfigError, match=r"embeddings.min_count.*100000 leaves no word") as error:
        build_vectors(cfg, _tokens(), "data", 0, ArrayCache(tmp_path))
    assert "\n" not in str(error.value)


@pytest.mark.parametrize("tokens, expected", [(129_049, 70), (4_600_000, 2), (1_000, 100)])
def test_the_shipped_word2vec_default_is_skip_gram_with_epochs_scaled_to_the_corpus(tokens, expected):
    from pathlib import Path

    from sweeps.config.compose import CONF_DIR
    from sweeps.embeddings.vectors import word2vec_epochs

    cfg = OmegaConf.load(Path(CONF_DIR) / "embeddings" / "word2vec.yaml")
    # Issue 19: skip-gram learns rare words from small corpora; 2 passes on IMDB keep its cost near
    # CBOW's 5, and Rotten Tomatoes' 129k tokens get 70 (README "Corpus size").
    assert cfg.sg == 1 and cfg.min_count == 2
    assert word2vec_epochs(cfg.epochs, cfg.min_token_passes, cfg.max_epochs, tokens) == expected


class HashVectors(RandomVectors):
    """A user's own vectors source: a subclass named by ``embeddings._target_``, no schema needed."""

    name = None  # the class name stands in: "hashvectors"


def test_a_users_embeddings_class_is_built_and_cached_like_the_built_ins(tmp_path):
    from omegaconf import OmegaConf

    from sweeps.config.checks import check_node
    from sweeps.config.embeddings import vectors_name

    node = OmegaConf.create({"_target_": f"{__name__}.HashVectors", "dim": 4, "min_count": 1})
    check_node(node, "embeddings")  # importable: no schema to fit
    source = instantiate(node)
    first, key = build_vectors(source, _tokens(), "data", 3, ArrayCache(tmp_path))
    # Fitted on text: cached under the class's name and knobs; a second call reads the cache.
    assert key.startswith("emb-hashvectors-") and (tmp_path / f"{key}.npz").is_file()
    assert build_vectors(source, [["x"]], "data", 3, ArrayCache(tmp_path))[0].words == first.words
    assert vectors_name(node) == "hashvectors" and first.dim == 4


def _corpus_node(path) -> dict:
    return {"_target_": "sweeps.data.TextFiles", "path": str(path)}


def test_word2vec_extra_corpus_adds_its_text_and_is_part_of_the_cache_key(tmp_path):
    from tests.conftest import write_csv

    extra = write_csv(tmp_path / "extra.csv", [("a zyzzyva film", "pos"), ("zyzzyva again", "neg")] * 5)
    plain = instantiate({"_target_": "sweeps.embeddings.Word2Vec", **W2V})
    widened = instantiate({"_target_": "sweeps.embeddings.Word2Vec", **W2V, "extra_corpus": _corpus_node(extra)})
    base, base_key = build_vectors(plain, _tokens(), "data", 7, ArrayCache(tmp_path / "c"))
    more, more_key = build_vectors(widened, _tokens(), "data", 7, ArrayCache(tmp_path / "c"))
    # The extra text's words get vectors (labels are never read); the training split's stay.
    assert "zyzzyva" in more.words and "zyzzyva" not in base.words
    assert set(base.words) <= set(more.words) and more_key != base_key
    # Another extra file (its fingerprint) is another cache entry.
    write_csv(extra, [("a zyzzyva film", "pos"), ("zyzzyva once more", "neg")] * 5)
    import os
    os.utime(extra, (1, 1))
    assert build_vectors(widened, _tokens(), "data", 7, ArrayCache(tmp_path / "c"))[1] != more_key


def test_word2vec_extra_corpus_must_be_a_text_source():
    from sweeps.config.checks import check_node

    base = {"_target_": "sweeps.embeddings.Word2Vec"}
    with pytest.raises(ConfigError, match=r"'embeddings.extra_corpus._target_': is required"):
        check_node(OmegaConf.create({**base, "extra_corpus": {"path": "x.csv"}}), "embeddings")
    with pytest.raises(ConfigError, match=r"'embeddings.extra_corpus._target_': sweeps.data.ToyData is not a text"):
        check_node(OmegaConf.create({**base, "extra_corpus": {"_target_": "sweeps.data.ToyData"}}), "embeddings")
    check_node(OmegaConf.create({**base, "extra_corpus": {"_target_": "sweeps.data.EmbeddedIMDB"}}), "embeddings")


def test_word2vec_without_extra_corpus_keeps_the_cache_keys_it_had():
    # The knob's default leaves the identity (part of every vectors and features cache key) as it
    # was before the knob existed, so a user's cached vectors stay valid.
    source = instantiate({"_target_": "sweeps.embeddings.Word2Vec", **W2V})
    assert "extra_corpus" not in source.identity()
    assert set(source.identity()) == {"class", *W2V}


def test_word2vec_extra_corpus_needs_no_labels_txt_or_text_only_csv(tmp_path):
    from tests.conftest import write_csv

    lines = tmp_path / "notes.txt"
    lines.write_text("a zyzzyva film\n\nzyzzyva again and again\n" * 5)  # a blank line is skipped
    text_only = write_csv(tmp_path / "unlabelled.csv", [("a quokka film",), ("quokka again",)] * 5, header=("body",))
    for node, word in (({"_target_": "sweeps.data.TextFiles", "path": str(lines)}, "zyzzyva"),
                       ({"_target_": "sweeps.data.TextFiles", "path": str(text_only), "text_column": "body"}, "quokka")):
        source = instantiate({"_target_": "sweeps.embeddings.Word2Vec", **W2V, "extra_corpus": node})
        vectors, _ = build_vectors(source, _tokens(), "data", 7, ArrayCache(tmp_path / "c"))
        assert word in vectors.words


def test_an_extra_corpus_without_its_text_column_names_the_key(tmp_path):
    from sweeps.errors import DataError
    from tests.conftest import write_csv

    csv = write_csv(tmp_path / "unlabelled.csv", [("a film",)] * 3, header=("body",))
    source = instantiate({"_target_": "sweeps.embeddings.Word2Vec", **W2V,
                          "extra_corpus": {"_target_": "sweeps.data.TextFiles", "path": str(csv)}})
    with pytest.raises(DataError, match=r"^embeddings.extra_corpus: .*column 'text' \(embeddings.extra_corpus.text_column\)"):
        build_vectors(source, _tokens(), "data", 7, ArrayCache(tmp_path / "c"))
