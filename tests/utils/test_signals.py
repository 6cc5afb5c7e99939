"""``sweeps.utils.signals`` in this process: SIGTERM and SIGINT become ``Interrupted`` inside the
block, further signals cannot cut the clean-up short, the old handlers come back, and the entry
point's one line and exit status (``tests/test_interrupts.py`` checks it end to end)."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from sweeps.utils.signals import (Interrupted, exit_interrupted, interrupted_line, signals_as_exceptions)


def _send(signum: int) -> None:
    os.kill(os.getpid(), signum)
    time.sleep(0.05)  # the handler runs at the next bytecode boundary


@pytest.mark.parametrize("signum,name,code", [(signal.SIGTERM, "SIGTERM", 143), (signal.SIGINT, "SIGINT", 130)])
def test_a_stop_signal_raises_interrupted_with_its_name_and_exit_code(signum, name, code):
    before = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    with pytest.raises(Interrupted) as raised, signals_as_exceptions():
        _send(signum)
    assert raised.value.signum == signum and raised.value.signal_name == name and raised.value.exit_code == code
    # It is a KeyboardInterrupt (clean-up that handles Ctrl-C handles SIGTERM) and not an Exception.
    assert isinstance(raised.value, KeyboardInterrupt) and not isinstance(raised.value, Exception)
    assert {s: signal.getsignal(s) for s in before} == before


def test_a_second_signal_during_the_clean_up_is_ignored():
    cleaned = []
    with pytest.raises(Interrupted) as raised, signals_as_exceptions():
        try:
            _send(signal.SIGTERM)
        finally:
            _send(signal.SIGINT)  # would abort the clean-up if it were raised
            cleaned.append(True)
    assert cleaned == [True] and raised.value.signum == signal.SIGTERM


def test_outside_the_main_thread_nothing_is_installed():
    seen = []

    def worker():
        with signals_as_exceptions():
            seen.append(signal.getsignal(signal.SIGTERM))

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert seen == [signal.getsignal(signal.SIGTERM)]


def test_the_entry_points_line_and_exit_status(capsys):
    exc = Interrupted(signal.SIGTERM)
    assert interrupted_line(exc, "run abc marked KILLED") == "interrupted by SIGTERM: run abc marked KILLED"
    with pytest.raises(SystemExit) as exited:
        exit_interrupted(exc, "run abc marked KILLED")
    assert exited.value.code == 143
    captured = capsys.readouterr()
    assert captured.err == "interrupted by SIGTERM: run abc marked KILLED\n" and captured.out == ""


def test_a_deferred_section_in_another_thread_does_not_hold_the_main_threads_signal():
    # Handlers run in the main thread; a write in a background thread (a heartbeat) must neither
    # delay the main thread's Interrupted nor have it raised in the background thread.
    from sweeps.utils.signals import deferred_signals

    inside, release, raised_in_thread = threading.Event(), threading.Event(), []

    def background():
        try:
            with deferred_signals():
                inside.set()
                release.wait(5)
        except Interrupted:
            raised_in_thread.append(True)

    worker = threading.Thread(target=background)
    worker.start()
    inside.wait(5)
    try:
        with pytest.raises(Interrupted), signals_as_exceptions():
            _send(signal.SIGTERM)
    finally:
        release.set()
        worker.join()
    assert raised_in_thread == []


def test_a_stop_signal_during_an_mlflow_write_lets_the_write_commit(tmp_path):
    # Ctrl-C landing inside SQLAlchemy's flush broke the store's session, so the run could not be
    # marked KILLED. The signal is sent from inside the real log_batch call.
    from mlflow import MlflowClient

    from sweeps.tracking.mlflow_run import MlflowRun

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    with pytest.raises(Interrupted), signals_as_exceptions():
        with MlflowRun(uri, "signals") as run:
            real = run.client.log_batch

            def log_batch_then_signal(*args, **kwargs):
                _send(signal.SIGINT)  # arrives while the write is in progress
                return real(*args, **kwargs)

            run.client.log_batch = log_batch_then_signal
            run.log_metrics({"val/acc": 0.5}, step=1)
    stored = MlflowClient(uri).get_run(run.run_id)
    assert stored.data.metrics["val/acc"] == 0.5 and stored.info.status == "KILLED"
