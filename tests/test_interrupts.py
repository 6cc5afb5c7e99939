"""SIGTERM and Ctrl-C stop a single run cleanly: one line, exit 128+signal, the run KILLED.

Issue 18 item 2: a scheduler's SIGTERM used to kill the process on the spot (exit 143, no word,
the MLflow run RUNNING forever) and Ctrl-C could print a long KeyboardInterrupt traceback.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import mlflow_runs, small_overrides, synthetic_rows, write_csv


def _start(args: list[str], cwd: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONHASHSEED": "random"}
    env.pop("HYDRA_FULL_ERROR", None)
    return subprocess.Popen([sys.executable, "-m", "sweeps", *args], cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _wait_for(predicate, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert proc.poll() is None, proc.communicate()[1][-2000:]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def _long_run(tmp_path: Path) -> tuple[list[str], Path]:
    csv = write_csv(tmp_path / "reviews.csv", synthetic_rows(200))
    runs = tmp_path / "runs"
    # Long enough that the signal lands mid-training, after the first checkpoint.
    return small_overrides(runs, csv) + ["trainer.max_epochs=500", "trainer.early_stopping.patience=500",
                                         "tracking.confusion_every=0"], runs


def _check_killed(returncode: int, err: str, runs: Path, signum: int) -> None:
    run = mlflow_runs(f"sqlite:///{runs}/mlflow.db")[0]
    name = signal.Signals(signum).name
    # 128 + signal number, one line naming the signal and the run, no traceback.
    assert returncode == 128 + signum
    assert (f"interrupted by {name}: MLflow run {run.info.run_id} marked KILLED; "
            f"re-run with trainer.resume_from={run.info.run_id} to continue") in err
    assert "Traceback" not in err
    # Nothing is left RUNNING.
    assert run.info.status == "KILLED"


def test_sigterm_during_a_run_marks_it_killed_and_says_how_to_resume(tmp_path):
    """A scheduler's SIGTERM to a real process: its exit status and stderr are what the user sees."""
    overrides, runs = _long_run(tmp_path)
    proc = _start(overrides, tmp_path)
    _wait_for(lambda: any((runs / "checkpoints").glob("*/last.pt")), proc)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    _check_killed(proc.returncode, err, runs, signal.SIGTERM)


def test_ctrl_c_during_a_run_marks_it_killed_and_says_how_to_resume(tmp_path, app):
    """Ctrl-C (SIGINT) to the entry point running in this process, sent once the first checkpoint exists."""
    overrides, runs = _long_run(tmp_path)
    done = threading.Event()

    def press_ctrl_c():
        deadline = time.monotonic() + 120
        while not done.is_set() and time.monotonic() < deadline:
            if any((runs / "checkpoints").glob("*/last.pt")):
                os.kill(os.getpid(), signal.SIGINT)  # Python runs the handler in the main thread
                return
            time.sleep(0.05)

    presser = threading.Thread(target=press_ctrl_c, daemon=True)
    presser.start()
    try:
        result = app(overrides, tmp_path)
    finally:
        done.set()
        presser.join()
    _check_killed(result.returncode, result.stderr, runs, signal.SIGINT)


def test_a_stop_signal_inside_a_deferred_section_is_raised_when_it_ends():
    # A checkpoint write is such a section: the signal must not cut it in half.
    from sweeps.utils.signals import Interrupted, deferred_signals, signals_as_exceptions

    finished = []
    with pytest.raises(Interrupted) as raised, signals_as_exceptions():
        with deferred_signals():
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.05)  # the handler has run by now; the section goes on regardless
            finished.append(True)
    assert finished == [True] and raised.value.signum == signal.SIGTERM
