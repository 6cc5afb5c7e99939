"""What the diagnoser knows about a run besides its curves: the task, its inputs, a reference.

Everything here is optional: a run recorded by an older version (or by another tool) has only
its curves, and the rules then judge by the curves alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Mapping


# The linear baseline's validation accuracy on the run's own split (TF-IDF + logistic regression,
# sweeps.baselines.reference), logged at step 0 with the other data/* metrics.
LINEAR_VAL_ACC = "data/linear_baseline_val_acc"


@dataclass(frozen=True)
class RunFacts:
    """Args:
        num_classes: classes of the task (chance accuracy is 1 / num_classes).
        data: the run's step-0 ``data/*`` metrics (``data/inputs_vector_cosine``,
            ``data/inputs_feature_std``, ``data/inputs_empty_docs``, ``data/linear_baseline_val_acc``,
            ...); missing keys are fine.
        reference_acc: validation accuracy this run should reach on the same data, when known
            (the study's best trial); ``None`` = no reference. The linear baseline on the run's split is
            ``linear_acc``, read from ``data`` and judged with its own, wider gap.
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

    @property
    def linear_acc(self) -> float | None:
        """The linear baseline's validation accuracy on this run's split, when it was measured."""
        value = self.data.get(LINEAR_VAL_ACC)
        return float(value) if value is not None and math.isfinite(value) else None
