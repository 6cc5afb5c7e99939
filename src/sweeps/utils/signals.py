"""SIGTERM and SIGINT as one exception, and the one line a command prints when it gets one.

Schedulers stop jobs with SIGTERM (Slurm ``scancel``, ``docker stop``, systemd), people with
Ctrl-C (SIGINT). Python's default for SIGTERM is to die on the spot (exit 143, no cleanup, MLflow
runs left RUNNING) and for SIGINT a ``KeyboardInterrupt`` traceback. Inside
:func:`signals_as_exceptions` both raise :class:`Interrupted` instead, so every ``with`` block on
the way out (``MlflowRun`` marks its run KILLED) and ``finally`` clause runs, and the entry
point ends with :func:`exit_interrupted`: one line, exit status 128 + signal number.

Usage, for a single run or a study's driver::

    with signals_as_exceptions():
        try:
            result = work()
        except Interrupted as exc:
            exit_interrupted(exc, f"MLflow runs {exc.killed_runs} marked KILLED; re-run to resume")

``Interrupted`` subclasses ``KeyboardInterrupt``, so code that already cleans up on Ctrl-C (Optuna
marks the running trial FAIL, ``MlflowRun`` marks its run KILLED) treats SIGTERM the same way,
and ``except Exception`` blocks do not swallow it.
"""

from __future__ import annotations

import signal
import sys
import threading
from contextlib import contextmanager
from typing import Iterator, NoReturn

HANDLED = (signal.SIGTERM, signal.SIGINT)


class Interrupted(KeyboardInterrupt):
    """A stop signal arrived. ``killed_runs`` collects the MLflow run ids marked KILLED on the
    way out (``MlflowRun.__exit__`` appends to it), for the message the entry point prints."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"signal {signum}")
        self.signum = signum
        self.killed_runs: list[str] = []

    @property
    def signal_name(self) -> str:
        """``"SIGTERM"``, ``"SIGINT"``..."""
        return signal.Signals(self.signum).name

    @property
    def exit_code(self) -> int:
        """The shell convention for death by a signal: 128 + its number (143 TERM, 130 INT)."""
        return 128 + self.signum


_deferring = False
_pending: int | None = None


def _raise_interrupted(signum: int, frame) -> None:
    global _pending
    # Further stop signals while the first one unwinds would cut the cleanup short (a run left
    # RUNNING): ignore them until the context ends.
    for handled in HANDLED:
        signal.signal(handled, signal.SIG_IGN)
    if _deferring:
        _pending = signum  # raised when the critical section ends (deferred_signals)
        return
    raise Interrupted(signum)


@contextmanager
def deferred_signals() -> Iterator[None]:
    """A short critical section (a checkpoint write) that a stop signal does not cut in half: a
    signal arriving inside it is raised as :class:`Interrupted` when it ends. Raised mid-write,
    it would surface from inside the writer's own clean-up as some other error, and the entry
    point could not tell an interrupt from a crash."""
    global _deferring, _pending
    if threading.current_thread() is not threading.main_thread():
        yield  # handlers run in the main thread: a section elsewhere (a heartbeat's write) defers nothing
        return
    outer = _deferring
    _deferring = True
    try:
        yield
    finally:
        _deferring = outer
        if not outer and _pending is not None:
            signum, _pending = _pending, None
            raise Interrupted(signum)


@contextmanager
def signals_as_exceptions(signums: tuple[int, ...] = HANDLED) -> Iterator[None]:
    """Within the block, each of ``signums`` raises :class:`Interrupted` in the main thread; the
    previous handlers come back on exit. Outside the main thread (where Python cannot install
    handlers) it does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.getsignal(s) for s in signums}
    for s in signums:
        signal.signal(s, _raise_interrupted)
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def interrupted_line(exc: Interrupted, what_happened: str) -> str:
    """``"interrupted by SIGTERM: <what_happened>"``."""
    return f"interrupted by {exc.signal_name}: {what_happened}"


def exit_interrupted(exc: Interrupted, what_happened: str) -> NoReturn:
    """Print :func:`interrupted_line` on stderr and exit with ``exc.exit_code``."""
    print(interrupted_line(exc, what_happened), file=sys.stderr, flush=True)
    sys.exit(exc.exit_code)
