"""cnnlib.figures.evaluation: learning curves, confusion matrix, digits and mistakes.

Each figure draws the numbers it is given (checked), and is readable on the
book's page (issue 12): saved as the notebook saves it, at most the column's
width, its smallest text at least ``MIN_TEXT_PX`` high.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
from PIL import Image

from cnnlib import figures
from cnnlib.training import EpochLog

HISTORY = {"cost": [0.5, 0.2, 0.1], "val_accuracy": [0.9, 0.95, 0.97]}
ARTICLE = {"cost": [0.6, 0.3, 0.2], "test_accuracy": [0.88, 0.94, 0.96]}


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_show_history_draws_cost_and_accuracy_per_epoch():
    fig = figures.show_history(HISTORY, ARTICLE)
    ax_cost, ax_acc = fig.axes
    assert [ax.get_title() for ax in fig.axes] == ["Training cost", "Accuracy"]
    (mine, theirs) = ax_cost.get_lines()
    assert mine.get_xdata().tolist() == [1, 2, 3]
    assert mine.get_ydata().tolist() == HISTORY["cost"]
    assert theirs.get_ydata().tolist() == ARTICLE["cost"]
    assert theirs.get_linestyle() == "--"
    acc = [line.get_ydata().tolist() for line in ax_acc.get_lines()]
    assert acc == [HISTORY["val_accuracy"], ARTICLE["test_accuracy"]]
    legend = [t.get_text() for t in ax_acc.get_legend().get_texts()]
    assert legend == ["this run", "article 001"]


def test_show_history_takes_a_training_runs_epoch_logs():
    logs = [
        EpochLog(e, c, c + 0.1, a, 1.0)
        for e, c, a in zip((1, 2), (0.4, 0.3), (0.8, 0.9))
    ]
    fig = figures.show_history(logs)
    (cost,) = fig.axes[0].get_lines()
    (acc,) = fig.axes[1].get_lines()
    assert cost.get_ydata().tolist() == [0.4, 0.3] and acc.get_ydata().tolist() == [
        0.8,
        0.9,
    ]
    with pytest.raises(ValueError, match="history is empty"):
        figures.show_history([])


def test_show_confusion_writes_every_nonzero_count():
    cm = np.zeros((10, 10), int)
    np.fill_diagonal(cm, 50)
    cm[3, 5], cm[8, 0] = 4, 7
    fig = figures.show_confusion(cm, title="test digits")
    (ax,) = fig.axes
    np.testing.assert_allclose(ax.images[0].get_array(), np.log1p(cm))
    cells = {
        (round(t.get_position()[1]), round(t.get_position()[0])): t for t in ax.texts
    }
    assert set(cells) == {(d, d) for d in range(10)} | {(3, 5), (8, 0)}
    assert cells[(3, 5)].get_text() == "4" and cells[(8, 0)].get_text() == "7"
    assert cells[(3, 5)].get_color() == "crimson"  # a mistake, in red
    assert ax.get_title() == "test digits"
    with pytest.raises(ValueError, match=r"shape \(10, 10\), got \(9, 9\)"):
        figures.show_confusion(np.zeros((9, 9)))


def test_show_predictions_puts_mistakes_first_in_red(mnist):
    x, y = mnist.x_test[:30], mnist.y_test[:30]
    pred = y.copy()
    wrong = [4, 17, 25]
    pred[wrong] = (y[wrong] + 1) % 10
    fig = figures.show_predictions(x, y, pred, n=12, ncols=6)
    shown = [ax for ax in fig.axes if ax.images]
    assert len(shown) == 12
    order = wrong + [i for i in range(30) if i not in wrong][:9]
    for ax, i in zip(shown, order):
        np.testing.assert_array_equal(ax.images[0].get_array(), x[i])
        assert ax.get_title() == f"{pred[i]} ({y[i]})"
        assert (ax.title.get_color() == "crimson") == (i in wrong)


# ------------------------------------------------- readable on the book's page
FIGURES = {
    "show_predictions": lambda m: figures.show_predictions(
        m.x_test[:30], m.y_test[:30], np.roll(m.y_test[:30], 1), n=24
    ),
    "show_confusion": lambda m: figures.show_confusion(np.full((10, 10), 1000)),
    "show_history": lambda m: figures.show_history(HISTORY, ARTICLE),
}


@pytest.mark.parametrize("make", FIGURES, ids=list(FIGURES))
def test_figure_text_is_readable_on_the_page(make, mnist, tmp_path):
    """Issue 12: at a 1280 px window the column is ~700 px; wider images are shrunk."""
    fig = FIGURES[make](mnist)
    fig.savefig(
        tmp_path / "f.png", dpi=figures.PAGE_DPI, bbox_inches="tight"
    )  # as inline
    width = Image.open(tmp_path / "f.png").size[0]
    assert width <= figures.COLUMN_PX + 10, f"{width} px wide: the page would shrink it"
    assert figures.smallest_text_px(fig, figures.PAGE_DPI, width) >= figures.MIN_TEXT_PX
