"""sweeps: Hydra-composed training runs, Optuna studies and MLflow tracking for neural networks."""

__version__ = "0.1.0"
