"""Labelled text in, stratified train/val/test splits of clean token lists out.

A ``data`` node is a ``_target_`` naming one of the sources below (or a user's subclass of
:class:`DataSource`), built with ``hydra.utils.instantiate``.
"""

from sweeps.data.sources import (DataSource, EmbeddedBBCNews, EmbeddedIMDB, EmbeddedRottenTomatoes, HubDataset,
                                 TextFiles, ToyData, UserDataset, load_rows)
from sweeps.data.splits import Splits, make_splits
from sweeps.data.text import clean_text, tokenize

__all__ = ["DataSource", "EmbeddedBBCNews", "EmbeddedIMDB", "EmbeddedRottenTomatoes", "HubDataset", "Splits",
           "TextFiles", "ToyData", "UserDataset", "clean_text", "load_rows", "make_splits", "tokenize"]
