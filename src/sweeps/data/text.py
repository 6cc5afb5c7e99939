"""Text cleaning and tokenization shared by every embedding and model."""

from __future__ import annotations

import re

_MARKUP = re.compile(r"<br\s*/?>|<[^>]{1,20}>", re.IGNORECASE)
# Words with inner apostrophes stay whole ("don't", "isn't": negations matter for sentiment);
# "!" and "?" are kept as tokens because they carry tone.
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)*|[!?]")

# Bump when tokenization changes so every cache keyed on it is rebuilt.
TOKENIZER_VERSION = "regex-v1"


def clean_text(text: str) -> str:
    """Strip HTML line breaks and tags (IMDB reviews are full of ``<br />``)."""
    return _MARKUP.sub(" ", text)


def tokenize(text: str) -> list[str]:
    """Lower-cased word tokens of cleaned text."""
    return _TOKEN.findall(clean_text(text).lower())
