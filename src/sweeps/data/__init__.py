"""Labelled text in, stratified train/val/test splits of clean token lists out."""

from sweeps.data.sources import load_rows
from sweeps.data.splits import Splits, make_splits
from sweeps.data.text import clean_text, tokenize

__all__ = ["Splits", "clean_text", "load_rows", "make_splits", "tokenize"]
