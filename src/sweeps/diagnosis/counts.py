"""How many runs of a study carry each diagnosis label (for the sweep summary and its parent run)."""

from __future__ import annotations

from collections import Counter
from typing import Iterable, Mapping

LABELS_TAG = "diagnosis.labels"
OBSERVATIONS_TAG = "diagnosis.observations"


def _labels(item: str | Mapping[str, str], tag: str) -> list[str]:
    text = item if isinstance(item, str) else item.get(tag, "")
    return [label for label in (text or "").split(",") if label and label != "-"]


def label_counts(trials_or_tags: Iterable[str | Mapping[str, str]], *, tag: str = LABELS_TAG) -> dict[str, int]:
    """Runs per label, most frequent first (ties by name).

    Args:
        trials_or_tags: one item per run: its MLflow tags (``run.data.tags``) or the value of its
            ``diagnosis.labels`` tag ("overfitting,dying_relu"). Runs without the tag (not
            diagnosed yet) count nowhere.
        tag: ``diagnosis.observations`` counts observations instead.

    Returns:
        ``{"healthy": 9, "overfitting": 2, ...}``; a run with two labels counts under both.
    """
    counts = Counter(label for item in trials_or_tags for label in _labels(item, tag))
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _joined(counts: dict[str, int]) -> str:
    return ",".join(f"{label}={n}" for label, n in counts.items()) or "-"


def study_tags(tags: list[Mapping[str, str]]) -> dict[str, str]:
    """Tags for a study's MLflow parent run from its trials' tags:
    ``diagnosis.label_counts`` ("healthy=9,overfitting=2") and ``diagnosis.observation_counts``."""
    return {"diagnosis.label_counts": _joined(label_counts(tags)),
            "diagnosis.observation_counts": _joined(label_counts(tags, tag=OBSERVATIONS_TAG))}


def summary_line(tags: list[Mapping[str, str]]) -> str:
    """One line for the sweep summary: "diagnosis: healthy 9, overfitting 2 (observations: dying_relu 6)"."""
    labels = ", ".join(f"{label} {n}" for label, n in label_counts(tags).items()) or "none recorded"
    observed = ", ".join(f"{label} {n}" for label, n in label_counts(tags, tag=OBSERVATIONS_TAG).items())
    return f"diagnosis: {labels}" + (f" (observations: {observed})" if observed else "")
