"""Where a classifier goes wrong, in categories a reader can check without code.

The categories are deliberately simple and documented here (README "Error analysis"):

- ``negation``: the text contains a negation (not, no, never, n't, nothing, nor, neither, none,
  hardly, without). Bags of words lose what a negation applies to.
- ``contrast``: contains a contrast word (but, however, although, though, yet, whereas,
  nevertheless, despite): mixed sentiment, where the verdict often comes after the turn.
- ``long`` / ``short``: in the longest / shortest quarter of the split by token count.
- ``high_oov``: in the quarter of documents with the highest share of tokens the model has no
  vector for (only when some document has any).

Each category reports its size, its error rate and the ratio to the overall error rate: a ratio
well above 1 says where to look next.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sweeps.data.text import tokenize

NEGATIONS = frozenset({"not", "no", "never", "nothing", "nor", "neither", "none", "hardly", "without"})
CONTRASTS = frozenset({"but", "however", "although", "though", "yet", "whereas", "nevertheless", "despite"})
_TEXT_SHOWN = 600  # characters of each mistake's text in the artifacts


@dataclass
class ErrorAnalysis:
    categories: pd.DataFrame  # category, documents, share, errors, error_rate, ratio_to_overall
    mistakes: pd.DataFrame  # the most confident mistakes, with their text
    overall_error_rate: float

    def markdown(self, title: str) -> str:
        lines = [f"# {title}", "", f"Overall error rate: {self.overall_error_rate:.2%} "
                 f"({int(self.categories.attrs.get('errors', 0))} of {int(self.categories.attrs.get('documents', 0))}).",
                 "", "## Error rate by category", "",
                 "| category | documents | share | errors | error rate | x overall |", "|---|---|---|---|---|---|"]
        for row in self.categories.itertuples():
            lines.append(f"| {row.category} | {row.documents} | {row.share:.1%} | {row.errors} | "
                         f"{row.error_rate:.2%} | {row.ratio_to_overall:.2f} |")
        lines += ["", "Categories: negation (not/no/never/n't ...), contrast (but/however/although ...), "
                  "long/short (longest/shortest quarter by tokens), high_oov (quarter with most tokens "
                  "lacking a vector).", "", "## Most confident mistakes", ""]
        for row in self.mistakes.itertuples():
            lines += [f"**true {row.true} / predicted {row.predicted} (confidence {row.confidence:.3f})**", "",
                      f"> {row.text}", ""]
        return "\n".join(lines)


def _has_any(tokens: list[str], words: frozenset[str]) -> bool:
    return any(t in words or t.endswith("n't") and words is NEGATIONS for t in tokens)


def _quartile_mask(values: np.ndarray, top: bool) -> np.ndarray:
    if len(values) == 0:
        return np.zeros(0, bool)
    cut = np.quantile(values, 0.75 if top else 0.25)
    return values >= cut if top else values <= cut


def analyse_errors(texts: list[str], labels: np.ndarray, preds: np.ndarray, confidence: np.ndarray,
                   class_names: list[str], doc_oov: np.ndarray | None = None, top: int = 20) -> ErrorAnalysis:
    """Error rate per category and the ``top`` mistakes the model was surest of.

    ``confidence`` is the probability the model gave its predicted class."""
    tokens = [tokenize(t) for t in texts]
    wrong = labels != preds
    lengths = np.asarray([len(t) for t in tokens])
    masks = {
        "all": np.ones(len(labels), bool),
        "negation": np.asarray([_has_any(t, NEGATIONS) for t in tokens], bool),
        "contrast": np.asarray([_has_any(t, CONTRASTS) for t in tokens], bool),
        "long": _quartile_mask(lengths, top=True),
        "short": _quartile_mask(lengths, top=False),
    }
    if doc_oov is not None and np.any(doc_oov > 0):
        masks["high_oov"] = _quartile_mask(np.asarray(doc_oov), top=True)
    overall = float(wrong.mean()) if len(wrong) else float("nan")
    rows = []
    for name, mask in masks.items():
        size, errors = int(mask.sum()), int((wrong & mask).sum())
        rate = errors / size if size else float("nan")
        rows.append({"category": name, "documents": size, "share": size / max(len(labels), 1), "errors": errors,
                     "error_rate": rate, "ratio_to_overall": rate / overall if overall else float("nan")})
    categories = pd.DataFrame(rows)
    categories.attrs.update({"errors": int(wrong.sum()), "documents": len(labels)})
    order = np.argsort(-np.where(wrong, confidence, -1.0))[: min(top, int(wrong.sum()))]
    mistakes = pd.DataFrame({
        "index": order, "true": [class_names[labels[i]] for i in order],
        "predicted": [class_names[preds[i]] for i in order], "confidence": confidence[order],
        "tokens": lengths[order], "text": [" ".join(texts[i].split())[:_TEXT_SHOWN] for i in order]})
    return ErrorAnalysis(categories, mistakes, overall)
