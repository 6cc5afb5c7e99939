"""``sweeps.utils.plotting``: importing ``plt`` from it selects the headless backend."""

from __future__ import annotations

import subprocess
import sys


def test_plt_from_sweeps_renders_headless_even_where_a_display_backend_was_asked_for():
    # A fresh interpreter: in this one pyplot may already be loaded by another test.
    code = ("import os; os.environ['MPLBACKEND'] = 'TkAgg'\n"
            "from sweeps.utils.plotting import plt\n"
            "import matplotlib; print(matplotlib.get_backend())\n"
            "plt.close(plt.figure())")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().lower() == "agg"
