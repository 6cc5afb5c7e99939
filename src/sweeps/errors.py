"""Exceptions for mistakes a user can fix.

Anything derived from :class:`SweepsError` is printed as one readable line with a non-zero exit
and no traceback (set ``HYDRA_FULL_ERROR=1`` to see one). Other exceptions are bugs and keep
their traceback.
"""

from __future__ import annotations


class SweepsError(Exception):
    """A problem with the user's input: config, data, embeddings or checkpoint."""


class ConfigError(SweepsError):
    """A config value is out of range or inconsistent. Names the key."""

    def __init__(self, key: str, message: str) -> None:
        self.key = key
        super().__init__(f"config key '{key}': {message}")


class DataError(SweepsError):
    """A data source is missing, empty or malformed. Names the file or dataset."""


class EmbeddingsError(SweepsError):
    """A vectors file cannot be read or does not cover the vocabulary."""


class CheckpointError(SweepsError):
    """A checkpoint is missing, corrupt or does not fit the configured model."""
