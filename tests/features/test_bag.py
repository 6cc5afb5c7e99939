"""Bags of word/bigram ids for trainable embeddings: vocabulary, weights, batching."""

from __future__ import annotations

import numpy as np
import torch

from sweeps.features.bag import build_vocabulary, count_matrix, csr_arrays, mean_weights, nb_weights, tfidf_weights
from sweeps.models.bags import BagSplit

DOCS = [["a", "good", "film"], ["a", "bad", "film"], ["good", "good", "film"], ["a", "film"]]


def test_exact_bigrams_come_after_words_and_need_min_count():
    vocab = build_vocabulary(DOCS, min_count=1, ngrams=2, buckets=0, bigram_min_count=2)
    assert set(vocab.words) == {"a", "good", "bad", "film"}
    # "good film" appears twice, "a film" once in doc 4 only... and "a good" once: only frequent pairs kept.
    assert set(vocab.bigrams) == {"good film"}
    assert vocab.bigrams["good film"] == len(vocab.words)
    assert vocab.rows == 5
    assert vocab.encode(["good", "film"]) == [vocab.words["good"], vocab.words["film"], 4]


def test_hashed_bigrams_are_stable_and_inside_their_buckets():
    vocab = build_vocabulary(DOCS, min_count=1, ngrams=2, buckets=7, bigram_min_count=1)
    ids = vocab.encode(["a", "good", "film"])
    assert ids == vocab.encode(["a", "good", "film"])  # crc32, not the per-process salted hash()
    assert all(len(vocab.words) <= i < len(vocab.words) + 7 for i in ids[3:])
    assert vocab.rows == len(vocab.words) + 7


def test_mean_weights_sum_to_one_and_tfidf_rows_have_unit_norm():
    vocab = build_vocabulary(DOCS, 1, 2, 0, 1)
    counts = count_matrix(DOCS, vocab)
    assert counts[2, vocab.words["good"]] == 2  # duplicates summed
    assert np.allclose(np.asarray(mean_weights(counts).sum(axis=1)).ravel(), 1.0)
    train, other = tfidf_weights(counts, count_matrix([["good", "unseen"]], vocab))
    assert np.allclose(np.sqrt(np.asarray(train.multiply(train).sum(axis=1)).ravel()), 1.0)
    assert other.nnz == 1  # unseen words are simply absent


def test_nb_weights_favour_the_words_one_class_owns_and_binarise_counts():
    # Labels: 1 for "good" documents, 0 for "bad"; "a" and "film" occur in both classes alike.
    docs = [["a", "good", "film"], ["a", "bad", "film"], ["good", "good", "film"], ["bad", "a", "film"]]
    labels = np.array([1, 0, 1, 0])
    vocab = build_vocabulary(docs, 1, 1, 0, 1)
    train, other = nb_weights(count_matrix(docs, vocab), labels, count_matrix([["good", "unseen"]], vocab))
    w = vocab.words
    # r = log((p/|p|1) / (q/|q|1)), alpha 1, document counts per class + 1 (good, a, film, bad):
    # p = (3, 2, 3, 1) / 9, q = (1, 3, 3, 3) / 10, so |r_good| / |r_film| = log(10/3) / log(10/9).
    expected = np.log(10 / 3) / np.log(10 / 9)
    for doc in (0, 2):  # "good good film" counts "good" once, like "a good film"
        row = train[doc].toarray().ravel()
        assert np.isclose(row[w["good"]] / row[w["film"]], expected, rtol=1e-4)
    assert np.allclose(np.sqrt(np.asarray(train.multiply(train).sum(axis=1)).ravel()), 1.0)
    assert other.nnz == 1 and np.isclose(other.data[0], 1.0)
    # K > 2: each word's largest one-vs-rest ratio; a word every class uses alike weighs least.
    three = nb_weights(count_matrix(docs, vocab), np.array([0, 1, 2, 1]))[0].toarray()
    assert three[0, w["good"]] > three[0, w["a"]]


def test_bag_split_batch_gathers_the_requested_rows():
    vocab = build_vocabulary(DOCS, 1, 2, 0, 1)
    ids, offsets, weights = csr_arrays(mean_weights(count_matrix(DOCS, vocab)))
    split = BagSplit(torch.from_numpy(ids), torch.from_numpy(offsets), torch.from_numpy(weights),
                     torch.arange(len(DOCS)))
    bag, labels = split.batch(torch.tensor([2, 0]))
    assert labels.tolist() == [2, 0]
    for position, doc in enumerate([2, 0]):
        got = bag.ids[bag.offsets[position]:bag.offsets[position + 1]]
        assert got.tolist() == ids[offsets[doc]:offsets[doc + 1]].tolist()
    assert len(bag) == 2 and bag.offsets[-1] == len(bag.ids) == len(bag.weights)


def test_trigrams_follow_bigrams_and_share_their_min_count():
    from sweeps.features.bag import phrases

    assert phrases(["a", "b", "c"], 3) == ["a b", "b c", "a b c"]
    assert phrases(["a", "b", "c"], 1) == []
    docs = [["not", "good", "film"], ["not", "good", "film", "at"], ["good", "film"]]
    two = build_vocabulary(docs, min_count=1, ngrams=2, buckets=0, bigram_min_count=2)
    three = build_vocabulary(docs, min_count=1, ngrams=3, buckets=0, bigram_min_count=2)
    # ngrams=3 keeps every bigram of ngrams=2 and adds the trigram seen twice (rows after the words,
    # in sorted order, so a bigram's row number may differ between the two vocabularies).
    assert set(two.bigrams) == {"not good", "good film"}
    assert set(three.bigrams) == {"not good", "good film", "not good film"}
    ids = three.encode(["not", "good", "film"])
    assert ids[3:] == [three.bigrams[p] for p in ("not good", "good film", "not good film")]
    hashed = build_vocabulary(docs, min_count=1, ngrams=3, buckets=5, bigram_min_count=1)
    assert len(hashed.encode(["not", "good", "film"])) == 3 + 3  # 3 words, 2 bigrams + 1 trigram hashed
