"""``sweeps.tracking.plots``: the figures every run logs, drawn headless and closed after use."""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import numpy as np

from sweeps.tracking.plots import close, confusion_figure, curves_figure, decision_boundary_figure, figure_to_array


def test_the_backend_is_headless():
    assert matplotlib.get_backend().lower() == "agg"


def test_confusion_figure_writes_counts_and_row_rates_in_each_cell():
    confusion = np.array([[8, 2], [1, 9]])
    fig = confusion_figure(confusion, ["neg", "pos"], "test")
    ax = fig.axes[0]
    # Rows are the true class: 8 of 10 negatives right is 80%, whatever the column totals.
    assert sorted(t.get_text() for t in ax.texts) == ["1\n10%", "2\n20%", "8\n80%", "9\n90%"]
    assert ax.get_title() == "test" and ax.get_ylabel() == "true" and ax.get_xlabel() == "predicted"
    close(fig)
    assert not plt.fignum_exists(fig.number)


def test_a_class_with_no_rows_divides_by_one_not_zero():
    fig = confusion_figure(np.array([[0, 0], [3, 1]]), ["a", "b"], "t")
    assert "0\n0%" in [t.get_text() for t in fig.axes[0].texts]
    close(fig)


def test_figure_to_array_is_rgb_uint8_and_closes_the_figure():
    fig = confusion_figure(np.eye(3, dtype=int), ["a", "b", "c"], "t")
    image = figure_to_array(fig)
    assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3 and image.shape[0] > 100
    assert not plt.fignum_exists(fig.number)


def test_curves_figure_plots_train_and_val_per_epoch_and_marks_the_best():
    history = [{"train/loss": 1 / e, "val/loss": 1.2 / e, "train/acc": 0.5 + e / 20, "val/acc": 0.5 + e / 25,
                "lr": 0.1 / e} for e in range(1, 6)]
    fig = curves_figure(history, best_epoch=3)
    loss_ax, acc_ax, lr_ax = fig.axes
    assert [line.get_label() for line in loss_ax.lines] == ["train", "val", "best (epoch 3)"]
    assert list(loss_ax.lines[1].get_ydata()) == [h["val/loss"] for h in history]
    assert list(acc_ax.lines[0].get_xdata()) == [1, 2, 3, 4, 5]
    assert list(lr_ax.lines[0].get_ydata()) == [h["lr"] for h in history]
    close(fig)
    # No best epoch yet (0): no marker.
    fig = curves_figure(history, best_epoch=0)
    assert [line.get_label() for line in fig.axes[0].lines] == ["train", "val"]
    close(fig)


def test_decision_boundary_asks_the_model_over_a_grid_around_the_points():
    x = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]], dtype=np.float32)
    asked = []

    def predict(grid):
        asked.append(grid)
        return (grid[:, 0] > 0.5).astype(np.float32)

    fig = decision_boundary_figure(predict, x, np.array([0, 1, 0, 1]), "epoch 1", resolution=20)
    grid = asked[0]
    # A 20x20 grid reaching a quarter of the data's range past each side.
    assert grid.shape == (400, 2) and grid.dtype == np.float32
    assert grid.min() == -0.25 and grid.max() == 1.25
    assert fig.axes[0].get_title() == "epoch 1"
    close(fig)
