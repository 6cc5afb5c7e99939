"""Users' files as they come: rare classes, blank cells, another encoding (issue 18 items 6-8)."""

from __future__ import annotations

import json
import logging

import numpy as np
import pytest

from sweeps.app import train
from sweeps.config import compose_config, validate_config
from sweeps.data import load_rows, make_splits
from sweeps.errors import DataError
from tests.conftest import mlflow_runs, small_overrides, synthetic_rows, write_csv


def _rows(cfg):
    validate_config(cfg)
    return load_rows(cfg, cfg.paths.runs_dir + "/cache/hf")


def _with_neutral(tmp_path, count: int):
    rows = synthetic_rows(1000) + [(f"it was fine {i} i guess", "neutral") for i in range(count)]
    return write_csv(tmp_path / "reviews.csv", [(t, {0: "neg", 1: "pos"}.get(y, y)) for t, y in rows])


@pytest.mark.parametrize("count", [3, 5, 12])
def test_a_rare_class_appears_in_train_val_and_test(tmp_path, count):
    cfg = compose_config(small_overrides(tmp_path / "runs", _with_neutral(tmp_path, count)))
    rows = _rows(cfg)
    splits = make_splits(rows, 0.1, 0.1, 42)
    neutral = rows.class_names.index("neutral")
    # Every class, the rare one included, has at least one row in each split; none is lost.
    for split in (splits.train, splits.val, splits.test):
        assert set(split.labels.tolist()) == {0, 1, 2}
    assert sum(int(np.sum(s.labels == neutral)) for s in (splits.train, splits.val, splits.test)) == count


def test_a_class_with_two_rows_is_refused_naming_it_its_count_and_the_file(tmp_path):
    csv = _with_neutral(tmp_path, 2)
    cfg = compose_config(small_overrides(tmp_path / "runs", csv))
    with pytest.raises(DataError) as refused:
        train(cfg)
    assert str(refused.value) == (f"data file {csv}: class 'neutral' has 2 rows; every class needs at least 3 "
                                  "(one each for train, val and test): add rows of it or remove them")
    assert mlflow_runs(cfg.tracking.uri) == []  # refused before any run was opened


def test_blank_cells_are_dropped_counted_and_labels_keep_the_files_type(tmp_path, caplog):
    rows = [(text, "" if i % 50 == 0 else label) for i, (text, label) in enumerate(synthetic_rows(300))]
    rows[7] = ("   ", 1)
    csv = write_csv(tmp_path / "blanks.csv", rows)
    # The file's 0/1 labels, named as the file writes them: a blank cell must not make them 0.0/1.0.
    cfg = compose_config(small_overrides(tmp_path / "runs", csv) + ["data.classes=[0,1]", "trainer.max_epochs=2"])
    with caplog.at_level(logging.WARNING, logger="sweeps"):
        train(cfg)
    assert (f"data file {csv}: dropped 7 of 300 rows: 1 with a blank text (column 'text'), "
            "6 with a blank label (column 'label')") in caplog.text
    run = mlflow_runs(cfg.tracking.uri)[0]
    assert run.info.status == "FINISHED" and run.data.metrics["data/dropped_rows"] == 7
    # A second run on the cached features still records what loading dropped.
    train(compose_config(small_overrides(tmp_path / "runs", csv) + ["data.classes=[0,1]", "trainer.max_epochs=1"]))
    assert [r.data.metrics["data/dropped_rows"] for r in mlflow_runs(cfg.tracking.uri)] == [7, 7]


def test_numeric_labels_read_as_text_keep_numeric_class_order(tmp_path):
    csv = write_csv(tmp_path / "stars.csv", [(t, [2, 9, 10][i % 3]) for i, (t, _) in enumerate(synthetic_rows(60))])
    assert _rows(compose_config(small_overrides(tmp_path / "runs", csv))).class_names == ["2", "9", "10"]


def _latin1(tmp_path, suffix: str):
    rows = [(f"caf\u00e9 {t}", y) for t, y in synthetic_rows(60)]
    path = tmp_path / f"latin{suffix}"
    if suffix == ".csv":
        text = "text,label\n" + "".join(f"{t},{y}\n" for t, y in rows)
    else:
        text = "".join(json.dumps({"text": t, "label": y}, ensure_ascii=False) + "\n" for t, y in rows)
    path.write_bytes(text.encode("latin-1"))
    return path


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_a_file_in_another_encoding_names_the_byte_and_data_encoding(tmp_path, suffix):
    path = _latin1(tmp_path, suffix)
    first_e_acute = path.read_bytes().index(b"\xe9")
    with pytest.raises(DataError) as refused:
        _rows(compose_config(small_overrides(tmp_path / "runs", path)))
    assert str(refused.value) == (f"data file {path}: byte {first_e_acute} (0xe9) is not valid utf-8; name the "
                                  "file's encoding, e.g. data.encoding=latin-1 (or cp1252, utf-16)")
    # With the encoding named, the same file reads, accents intact.
    rows = _rows(compose_config(small_overrides(tmp_path / "runs", path) + ["data.encoding=latin-1"]))
    assert rows.dataset["text"][0].startswith("café ") and len(rows.dataset) == 60


def test_an_unknown_encoding_is_a_config_error(tmp_path):
    from sweeps.errors import ConfigError

    with pytest.raises(ConfigError, match="config key 'data.encoding': unknown text encoding 'latin-9000'"):
        validate_config(compose_config(small_overrides(tmp_path / "runs", tmp_path / "x.csv") + ["data.encoding=latin-9000"]))
