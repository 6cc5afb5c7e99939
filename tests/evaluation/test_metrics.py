"""The NumPy metrics agree with sklearn's, including classes that are never predicted or absent."""

import numpy as np
import pytest
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

from sweeps.evaluation import classification_metrics


@pytest.mark.parametrize("num_classes", [2, 3, 5])
@pytest.mark.parametrize("case", ["random", "one_class_predicted", "class_absent", "empty_positive"])
def test_matches_sklearn(num_classes: int, case: str) -> None:
    rng = np.random.default_rng(num_classes)
    labels = rng.integers(0, num_classes, 300)
    preds = rng.integers(0, num_classes, 300)
    if case == "one_class_predicted":
        preds[:] = 0
    elif case == "class_absent":
        labels[labels == num_classes - 1] = 0
        preds[preds == num_classes - 1] = 0
    elif case == "empty_positive":
        labels[labels == 1] = 0
        preds[preds == 1] = 0
    classes = list(range(num_classes))
    average = "binary" if num_classes == 2 else "macro"
    # Macro averages the classes present in the labels: a class absent from the split has no score.
    present = sorted(set(labels.tolist()))
    expected = precision_recall_fscore_support(labels, preds, labels=present if average == "macro" else None,
                                               average=average, zero_division=0)
    got = classification_metrics(labels, preds, num_classes)
    assert got["precision"] == pytest.approx(expected[0])
    assert got["recall"] == pytest.approx(expected[1])
    assert got["f1"] == pytest.approx(expected[2])
    assert got["acc"] == pytest.approx(np.mean(labels == preds))
    np.testing.assert_array_equal(got["confusion"], confusion_matrix(labels, preds, labels=classes))


def test_per_class_table_matches_sklearn() -> None:
    from sweeps.analysis import per_class_table

    rng = np.random.default_rng(7)
    labels, preds = rng.integers(0, 4, 200), rng.integers(0, 3, 200)  # class 3 never predicted
    table = per_class_table(labels, preds, ["a", "b", "c", "d"])
    expected = precision_recall_fscore_support(labels, preds, labels=[0, 1, 2, 3], zero_division=0)
    for column, values in zip(["precision", "recall", "f1", "support"], expected):
        np.testing.assert_allclose(table[column].to_numpy(), values)
    assert list(table["class"]) == ["a", "b", "c", "d"]
