"""hydra-optuna-sweeper's own tests, run against sweeps' sweeper.

    python benchmarks/peer_tests.py /path/to/hydra-checkout [--ref v1.2.0 --ref HEAD]

The tests come from a local clone of facebookresearch/hydra (nothing of theirs is committed here).
For each ref, ``plugins/hydra_optuna_sweeper/{tests,example}`` are copied to a temporary directory
and changed only where they import the peer's modules:

- ``hydra_plugins.hydra_optuna_sweeper.optuna_sweeper.OptunaSweeper`` -> sweeps' class;
- its private ``_impl`` helpers and ``config.MOTPESamplerConfig`` have no counterpart: the tests
  that call them are not applicable (their override -> distribution table is
  ``tests/study/test_space.py::test_the_peers_override_table``).

A ``conftest.py`` is added that lets the examples' missing ``version_base`` pass the tests'
``-Werror`` on Hydra 1.3 (it ignores ``Hydra14MigrationWarning`` in the scripts' interpreters).
Prints one line per test and the count of applicable tests passed.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

PLUGIN = "plugins/hydra_optuna_sweeper"
# Tests of the peer's private functions and classes (_impl helpers, OptunaSweeperImpl, its configs).
NOT_APPLICABLE = ("create_optuna_distribution", "create_params", "motpe_sampler_removed", "test_warnings")
SUBSTITUTIONS = [
    (r"from hydra_plugins\.hydra_optuna_sweeper import _impl\n", "_impl = None  # the peer's private module\n"),
    (r"from hydra_plugins\.hydra_optuna_sweeper\.config import MOTPESamplerConfig\n",
     "MOTPESamplerConfig = None  # the peer's private config\n"),
    (r"from hydra_plugins\.hydra_optuna_sweeper\.optuna_sweeper import OptunaSweeper",
     "from hydra_plugins.sweeps_optuna_sweeper.optuna_sweeper import OptunaSweeper"),
    (r"from hydra_plugins\.hydra_optuna_sweeper\._impl import (\w+)\n", r"\1 = None  # the peer's private class\n"),
    (r"from hydra_plugins\.hydra_optuna_sweeper\.config import Direction\n", "Direction = None  # the peer's private enum\n"),
    # v1.2.0 imports Optuna 2 distribution classes that Optuna 4 removed (used only by private tests).
    (r"from optuna\.distributions import \(([^)]*)\)",
     lambda m: "\n".join(f"{name} = getattr(__import__('optuna.distributions', fromlist=['x']), '{name}', None)"
                         for name in (n.strip() for n in m.group(1).split(",")) if name)),
]
CONFTEST = """
import os
from pathlib import Path

# The examples' scripts run under -Werror; on Hydra 1.3 their missing version_base warns. A
# sitecustomize on PYTHONPATH ignores that one category in the scripts' interpreters.
_site = Path(__file__).parent / "_site"
_site.mkdir(exist_ok=True)
(_site / "sitecustomize.py").write_text(
    "import warnings\\n"
    "from hydra.errors import Hydra14MigrationWarning\\n"
    "warnings.filterwarnings('ignore', category=Hydra14MigrationWarning)\\n")
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(_site), os.environ.get("PYTHONPATH")]))
"""


def _files(repo: Path, ref: str) -> list[str]:
    out = subprocess.run(["git", "-C", str(repo), "ls-tree", "-r", "--name-only", ref, PLUGIN],
                         capture_output=True, text=True, check=True).stdout.split()
    return [f for f in out if f.startswith((f"{PLUGIN}/tests/", f"{PLUGIN}/example/"))]


def run_ref(repo: Path, ref: str) -> tuple[int, int]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for name in _files(repo, ref):
            text = subprocess.run(["git", "-C", str(repo), "show", f"{ref}:{name}"], capture_output=True,
                                  text=True, check=True).stdout
            target = root / name[len(PLUGIN) + 1:]
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.suffix == ".py" and target.parent.name == "tests":
                for pattern, replacement in SUBSTITUTIONS:
                    text = re.sub(pattern, replacement, text)
            target.write_text(text)
        (root / "setup.py").write_text("")  # chdir_plugin_root() looks for it
        (root / "tests" / "conftest.py").write_text(CONFTEST)
        deselect = " and ".join(f"not {name}" for name in NOT_APPLICABLE)
        done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rA", "-k", deselect,
                               "tests"], cwd=root, capture_output=True, text=True)
    results = [line for line in done.stdout.splitlines() if line.startswith(("PASSED", "FAILED", "ERROR"))]
    for line in results:
        print(f"  {ref}: {line[:160]}")
    passed = sum(line.startswith("PASSED") for line in results)
    return passed, len(results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("hydra_repo", type=Path)
    parser.add_argument("--ref", action="append", default=None)
    args = parser.parse_args()
    for ref in args.ref or ["v1.2.0", "HEAD"]:
        passed, total = run_ref(args.hydra_repo, ref)
        print(f"{ref}: {passed} of {total} applicable tests pass")


if __name__ == "__main__":
    main()
