"""Exceptions for mistakes a user can fix.

Anything derived from :class:`SweepsError` is printed as one readable line with a non-zero exit
and no traceback (set ``HYDRA_FULL_ERROR=1`` to see one). Other exceptions are bugs and keep
their traceback.
"""

from __future__ import annotations

import os
import sys
from typing import NoReturn


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


def exit_on_user_error(exc: SweepsError) -> NoReturn:
    """What an entry point does with a :class:`SweepsError`: one line on stderr, exit status 2.
    With ``HYDRA_FULL_ERROR=1`` the exception propagates instead, traceback and all."""
    if os.environ.get("HYDRA_FULL_ERROR") == "1":
        raise exc
    print(f"error: {exc}", file=sys.stderr)
    sys.exit(2)
