"""Shared fixtures: a composed config pointed at tmp_path, and tiny synthetic labelled text.

Every test writes under its own tmp_path (MLflow db, caches, checkpoints), so tests never see
each other's state or the user's ``runs/``.
"""

from __future__ import annotations

import atexit
import csv
import functools
import os
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from omegaconf import DictConfig

from sweeps.config import compose_config

REPO = Path(__file__).resolve().parents[1]


def pytest_configure(config) -> None:
    """One torch/OpenMP thread in each of the ``-n`` test processes (xdist workers) and the commands
    they start: two workers on two cores, each with a thread per core, spin against each other and
    a small run takes several times as long. Tests that pin ``trainer.num_threads`` still get it."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        os.environ.setdefault("OMP_NUM_THREADS", "1")
        os.environ.setdefault("MKL_NUM_THREADS", "1")
        if "torch" in sys.modules:
            sys.modules["torch"].set_num_threads(int(os.environ["OMP_NUM_THREADS"]))

POSITIVE = "great wonderful excellent superb loved brilliant enjoyable fantastic".split()
NEGATIVE = "awful terrible boring worst hated dull waste poor".split()
FILLER = "the a movie film plot actor scene story was it and this".split()


def synthetic_rows(n: int, seed: int = 0, classes: int = 2) -> list[tuple[str, int]]:
    """Reviews whose label is carried by a few sentiment words among filler (learnable, not trivial)."""
    rng = random.Random(seed)
    vocab = [POSITIVE, NEGATIVE, "goal match team league coach".split(), "vote party election minister".split(),
             "chip software phone internet data".split()][:classes]
    rows = []
    for i in range(n):
        label = i % classes
        words = rng.choices(FILLER, k=rng.randint(5, 12)) + rng.choices(vocab[label], k=rng.randint(3, 6))
        if rng.random() < 0.1:  # a little label noise keeps accuracy below 100%
            words += rng.choices(vocab[(label + 1) % classes], k=2)
        rng.shuffle(words)
        rows.append((" ".join(words) + " <br /><br />", label))
    return rows


def write_csv(path: Path, rows, header=("text", "label")) -> Path:
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def tiny_csv(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "reviews.csv", synthetic_rows(400))


@functools.cache
def _empty_mlflow_store() -> Path:
    """An empty sqlite MLflow store, created and migrated by MLflow itself once per test process."""
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    root = Path(tempfile.mkdtemp(prefix="sweeps-test-store-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    store = SqlAlchemyStore(f"sqlite:///{root / 'mlflow.db'}", (root / "artifacts").as_uri())
    store.engine.dispose()
    return root / "mlflow.db"


def existing_store(runs_dir: Path) -> None:
    """Give ``runs_dir`` an empty MLflow store (``runs_dir/mlflow.db``), as a user's second run finds it.

    A new sqlite store costs MLflow's schema migration, 1.5-2.5 s on this machine's cores, in every
    test that trains; a copy of one migrated store costs milliseconds. Runs then open it exactly as
    they open any existing store. Tests about creating a store (a refusal that must leave none, two
    workers creating one at once) pass ``new_store=True`` to :func:`small_overrides` instead."""
    runs_dir.mkdir(parents=True, exist_ok=True)
    if not (runs_dir / "mlflow.db").exists():
        shutil.copyfile(_empty_mlflow_store(), runs_dir / "mlflow.db")


_SMALL_VECTORS = {"word2vec": ["embeddings.dim=16", "embeddings.min_count=1", "embeddings.epochs=20"],
                  "random": ["embeddings=random", "embeddings.dim=16", "embeddings.min_count=1"]}


def small_overrides(runs_dir: Path, data_path: Path, model: str = "mlp", new_store: bool = False,
                    embeddings: str = "word2vec") -> list[str]:
    """Overrides that make a full run take a couple of seconds on synthetic data (``model``: the
    config group choice; the MLP gets one small hidden layer; t-SNE off, PCA on: tests that check
    t-SNE add ``tracking.tsne=true``; ``embeddings``: the group choice, with small vectors where it
    has knobs). An absolute ``runs_dir`` is given an empty MLflow store (:func:`existing_store`)
    unless ``new_store``; a relative one is left alone."""
    if runs_dir.is_absolute() and not new_store:
        existing_store(runs_dir)
    return [
        f"paths.runs_dir={runs_dir}", "data=files", f"data.path={data_path}",
        *_SMALL_VECTORS.get(embeddings, [f"embeddings={embeddings}"]),
        *(["model.hidden_dims=[16]"] if model == "mlp" else [f"model={model}"]), "trainer.max_epochs=6", "data.batch_size=16", "optimizer.lr=0.02",
        "tracking.confusion_every=2", "tracking.tsne=false",
    ]


@pytest.fixture
def small_cfg(tmp_path: Path, tiny_csv: Path) -> DictConfig:
    return compose_config(small_overrides(tmp_path / "runs", tiny_csv))


def run_cli(args: list[str], cwd: Path, env_extra: dict | None = None, timeout: int = 240) -> subprocess.CompletedProcess:
    """Run ``python -m sweeps`` exactly as a user would."""
    env = {**os.environ, "PYTHONHASHSEED": "random", **(env_extra or {})}
    env.pop("HYDRA_FULL_ERROR", None)
    return subprocess.run([sys.executable, "-m", "sweeps", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)


def run_in_process(args: list[str], cwd: Path, monkeypatch, capsys) -> subprocess.CompletedProcess:
    """``python -m sweeps <args>`` inside the test process: the same Hydra entry point parsing the same
    command line, its exit status taken from ``SystemExit`` (0 when it returns), without paying a new
    interpreter and the torch import each time. ``sys.argv[0]`` is the entry point's file, as
    ``python -m`` sets it (a sweep's extra ``n_jobs`` workers are started from it). What Hydra and
    the sweeper set up for the job (root log handlers, logger levels, torch threads, environment
    variables such as ``OMP_NUM_THREADS``) is put back afterwards, so later tests see the process as
    before.

    Use :func:`run_cli` where the real process matters (signals, a traceback on the real stderr)."""
    import logging

    import torch

    import sweeps.__main__
    from sweeps.__main__ import main

    monkeypatch.chdir(cwd)
    monkeypatch.setattr(sys, "argv", [sweeps.__main__.__file__, *args])
    monkeypatch.delenv("HYDRA_FULL_ERROR", raising=False)
    root = logging.getLogger()
    handlers, level, threads = root.handlers[:], root.level, torch.get_num_threads()
    levels = {name: lg.level for name, lg in logging.root.manager.loggerDict.items() if isinstance(lg, logging.Logger)}
    environ = dict(os.environ)
    capsys.readouterr()
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        for handler in root.handlers[:]:
            if handler not in handlers:
                root.removeHandler(handler)
                handler.close()
        root.setLevel(level)
        for name, old in levels.items():
            logging.getLogger(name).setLevel(old)
        torch.set_num_threads(threads)
        os.environ.clear()
        os.environ.update(environ)
    out = capsys.readouterr()
    return subprocess.CompletedProcess(["sweeps", *args], code, out.out, out.err)


@pytest.fixture
def app(monkeypatch, capsys):
    """``app(args, cwd)``: :func:`run_in_process` bound to this test's monkeypatch and capsys."""
    return lambda args, cwd: run_in_process(args, cwd, monkeypatch, capsys)


def mlflow_runs(uri: str, experiment: str = "sweeps"):
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=uri)
    exp = client.get_experiment_by_name(experiment)
    if exp is None:
        return []
    return client.search_runs([exp.experiment_id])
