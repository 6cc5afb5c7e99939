"""Stratified train/val/test splits and the training subset."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sweeps.data.sources import LabelledRows
from sweeps.data.text import tokenize
from sweeps.errors import ConfigError, DataError


@dataclass
class Split:
    """One split as token lists and integer labels."""

    tokens: list[list[str]]
    labels: np.ndarray  # (N,) int64
    texts: list[str]

    def __len__(self) -> int:
        return len(self.labels)


@dataclass
class Splits:
    train: Split
    val: Split
    test: Split
    class_names: list[str]

    @property
    def num_classes(self) -> int:
        return len(self.class_names)


def split_indices(labels: np.ndarray, val_fraction: float, test_fraction: float,
                   seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    from sklearn.model_selection import train_test_split  # sklearn loads only when rows are split

    index = np.arange(len(labels))
    try:
        rest, test = train_test_split(index, test_size=test_fraction, stratify=labels, random_state=seed)
        val_of_rest = val_fraction / (1.0 - test_fraction)
        train, val = train_test_split(rest, test_size=val_of_rest, stratify=labels[rest], random_state=seed)
    except ValueError as exc:
        raise DataError(f"cannot split {len(labels)} rows into stratified train/val/test "
                        f"(data.val_fraction={val_fraction}, data.test_fraction={test_fraction}): {exc}") from exc
    return np.sort(train), np.sort(val), np.sort(test)


def stratified_subset(index: np.ndarray, labels: np.ndarray, n: int, seed: int) -> np.ndarray:
    if n >= len(index):
        return index
    num_classes = len(np.unique(labels[index]))
    if n < num_classes:
        raise ConfigError("data.subset", f"{n} is fewer than the {num_classes} classes in the training split")
    from sklearn.model_selection import train_test_split

    keep, _ = train_test_split(index, train_size=n, stratify=labels[index], random_state=seed)
    return np.sort(keep)


def make_splits(rows: LabelledRows, val_fraction: float, test_fraction: float, split_seed: int,
                subset: int | None = None) -> Splits:
    """Split with a fixed seed; ``subset`` shrinks only the training split, never val/test."""
    labels = np.asarray(rows.dataset["label"], dtype=np.int64)
    texts = rows.dataset["text"]
    train, val, test = split_indices(labels, val_fraction, test_fraction, split_seed)
    if subset is not None:
        train = stratified_subset(train, labels, subset, split_seed)

    def build(idx: np.ndarray) -> Split:
        chosen = [texts[i] for i in idx]
        return Split(tokens=[tokenize(t) for t in chosen], labels=labels[idx], texts=chosen)

    return Splits(train=build(train), val=build(val), test=build(test), class_names=rows.class_names)
