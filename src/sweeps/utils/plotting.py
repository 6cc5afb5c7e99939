"""The one place sweeps picks matplotlib's backend: import ``plt`` from here.

``Agg`` renders to files and arrays only: no display exists where runs go (CI, Slurm nodes, sweep
workers), and an interactive backend would fail there or open windows. Every module that draws
(tracking plots, diagnosis figures, study plots, the gallery) imports ``plt`` from this module, so
the backend is chosen before pyplot first loads, whichever of them loads first.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

__all__ = ["plt"]
