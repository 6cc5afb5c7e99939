"""End-of-run extras (figures, projections, error analysis, attention pages, diagnosis) are
optional: none of them may fail a run whose numbers are already measured.

``with optional_step(run, "projection_tsne"):`` runs a step; if it raises, the step is skipped
with one warning line and the tag ``sweeps.skipped.<step>`` holding the reason, and the run goes
on to FINISHED. Steps that feed model outputs to native code check them first
(:mod:`sweeps.analysis.inputs`), because a segfault cannot be caught here; Ctrl-C and SIGTERM
are not exceptions of this kind and still stop the run.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from typing import Iterator

from sweeps.analysis.inputs import DegenerateInput
from sweeps.tracking.mlflow_run import MlflowRun

log = logging.getLogger("sweeps")

SKIPPED_TAG_PREFIX = "sweeps.skipped."


def record_skip(run: MlflowRun, step: str, reason: str) -> None:
    """Say in the log and on the run that ``step`` was skipped, and why."""
    log.warning("skipped %s: %s", step, reason)
    run.set_tags({f"{SKIPPED_TAG_PREFIX}{step}": reason[:1000]})


@contextmanager
def optional_step(run: MlflowRun, step: str) -> Iterator[None]:
    """Run the block; an exception skips the rest of it with a recorded reason instead of
    failing the run (the traceback goes to the debug log)."""
    try:
        yield
    except DegenerateInput as exc:
        record_skip(run, step, exc.reason)
    except Exception as exc:
        log.debug("optional step %s failed", step, exc_info=True)
        first = str(exc).splitlines()[0] if str(exc) else ""
        record_skip(run, step, f"{type(exc).__name__}: {first}")
