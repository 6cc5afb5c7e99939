"""Attention weights over the words of a document, as an HTML page anyone can open."""

from __future__ import annotations

import html

import numpy as np


def attention_page(documents: list[tuple[list[str], np.ndarray, str]], title: str) -> str:
    """``documents``: (tokens, weights, caption) each; a token's background is its weight relative
    to the document's largest. Non-finite weights (a diverged model) are shown as 0."""
    parts = [f"<!doctype html><meta charset='utf-8'><title>{html.escape(title)}</title>",
             "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}"
             "p{line-height:1.9}span{padding:1px 2px;border-radius:3px}</style>",
             f"<h1>{html.escape(title)}</h1><p>Darker = more weight in the pooled vector.</p>"]
    for tokens, weights, caption in documents:
        weights = np.nan_to_num(np.asarray(weights, dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0)
        top = float(weights.max()) if len(weights) else 1.0
        spans = " ".join(
            f"<span style='background:rgba(255,80,0,{w / top if top > 0 else 0:.2f})' title='{w:.4f}'>"
            f"{html.escape(t)}</span>" for t, w in zip(tokens, weights))
        parts.append(f"<h3>{html.escape(caption)}</h3><p>{spans}</p>")
    return "\n".join(parts)
