"""Stratified train/val/test splits and the training subset.

Every class appears in train, val and test: a class too small for the stratified split to
promise that (fewer than ``2 / min(val_fraction, test_fraction)`` rows) is dealt out by hand,
at least one row to each split. A class with fewer than 3 rows cannot be, and is refused with
one line naming it, its count and the file.
"""

from __future__ import annotations

import math
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


MIN_CLASS_ROWS = 3  # one each for train, val and test


def _refuse_tiny_classes(labels: np.ndarray, class_names: list[str] | None, origin: str) -> None:
    counts = np.bincount(labels)
    for k in np.flatnonzero((counts > 0) & (counts < MIN_CLASS_ROWS)):
        name = class_names[k] if class_names else str(k)
        raise DataError(f"{origin or 'data'}: class '{name}' has {counts[k]} row{'s' if counts[k] > 1 else ''}; "
                        f"every class needs at least {MIN_CLASS_ROWS} (one each for train, val and test): "
                        f"add rows of it or remove them")


def _deal_out(rows: np.ndarray, val_fraction: float, test_fraction: float,
              rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One small class's rows (>= 3) split by hand: at least one each to train, val and test."""
    rows = rng.permutation(rows)
    n = len(rows)
    n_test, n_val = max(1, round(n * test_fraction)), max(1, round(n * val_fraction))
    while n - n_test - n_val < 1:  # large fractions of a tiny class: train keeps one
        if n_test >= n_val:
            n_test -= 1
        else:
            n_val -= 1
    return rows[n_test + n_val:], rows[n_test:n_test + n_val], rows[:n_test]


def _stratified(index: np.ndarray, labels: np.ndarray, val_fraction: float, test_fraction: float,
                seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    from sklearn.model_selection import train_test_split  # sklearn loads only when rows are split

    rest, test = train_test_split(index, test_size=test_fraction, stratify=labels[index], random_state=seed)
    val_of_rest = val_fraction / (1.0 - test_fraction)
    train, val = train_test_split(rest, test_size=val_of_rest, stratify=labels[rest], random_state=seed)
    return train, val, test


def _fill_missing(parts: list[np.ndarray], labels: np.ndarray) -> list[np.ndarray]:
    """Last resort for rounding: a class missing from a split gets one row from the split that
    holds most of that class."""
    for k in np.unique(labels):
        for target in range(len(parts)):
            if np.any(labels[parts[target]] == k):
                continue
            donor = max(range(len(parts)), key=lambda i: int(np.sum(labels[parts[i]] == k)))
            row = parts[donor][labels[parts[donor]] == k][-1]
            parts[donor] = parts[donor][parts[donor] != row]
            parts[target] = np.append(parts[target], row)
    return parts


def split_indices(labels: np.ndarray, val_fraction: float, test_fraction: float, seed: int, *,
                  class_names: list[str] | None = None, origin: str = "") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sorted train/val/test row indices, stratified, every class in every split (see module doc).

    ``class_names`` and ``origin`` (the file) name a class too small to split."""
    labels = np.asarray(labels, dtype=np.int64)
    _refuse_tiny_classes(labels, class_names, origin)
    counts = np.bincount(labels)
    small = np.flatnonzero((counts > 0) & (counts < math.ceil(2 / min(val_fraction, test_fraction))))
    index = np.arange(len(labels))
    common = index[~np.isin(labels, small)]
    try:
        parts = list(_stratified(common, labels, val_fraction, test_fraction, seed)) if len(common) else [common] * 3
    except ValueError as exc:
        raise DataError(f"cannot split {len(labels)} rows into stratified train/val/test "
                        f"(data.val_fraction={val_fraction}, data.test_fraction={test_fraction}): {exc}") from exc
    rng = np.random.default_rng(seed)
    for k in small:
        dealt = _deal_out(index[labels == k], val_fraction, test_fraction, rng)
        parts = [np.concatenate([part, extra]) for part, extra in zip(parts, dealt)]
    train, val, test = _fill_missing(parts, labels)
    return np.sort(train), np.sort(val), np.sort(test)


def stratified_subset(index: np.ndarray, labels: np.ndarray, n: int, seed: int) -> np.ndarray:
    if n >= len(index):
        return index
    num_classes = len(np.unique(labels[index]))
    if n < num_classes:
        raise ConfigError("data.subset", f"{n} is fewer than the {num_classes} classes in the training split")
    from sklearn.model_selection import train_test_split

    try:
        keep, _ = train_test_split(index, train_size=n, stratify=labels[index], random_state=seed)
    except ValueError:
        # A class with a single training row cannot be stratified: keep one row of every class,
        # draw the rest at random.
        rng = np.random.default_rng(seed)
        firsts = np.asarray([index[labels[index] == k][0] for k in np.unique(labels[index])])
        others = rng.permutation(np.setdiff1d(index, firsts))[: n - len(firsts)]
        keep = np.concatenate([firsts, others])
    return np.sort(keep)


def make_splits(rows: LabelledRows, val_fraction: float, test_fraction: float, split_seed: int,
                subset: int | None = None) -> Splits:
    """Split with a fixed seed; ``subset`` shrinks only the training split, never val/test."""
    labels = np.asarray(rows.dataset["label"], dtype=np.int64)
    texts = rows.dataset["text"]
    train, val, test = split_indices(labels, val_fraction, test_fraction, split_seed,
                                     class_names=rows.class_names, origin=rows.origin)
    if subset is not None:
        train = stratified_subset(train, labels, subset, split_seed)

    def build(idx: np.ndarray) -> Split:
        chosen = [texts[i] for i in idx]
        return Split(tokens=[tokenize(t) for t in chosen], labels=labels[idx], texts=chosen)

    return Splits(train=build(train), val=build(val), test=build(test), class_names=rows.class_names)
