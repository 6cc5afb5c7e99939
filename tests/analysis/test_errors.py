"""Error categories are computed as documented, and the most confident mistakes come first."""

from __future__ import annotations

import numpy as np

from sweeps.analysis import analyse_errors


def test_categories_and_confident_mistakes():
    texts = ["I did not like it", "great but slow", "fine", "wonderful film " * 20, "isn't good", "ok ok"]
    labels = np.array([0, 1, 1, 1, 0, 1])
    preds = np.array([1, 0, 1, 1, 0, 0])
    confidence = np.array([0.9, 0.6, 0.8, 0.99, 0.7, 0.95])
    result = analyse_errors(texts, labels, preds, confidence, ["neg", "pos"], top=2)
    rows = result.categories.set_index("category")
    assert rows.loc["all", "errors"] == 3 and result.overall_error_rate == 0.5
    assert rows.loc["negation", "documents"] == 2  # "not" and "isn't"
    assert rows.loc["contrast", "documents"] == 1 and rows.loc["contrast", "error_rate"] == 1.0
    assert rows.loc["long", "documents"] >= 1
    assert "high_oov" not in rows.index  # no OOV information given
    assert result.mistakes["confidence"].tolist() == [0.95, 0.9]
    assert result.mistakes["true"].tolist() == ["pos", "neg"]
    assert "Most confident mistakes" in result.markdown("t")
