"""What the diagnoser returns: labels from a fixed vocabulary, each with its evidence."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

LABELS = ("healthy", "overfitting", "underfitting", "lr_too_high", "lr_too_low", "exploding_gradients",
          "vanishing_gradients", "dying_relu", "noisy_training")
# Worth stopping a run (or pruning a trial) for the moment they appear.
ALARMING = ("exploding_gradients", "vanishing_gradients")


@dataclass
class Finding:
    label: str
    signal: str  # the metric (or derived quantity) that triggered the rule
    epoch: int  # first epoch at which the rule held
    value: float
    threshold: float
    confidence: float  # 0..1: how far past the threshold the signal went
    explanation: str

    def evidence(self) -> str:
        return (f"{self.signal} = {self.value:.4g} at epoch {self.epoch} "
                f"(threshold {self.threshold:.4g}): {self.explanation}")


@dataclass
class Diagnosis:
    findings: list[Finding] = field(default_factory=list)
    fixes: dict[str, list[str]] = field(default_factory=dict)  # label -> candidate fixes (overrides)

    @property
    def labels(self) -> list[str]:
        found = sorted({f.label for f in self.findings})
        return found or ["healthy"]

    @property
    def tag_labels(self) -> str:
        return ",".join(self.labels)

    def first_fix(self) -> str:
        """The first candidate fix of the most confident finding ("" when healthy)."""
        for finding in sorted(self.findings, key=lambda f: -f.confidence):
            candidates = self.fixes.get(finding.label) or []
            if candidates:
                return candidates[0]
        return ""


def confidence(value: float, threshold: float, above: bool) -> float:
    """0.5 at the threshold, approaching 1 as the signal goes an order of magnitude past it."""
    if value <= 0 or threshold <= 0:
        return 0.75
    ratio = value / threshold if above else threshold / value
    return float(min(1.0, 0.5 + 0.5 * math.log10(max(ratio, 1.0))))
