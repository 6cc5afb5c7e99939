"""The from-scratch lab: NumPy layers with hand-written backprop, gradient checks, optimizers,
toy data sets, and the visual gallery (``python -m sweeps.lab <topic>``)."""

from sweeps.lab.gradcheck import check_function, check_model, relative_error
from sweeps.lab.network import MLP
from sweeps.lab.optimizers import NumpyOptimizer, ScratchOptimizer

__all__ = ["MLP", "NumpyOptimizer", "ScratchOptimizer", "check_function", "check_model", "relative_error"]
