"""diagnosis.md: the headline cause first, what follows from it, observations last."""

from __future__ import annotations

from sweeps.diagnosis.findings import Diagnosis, Finding

REPAIR_HINT = ("- Fixes to try (Hydra overrides; `python -m sweeps.diagnose run_id=... repair=true` "
               "tries them and keeps the one that measurably helps):")


def _finding_lines(finding: Finding, diagnosis: Diagnosis) -> list[str]:
    lines = [f"- Evidence: {finding.evidence()}", f"- Harm: {finding.harm}", f"- First seen: epoch {finding.epoch}"]
    consequences = [c for c, root in diagnosis.explained.items() if root == finding.label]
    for label in consequences:
        follower = next(f for f in diagnosis.findings if f.label == label)
        lines.append(f"- Follows from it: **{label}** ({follower.evidence()})")
    fixes = diagnosis.fixes.get(finding.label) or []
    if fixes:
        lines += [REPAIR_HINT, *[f"  - `{fix}`" for fix in fixes]]
    withheld = diagnosis.withheld.get(finding.label) or []
    if withheld:
        lines.append("- Not proposed (they would change a setting that made this run its study's best): "
                     + ", ".join(f"`{fix}`" for fix in withheld))
    return lines


def markdown(diagnosis: Diagnosis, run_name: str, epochs: int) -> str:
    """What was found, the evidence and the harm, and what to try, in plain words."""
    lines = [f"# Diagnosis of {run_name}", "", f"Labels: **{diagnosis.tag_labels}** ({epochs} epochs read).", ""]
    roots = diagnosis.roots
    if not roots:
        lines += ["No harm found: the curves show no divergence, stall, widening gap or zigzag, and the run "
                  "is not near chance or below its reference. Nothing to fix.", ""]
    for rank, finding in enumerate(roots):
        title = "Headline cause" if rank == 0 else "Also"
        lines += [f"## {title}: {finding.label} (confidence {finding.confidence:.2f})", "",
                  *_finding_lines(finding, diagnosis), ""]
    if diagnosis.observations:
        lines += ["## Observations (no harm shown: not labels, no fix)", ""]
        lines += [f"- {f.label}: {f.evidence()}" for f in diagnosis.observations]
        lines.append("")
    return "\n".join(lines)
