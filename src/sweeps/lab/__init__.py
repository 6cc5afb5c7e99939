"""The from-scratch lab: NumPy layers with hand-written backprop, gradient checks, optimizers and
toy data sets. It imports nothing else of sweeps (an import-linter contract in pyproject.toml);
the visual gallery that runs it through the product is :mod:`sweeps.gallery`."""

from sweeps.lab.gradcheck import check_function, check_model, relative_error
from sweeps.lab.network import MLP
from sweeps.lab.optimizers import NumpyOptimizer, ScratchOptimizer

__all__ = ["MLP", "NumpyOptimizer", "ScratchOptimizer", "check_function", "check_model", "relative_error"]
