"""``python -m sweeps.ui`` / ``sweeps-ui``: the MLflow UI and the Optuna dashboard in one command.

Both bind 127.0.0.1 (``--host`` to change it, at your own risk) on free ports, read the project's
default stores, print their URLs, and stop together on Ctrl-C.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from sweeps.utils.stores import mlflow_ui_argv, mlflow_uri, optuna_dashboard_argv, optuna_storage


def free_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _console_script(name: str) -> str:
    beside_python = Path(sys.executable).parent / name
    return str(beside_python) if beside_python.exists() else (shutil.which(name) or name)


def _wait_until_up(url: str, proc: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url}: server exited with status {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")


def _stop(procs: list[subprocess.Popen], grace: float = 10.0) -> None:
    """Each server runs in its own process group (uvicorn workers, MLflow's job consumers): stop
    the whole group, politely first, then for certain. One shared grace period, so stopping
    both never takes longer than stopping the slower one."""
    for proc in procs:
        _signal_group(proc, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for proc in procs:
        try:
            proc.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
        _signal_group(proc, signal.SIGKILL)  # stragglers that ignored SIGTERM
        proc.wait()


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="sweeps-ui", description=__doc__.splitlines()[0])
    parser.add_argument("--runs-dir", default="runs")
    parser.add_argument("--mlflow-uri", default=None, help="default: sqlite:///<runs-dir>/mlflow.db")
    parser.add_argument("--storage", default=None, help="Optuna storage; default: sqlite:///<runs-dir>/optuna.db")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--timeout", type=float, default=90.0, help="seconds to wait for both servers")
    args = parser.parse_args(argv)
    runs = Path(args.runs_dir)
    runs.mkdir(parents=True, exist_ok=True)
    store = args.mlflow_uri or mlflow_uri(runs)
    storage = args.storage or optuna_storage(runs)
    from sweeps.study.storage import open_storage  # deferred: Optuna loads after the arguments parse

    open_storage(storage)  # the dashboard needs the tables to exist
    mlflow_port, dashboard_port = free_port(args.host), free_port(args.host)
    artifacts = (runs / "artifacts").resolve()
    commands = {
        "MLflow UI": (mlflow_ui_argv(store, program=_console_script("mlflow"), host=args.host, port=mlflow_port,
                                     extra=("--default-artifact-root", artifacts.as_uri(), "--workers", "1")),
                      f"http://{args.host}:{mlflow_port}/"),
        "Optuna dashboard": (optuna_dashboard_argv(storage, program=_console_script("optuna-dashboard"),
                                                   host=args.host, port=dashboard_port),
                             f"http://{args.host}:{dashboard_port}/dashboard/"),
    }
    procs = []
    interrupted = False
    # SIGTERM (from a supervisor, or a test) stops both servers like Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda signum, frame: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        for name, (command, url) in commands.items():
            procs.append(subprocess.Popen(command, start_new_session=True, stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL))
        for proc, (name, (_, url)) in zip(procs, commands.items()):
            _wait_until_up(url, proc, args.timeout)
            print(f"{name}: {url}", flush=True)
        print("Ctrl-C stops both.", flush=True)
        while all(proc.poll() is None for proc in procs):
            time.sleep(0.5)
        print("a server stopped on its own; stopping the other", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        interrupted = True
        return 0
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        _stop(procs)
        if interrupted:
            print("stopped.", flush=True)


if __name__ == "__main__":
    sys.exit(main())
