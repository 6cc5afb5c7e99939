"""``python -m sweeps.ui``: both UIs come up on loopback, serve their pages, and stop on Ctrl-C."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest


def start_ui(runs) -> subprocess.Popen:
    """``sweeps.ui`` as a terminal user runs it. A job started in the background by a
    non-interactive shell (``cmd &``, as CI harnesses do) inherits SIGINT *ignored*, and Python
    then never turns Ctrl-C into KeyboardInterrupt; restore the default so the test presses a
    real Ctrl-C."""
    return subprocess.Popen([sys.executable, "-m", "sweeps.ui", "--runs-dir", str(runs)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def _read_urls(proc: subprocess.Popen, timeout: float = 150) -> dict[str, str]:
    urls, deadline = {}, time.monotonic() + timeout
    while time.monotonic() < deadline and len(urls) < 2:
        line = proc.stdout.readline()
        if not line:
            break
        if ": http://" in line:
            name, url = line.strip().split(": ", 1)
            urls[name] = url
    return urls


@pytest.mark.slow
def test_ui_serves_mlflow_and_the_dashboard_and_stops_on_ctrl_c(tmp_path):
    proc = start_ui(tmp_path / "runs")
    try:
        urls = _read_urls(proc)
        assert set(urls) == {"MLflow UI", "Optuna dashboard"}, proc.stderr.read() if proc.poll() is not None else urls
        for url in urls.values():
            # Loopback only, and each page answers.
            assert url.startswith("http://127.0.0.1:")
            with urllib.request.urlopen(url, timeout=10) as response:
                assert response.status == 200 and len(response.read()) > 200
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0
    for url in urls.values():
        host, port = url.split("//")[1].split("/")[0].split(":")
        with socket.socket() as sock:
            # Both servers are gone: nothing listens on their ports any more.
            assert sock.connect_ex((host, int(port))) != 0
