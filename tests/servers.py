"""Real servers for scale-out tests: a throwaway PostgreSQL cluster and an MLflow tracking server.

Both listen on 127.0.0.1 only, on a free port, and are stopped by their own PID (process group
for MLflow) when the test session ends.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from sweeps.ui import free_port


def _pg_bindir() -> Path | None:
    for candidate in [shutil.which("pg_config") and subprocess.run(["pg_config", "--bindir"], capture_output=True,
                                                                   text=True).stdout.strip(),
                      *sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)]:
        if candidate and (Path(candidate) / "initdb").exists() and (Path(candidate) / "pg_ctl").exists():
            return Path(candidate)
    return None


def _as_postgres_user() -> list[str]:
    """initdb refuses to run as root: run the server as the Debian 'postgres' user then."""
    if os.geteuid() != 0:
        return []
    if shutil.which("runuser") is None:
        raise PostgresUnavailable("running as root without runuser: cannot start PostgreSQL as a non-root user")
    try:
        import pwd

        pwd.getpwnam("postgres")
    except KeyError:
        raise PostgresUnavailable("running as root and no 'postgres' user exists to run the server") from None
    return ["runuser", "-u", "postgres", "--"]


class PostgresUnavailable(Exception):
    """No server binaries, or no way to run them as a non-root user."""


def start_postgres() -> tuple[str, int, Path]:
    """Initialise and start a throwaway cluster on 127.0.0.1 and a free port.

    Returns (SQLAlchemy URL of database 'optuna', postmaster PID, cluster directory). Used by the
    tests' fixture and by benchmarks/reliability.py.
    """
    bindir = _pg_bindir()
    if bindir is None:
        raise PostgresUnavailable("PostgreSQL server binaries (initdb, pg_ctl) not found; "
                                  "install Debian's 'postgresql' package")
    as_user = _as_postgres_user()
    # Not under pytest's tmp dir: that is private to root, and the server runs as 'postgres'.
    root = Path(tempfile.mkdtemp(prefix="sweeps-pg-"))
    data = root / "data"
    if as_user:
        shutil.chown(root, "postgres")
    port = free_port("127.0.0.1")
    subprocess.run([*as_user, str(bindir / "initdb"), "-D", str(data), "-U", "sweeps", "--auth=trust"],
                   check=True, capture_output=True)
    subprocess.run([*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-l", str(root / "server.log"), "-w",
                    "-o", f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c max_connections=200", "start"],
                   check=True, capture_output=True)
    pid = int((data / "postmaster.pid").read_text().splitlines()[0])
    subprocess.run([str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "sweeps", "optuna"],
                   check=True, capture_output=True)
    return f"postgresql+psycopg2://sweeps@127.0.0.1:{port}/optuna", pid, root


def stop_postgres(pid: int, root: Path) -> None:
    """Fast shutdown of the postmaster we started, by its PID, then remove the cluster."""
    os.kill(pid, signal.SIGINT)
    for _ in range(100):
        try:
            os.kill(pid, 0)
            time.sleep(0.1)
        except ProcessLookupError:
            break
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_url():
    try:
        url, pid, root = start_postgres()
    except PostgresUnavailable as reason:
        pytest.skip(str(reason))
    try:
        yield url
    finally:
        stop_postgres(pid, root)


@pytest.fixture(scope="session")
def mlflow_server(tmp_path_factory):
    root = tmp_path_factory.mktemp("mlflow-server")
    port = free_port("127.0.0.1")
    mlflow = str(Path(sys.executable).parent / "mlflow")
    proc = subprocess.Popen([mlflow, "server", "--backend-store-uri", f"sqlite:///{root}/mlflow.db",
                             "--artifacts-destination", str(root / "artifacts"), "--host", "127.0.0.1",
                             "--port", str(port), "--workers", "1"],
                            start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"mlflow server did not start on {url}")
                time.sleep(0.5)
        yield url
    finally:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                break
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                continue
        proc.wait()
