"""sweeps' Optuna sweeper for Hydra (``hydra/sweeper=optuna``)."""
