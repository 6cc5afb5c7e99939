#!/usr/bin/env bash
# Idempotent set-up: creates .venv/ at the repo root (reused when present) and installs sweeps
# editable with its test extras. Torch is installed first, pinned to the CPU build this project
# is tested with; override with TORCH_SPEC (e.g. TORCH_SPEC="torch==2.14.1") if you need another.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
TORCH_SPEC="${TORCH_SPEC:-torch==2.13.0}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
stamp=".venv/.sweeps-installed"
want="$(cat pyproject.toml .ci/setup.sh | sha256sum | cut -d' ' -f1) $TORCH_SPEC"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0  # nothing changed since the last install
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet "$TORCH_SPEC"
# compat mode puts src/ on sys.path through a .pth file: Hydra can only discover the sweeper in the
# hydra_plugins namespace package that way (the default editable import hook hides it).
.venv/bin/python -m pip install --quiet -e ".[test]" --config-settings editable_mode=compat
echo "$want" > "$stamp"
