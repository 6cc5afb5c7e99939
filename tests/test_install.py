"""sweeps works when installed from a wheel, outside any source checkout.

The slow test builds the wheel from a copy of the sources, installs it (no dependencies) into a
fresh venv and runs the ``sweeps`` command from an empty directory: one training run and a
two-trial study, each to a FINISHED MLflow run. Dependencies come from the project venv through a
path file, so nothing is downloaded and torch is not installed twice.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO, mlflow_runs

# A small slice of the embedded IMDB split with the embedded GloVe vectors: reads the packaged data
# the way a user's run does, in seconds once the first run has cached the features.
TINY_RUN = ["data.subset=300", "embeddings=glove50", "trainer.max_epochs=1", "tracking.projection_points=0",
            "tracking.analysis=false"]


def _run(cmd: list[str], cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "HYDRA_FULL_ERROR", "VIRTUAL_ENV")}
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def _ok(result: subprocess.CompletedProcess) -> None:
    assert result.returncode == 0, f"{result.args} exited {result.returncode}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"


def build_wheel(dest: Path) -> Path:
    """The wheel of a copy of the sources (the build writes build/ and egg-info beside them)."""
    tree = dest / "tree"
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
    tree.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, tree / name)
    shutil.copytree(REPO / "conf", tree / "conf", ignore=ignore)
    shutil.copytree(REPO / "src", tree / "src", ignore=ignore, symlinks=True)  # src/sweeps/conf stays a link
    _ok(_run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
              "--quiet", "-w", str(dest / "dist"), str(tree)], cwd=dest))
    return next((dest / "dist").glob("sweeps-*.whl"))


def install_into_fresh_venv(wheel: Path, venv: Path) -> Path:
    """A new venv holding only the wheel; the project venv's site-packages resolve its dependencies.

    A plain path line in a ``.pth`` file adds that directory without running the ``.pth`` files in
    it, so the project's editable install (a ``.pth`` pointing at ``src/``) does not leak in.
    """
    _ok(_run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=venv.parent))
    python = venv / "bin" / "python"
    _ok(_run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index",
              "--quiet", str(wheel)], cwd=venv.parent))
    purelib = _run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], venv.parent)
    (Path(purelib.stdout.strip()) / "_project_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv / "bin"


def test_wheel_carries_the_whole_config_tree(tmp_path: Path):
    # Every YAML under conf/ (the sweeper's group conf/hydra/sweeper/... included) is in the wheel.
    pytest.importorskip("setuptools")
    wheel = build_wheel(tmp_path)
    shipped = {n.removeprefix("sweeps/conf/") for n in zipfile.ZipFile(wheel).namelist() if n.startswith("sweeps/conf/")}
    expected = {p.relative_to(REPO / "conf").as_posix() for p in (REPO / "conf").rglob("*.yaml")}
    assert expected and shipped == expected
    assert "hydra/sweeper/sweeps_optuna.yaml" in shipped


@pytest.mark.slow
def test_installed_wheel_trains_and_sweeps_from_an_empty_directory(tmp_path: Path):
    bin_dir = install_into_fresh_venv(build_wheel(tmp_path), tmp_path / "venv")
    work = tmp_path / "work"
    work.mkdir()
    # The package and its config are the installed copies, not this checkout's.
    where = _run([str(bin_dir / "python"), "-c",
                  "import sweeps, sweeps.config.compose as c; print(sweeps.__file__); print(c.CONF_DIR)"], work)
    _ok(where)
    module, conf = where.stdout.split()
    assert module.startswith(str(tmp_path / "venv")) and conf.startswith(str(tmp_path / "venv")), where.stdout

    single = _run([str(bin_dir / "sweeps"), *TINY_RUN], work)
    _ok(single)
    assert "MLflow run id" in single.stdout
    study = _run([str(bin_dir / "sweeps"), "-m", "hparams_search=quick", "hydra.sweeper.n_trials=2", *TINY_RUN], work)
    _ok(study)

    runs = mlflow_runs(f"sqlite:///{work}/runs/mlflow.db")
    # The single run, the study's parent and its two trials all ended; none was left RUNNING or FAILED.
    assert len(runs) >= 3 and {r.info.status for r in runs} == {"FINISHED"}, [(r.info.run_name, r.info.status) for r in runs]
    trials = [r for r in runs if "mlflow.parentRunId" in r.data.tags]
    assert len(trials) == 2 and all("test/acc" in r.data.metrics for r in trials)
