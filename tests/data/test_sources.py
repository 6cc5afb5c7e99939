"""Loading rows from every source, and the bad-file errors users hit first."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from omegaconf import OmegaConf

from sweeps.data import load_rows, make_splits, tokenize
from sweeps.errors import DataError
from tests.conftest import synthetic_rows, write_csv


def _cfg(path, text="text", label="label", classes=None):
    return OmegaConf.create({"data": {"_target_": "sweeps.data.TextFiles", "path": str(path), "text_column": text,
                                      "label_column": label, "classes": classes}})


def test_tokenize_cleans_markup_and_keeps_negations():
    # <br /> never becomes a token, and "don't" stays one word.
    assert tokenize("I don't like it.<br /><br />Really BAD!") == ["i", "don't", "like", "it", "really", "bad", "!"]


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_user_files_in_each_format_load_with_string_labels(tmp_path, fmt):
    rows = [(t, "pos" if y else "neg") for t, y in synthetic_rows(40)]
    frame = pd.DataFrame(rows, columns=["body", "stars"])
    path = tmp_path / f"rows.{fmt}"
    if fmt == "csv":
        frame.to_csv(path, index=False)
    elif fmt == "jsonl":
        path.write_text("\n".join(json.dumps({"body": t, "stars": y}) for t, y in rows))
    else:
        frame.to_parquet(path)
    loaded = load_rows(_cfg(path, "body", "stars"), tmp_path / "hf")
    # String labels map to 0..K-1 in sorted order and every row survives.
    assert loaded.class_names == ["neg", "pos"]
    assert len(loaded.dataset) == 40 and set(loaded.dataset["label"]) == {0, 1}


def test_missing_file_names_the_file(tmp_path):
    with pytest.raises(DataError, match="not found: .*nope.csv"):
        load_rows(_cfg(tmp_path / "nope.csv"), tmp_path / "hf")


def test_empty_file_is_a_clear_error(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("")
    with pytest.raises(DataError, match="empty"):
        load_rows(_cfg(path), tmp_path / "hf")


def test_missing_column_lists_the_columns_that_exist(tmp_path):
    path = write_csv(tmp_path / "r.csv", synthetic_rows(10))
    with pytest.raises(DataError, match="column 'review'.*data.text_column.*\\['text', 'label'\\]"):
        load_rows(_cfg(path, text="review"), tmp_path / "hf")


def test_single_class_label_column_is_refused(tmp_path):
    path = write_csv(tmp_path / "r.csv", [(t, 1) for t, _ in synthetic_rows(10)])
    with pytest.raises(DataError, match="single class"):
        load_rows(_cfg(path), tmp_path / "hf")


def test_labels_outside_the_declared_classes_are_refused(tmp_path):
    path = write_csv(tmp_path / "r.csv", [(t, ["neg", "pos", "meh"][i % 3]) for i, (t, _) in enumerate(synthetic_rows(12))])
    with pytest.raises(DataError, match="'meh'.*data.classes"):
        load_rows(_cfg(path, classes=["neg", "pos"]), tmp_path / "hf")


def test_malformed_file_is_a_data_error(tmp_path):
    path = tmp_path / "bad.parquet"
    path.write_bytes(b"this is not parquet at all")
    with pytest.raises(DataError, match="bad.parquet"):
        load_rows(_cfg(path), tmp_path / "hf")


def test_embedded_imdb_has_the_balanced_25k_train_split(tmp_path):
    loaded = load_rows(OmegaConf.create({"data": {"_target_": "sweeps.data.EmbeddedIMDB"}}), tmp_path / "hf")
    labels = pd.Series(loaded.dataset["label"])
    # Only the IMDB rows (not Rotten Tomatoes), 12,500 per class.
    assert len(labels) == 25_000 and labels.value_counts().tolist() == [12_500, 12_500]


def test_splits_are_stratified_fixed_and_subset_only_shrinks_train(tmp_path):
    path = write_csv(tmp_path / "r.csv", synthetic_rows(400))
    rows = load_rows(_cfg(path), tmp_path / "hf")
    full = make_splits(rows, 0.1, 0.1, split_seed=42)
    again = make_splits(rows, 0.1, 0.1, split_seed=42, subset=100)
    # 80/10/10 with both classes equally represented in every split.
    assert (len(full.train), len(full.val), len(full.test)) == (320, 40, 40)
    assert full.val.labels.mean() == 0.5 and full.test.labels.mean() == 0.5
    # The subset keeps class balance and leaves val/test untouched, so runs stay comparable.
    assert len(again.train) == 100 and again.train.labels.mean() == 0.5
    assert again.test.texts == full.test.texts and again.val.texts == full.val.texts
    assert set(again.train.texts) <= set(full.train.texts)


def _offline(monkeypatch):
    """Hugging Face offline mode, as ``HF_HUB_OFFLINE=1`` gives a new process. The libraries read the
    variable once, at import: in this process (where another test may have imported them already)
    their flags are set too, else a hub lookup waits on network timeouts (over 20 s) before failing."""
    import datasets
    import huggingface_hub.constants

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)


def test_hub_dataset_offline_is_a_clear_error(tmp_path, monkeypatch):
    _offline(monkeypatch)
    cfg = OmegaConf.create({"data": {"_target_": "sweeps.data.HubDataset", "path": "stanfordnlp/imdb", "text_column": "text",
                                     "label_column": "label", "classes": None}})
    with pytest.raises(DataError, match="stanfordnlp/imdb.*network"):
        load_rows(cfg, tmp_path / "hf")


def test_embedded_bbc_news_has_five_topics(tmp_path):
    loaded = load_rows(OmegaConf.create({"data": {"_target_": "sweeps.data.EmbeddedBBCNews"}}), tmp_path / "hf")
    assert len(loaded.dataset) == 2225
    assert loaded.class_names == ["business", "entertainment", "politics", "sports", "tech"]
    assert sorted(set(loaded.dataset["label"])) == [0, 1, 2, 3, 4]


def test_embedded_rotten_tomatoes_is_the_balanced_8530_sentences(tmp_path):
    loaded = load_rows(OmegaConf.create({"data": {"_target_": "sweeps.data.EmbeddedRottenTomatoes"}}), tmp_path / "hf")
    labels = loaded.dataset["label"]
    assert len(labels) == 8530 and sum(labels) == 4265
    assert loaded.class_names == ["negative", "positive"]


def test_ag_news_preset_offline_names_the_hub_dataset(tmp_path, monkeypatch):
    from sweeps.config import compose_config

    _offline(monkeypatch)
    cfg = compose_config(["data=ag_news", f"paths.runs_dir={tmp_path}"])
    with pytest.raises(DataError, match="fancyzhx/ag_news.*data=bbc_news|fancyzhx/ag_news"):
        load_rows(cfg, tmp_path / "hf")
