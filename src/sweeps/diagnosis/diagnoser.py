"""Apply the rules to a history: labels (harm shown) ordered by cause, observations (no harm),
consequences marked, fixes resolved against the run's config and filtered so none undoes what
made the run the best of its study."""

from __future__ import annotations

from typing import Mapping

from omegaconf import DictConfig

from sweeps.diagnosis.facts import RunFacts
from sweeps.diagnosis.findings import CAUSES, EXPLAINED_BY, Diagnosis, Finding
from sweeps.diagnosis.rules import LIVE_RULES, RULES


def resolve_fix(fix: str, run_params: Mapping[str, str] | None) -> str:
    """``key=*f`` becomes ``key=<run's value x f>``; without the run's value it is left as written."""
    parts = []
    for override in fix.split():
        key, _, value = override.partition("=")
        if value.startswith("*") and run_params and key in run_params:
            try:
                value = f"{float(run_params[key]) * float(value[1:]):.6g}"
            except ValueError:
                pass
        parts.append(f"{key}={value}")
    return " ".join(parts)


def touches(fix: str, keys: tuple[str, ...]) -> bool:
    """Whether a fix sets one of ``keys`` or a group above one (``optimizer=adam`` resets ``optimizer.lr``)."""
    for override in fix.split():
        key = override.partition("=")[0]
        if any(key == k or k.startswith(f"{key}.") for k in keys):
            return True
    return False


def _explained(found: list[Finding]) -> dict[str, str]:
    """consequence label -> the earliest-ordered label found that explains it."""
    labels = {f.label for f in found}
    explained = {}
    for finding in found:
        roots = [r for r in EXPLAINED_BY[finding.label] if r in labels]
        if roots:
            explained[finding.label] = min(roots, key=CAUSES.index)
    return explained


# A run that cannot fit its training data is harmed; an internal statistic that explains it
# (tiny updates, dead units, a vanishing gradient, collapsed inputs) is then its cause.
LENDS_HARM = ("underfitting",)


def _lend_harm(found: list[Finding]) -> None:
    for symptom in (f for f in found if f.label in LENDS_HARM and f.harm):
        for cause in (f for f in found if not f.harm and f.label in EXPLAINED_BY[symptom.label]):
            cause.harm = f"it explains {symptom.label}: {symptom.harm}"


def diagnose(history: list[dict[str, float]], cfg: DictConfig, num_classes: int = 2,
             run_params: Mapping[str, str] | None = None, *, facts: RunFacts | None = None) -> Diagnosis:
    """Every rule over the whole history. ``facts`` adds what the curves do not say (the run's
    data metrics, a reference accuracy, the keys that made it its study's best); its
    ``num_classes`` wins over the positional one."""
    facts = facts or RunFacts(num_classes=num_classes)
    found = [f for f in (rule(history, cfg, facts) for rule in RULES) if f is not None]
    _lend_harm(found)
    harmful = sorted((f for f in found if f.harm), key=lambda f: CAUSES.index(f.label))
    observations = [f for f in found if not f.harm]
    fixes, withheld = {}, {}
    for finding in harmful:
        candidates = [resolve_fix(fix, run_params) for fix in (cfg.fixes or {}).get(finding.label, [])]
        if run_params:  # "key=*f" left unresolved: the run has no value to scale (data.subset=None)
            candidates = [c for c in candidates if "=*" not in c]
        fixes[finding.label] = [c for c in candidates if not touches(c, facts.keep)]
        withheld[finding.label] = [c for c in candidates if touches(c, facts.keep)]
    return Diagnosis(harmful, fixes, observations, _explained(harmful), {k: v for k, v in withheld.items() if v})


def live_alarm(history: list[dict[str, float]], cfg: DictConfig, num_classes: int = 2) -> Finding | None:
    """The alarming rules only, on the epochs seen so far: cheap enough to run after every epoch.
    Only a finding with harm is an alarm: the diagnosis pruner never stops a trial on an observation."""
    facts = RunFacts(num_classes=num_classes)
    for rule in LIVE_RULES:
        found = rule(history, cfg, facts)
        if found is not None and found.harm:
            return found
    return None
