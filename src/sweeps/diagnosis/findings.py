"""What the diagnoser returns: labels from a fixed vocabulary, each with its evidence.

A rule's signal past its threshold is a *finding*. A finding becomes a label only with evidence
of harm (``Finding.harm``: the run is worse than it should be); without it, it is an
*observation*: reported, never a label, never a fix. Labels are ordered by cause (``CAUSES``),
and a label explained by an earlier one is reported as following from it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

# Root causes first: inputs -> learning rate / optimisation -> capacity / regularisation ->
# internal symptoms. diagnosis.labels is written in this order; the first is the headline.
CAUSES = ("uninformative_inputs", "exploding_gradients", "lr_too_high", "lr_too_low", "noisy_training",
          "overfitting", "underfitting", "vanishing_gradients", "dying_relu")
LABELS = ("healthy", *CAUSES)
# Worth stopping a run (or pruning a trial) for the moment they appear.
ALARMING = ("exploding_gradients", "vanishing_gradients")
# label -> the labels that explain it when both are found: the later one is then a consequence
# (dead ReLUs pass no gradient back, so the first layer's gradient vanishes with them; huge steps
# kill ReLUs and saturate tanh units; inputs without signal leave nothing to learn, so units die
# and the loss stays flat). Acyclic.
EXPLAINED_BY = {
    "uninformative_inputs": (),
    "exploding_gradients": (),
    "lr_too_high": ("exploding_gradients",),
    "overfitting": ("uninformative_inputs", "exploding_gradients"),
    "dying_relu": ("uninformative_inputs", "exploding_gradients", "lr_too_high"),
    "vanishing_gradients": ("uninformative_inputs", "exploding_gradients", "lr_too_high", "dying_relu"),
    "lr_too_low": ("uninformative_inputs", "exploding_gradients", "vanishing_gradients", "dying_relu",
                   "lr_too_high"),
    "noisy_training": ("uninformative_inputs", "exploding_gradients", "vanishing_gradients", "dying_relu",
                       "lr_too_high", "overfitting"),
    "underfitting": ("uninformative_inputs", "exploding_gradients", "vanishing_gradients", "dying_relu",
                     "lr_too_high", "lr_too_low", "noisy_training"),
}


@dataclass
class Finding:
    label: str
    signal: str  # the metric (or derived quantity) that triggered the rule
    epoch: int  # first epoch at which the rule held
    value: float
    threshold: float
    confidence: float  # 0..1: how far past the threshold the signal went
    explanation: str
    # Evidence that the run is worse than it should be; None = an internal statistic only.
    harm: str | None = None

    def evidence(self) -> str:
        return (f"{self.signal} = {self.value:.4g} at epoch {self.epoch} "
                f"(threshold {self.threshold:.4g}): {self.explanation}")


@dataclass
class Diagnosis:
    findings: list[Finding] = field(default_factory=list)  # harmful, ordered by CAUSES
    fixes: dict[str, list[str]] = field(default_factory=dict)  # label -> candidate fixes (overrides)
    observations: list[Finding] = field(default_factory=list)  # past a threshold, no harm shown
    explained: dict[str, str] = field(default_factory=dict)  # consequence label -> its root label
    withheld: dict[str, list[str]] = field(default_factory=dict)  # label -> fixes that would undo what worked

    @property
    def roots(self) -> list[Finding]:
        return [f for f in self.findings if f.label not in self.explained]

    @property
    def labels(self) -> list[str]:
        """Root causes in cause order (the headline first); consequences are in the report only."""
        return [f.label for f in self.roots] or ["healthy"]

    @property
    def tag_labels(self) -> str:
        return ",".join(self.labels)

    @property
    def tag_observations(self) -> str:
        return ",".join(f.label for f in self.observations) or "-"

    def first_fix(self) -> str:
        """The first candidate fix of the headline cause ("" when healthy or none is allowed)."""
        for finding in self.roots:
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
