"""What the diagnoser knows about a run besides its curves: the task, its inputs, a reference.

Everything here is optional: a run recorded by an older version (or by another tool) has only
its curves, and the rules then judge by the curves alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping


@dataclass(frozen=True)
class RunFacts:
    """Args:
        num_classes: classes of the task (chance accuracy is 1 / num_classes).
        data: the run's step-0 ``data/*`` metrics (``data/inputs_vector_cosine``,
            ``data/inputs_feature_std``, ``data/inputs_empty_docs``, ...); missing keys are fine.
        reference_acc: validation accuracy this run should reach on the same data, when known
            (the study's best trial, the TF-IDF baseline); ``None`` = no reference.
        reference: what ``reference_acc`` is, in words, for the report.
        keep: config keys whose values made this run the best of its study; no fix may change them.
    """

    num_classes: int = 2
    data: Mapping[str, float] = field(default_factory=dict)
    reference_acc: float | None = None
    reference: str = ""
    keep: tuple[str, ...] = ()

    @property
    def chance(self) -> float:
        return 1.0 / max(self.num_classes, 2)
