"""Apply the rules to a history; resolve the suggested fixes against the run's own config."""

from __future__ import annotations

from typing import Mapping

from omegaconf import DictConfig

from sweeps.diagnosis.findings import Diagnosis, Finding
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


def diagnose(history: list[dict[str, float]], cfg: DictConfig, num_classes: int = 2,
             run_params: Mapping[str, str] | None = None) -> Diagnosis:
    """Every rule over the whole history, in order, suppressing labels explained by earlier ones."""
    findings: list[Finding] = []
    for rule, suppressed_by in RULES:
        if any(f.label in suppressed_by for f in findings):
            continue
        found = rule(history, cfg, num_classes)
        if found is not None:
            findings.append(found)
    fixes = {f.label: [resolve_fix(fix, run_params) for fix in (cfg.fixes or {}).get(f.label, [])] for f in findings}
    return Diagnosis(findings, fixes)


def live_alarm(history: list[dict[str, float]], cfg: DictConfig, num_classes: int = 2) -> Finding | None:
    """The alarming rules only, on the epochs seen so far: cheap enough to run after every epoch."""
    for rule in LIVE_RULES:
        found = rule(history, cfg, num_classes)
        if found is not None:
            return found
    return None


def markdown(diagnosis: Diagnosis, run_name: str, epochs: int) -> str:
    """diagnosis.md: what was found, the evidence, and what to try, in plain words."""
    lines = [f"# Diagnosis of {run_name}", "", f"Labels: **{diagnosis.tag_labels}** ({epochs} epochs read).", ""]
    if not diagnosis.findings:
        lines += ["No rule fired: losses fall together, gradients and updates are in healthy ranges, "
                  "units are alive. Nothing to fix."]
        return "\n".join(lines) + "\n"
    for finding in diagnosis.findings:
        lines += [f"## {finding.label} (confidence {finding.confidence:.2f})", "",
                  f"- Evidence: {finding.evidence()}",
                  f"- First seen: epoch {finding.epoch}"]
        fixes = diagnosis.fixes.get(finding.label) or []
        if fixes:
            lines.append("- Fixes to try (Hydra overrides; `python -m sweeps.diagnose run_id=... repair=true` "
                         "tries them and keeps the one that measurably helps):")
            lines += [f"  - `{fix}`" for fix in fixes]
        lines.append("")
    return "\n".join(lines)
