"""Bad input to cnnlib.figures's public API gets a clear error naming the value
(see tests/clear_errors.py), before anything is drawn."""

from __future__ import annotations

import numpy as np
import pytest

from cnnlib import figures, models, ops
from tests.clear_errors import assert_clear_error

DIGITS = np.zeros((3, 28, 28), np.uint8)
LABELS = np.zeros(3, np.int64)


@pytest.fixture(scope="module")
def untrained():
    return models.build_model("small", seed=0)


BAD_INPUT = {
    "show_predictions-n": (
        lambda m: figures.show_predictions(DIGITS, LABELS, LABELS, n=0),
        ValueError,
        r"got 0",
    ),
    "show_filters-shape": (
        lambda m: figures.show_filters(np.zeros(5)),
        ValueError,
        r"\(5,\)",
    ),
    "show_top_digits-index": (
        lambda m: figures.show_top_digits(DIGITS, np.array([5]), np.array([1.0])),
        ValueError,
        r"got \[5\]",
    ),
    "show_top_digits-lengths": (
        lambda m: figures.show_top_digits(DIGITS, np.array([0, 1]), np.array([1.0])),
        ValueError,
        r"2 indices but 1 scores",
    ),
    "draw_filter_view-layer": (
        lambda m: figures.draw_filter_view(m, DIGITS[0], DIGITS, "nope", 0),
        ValueError,
        r"'nope'",
    ),
    "show_images-titles": (
        lambda m: figures.show_images(DIGITS, titles=["a"]),
        ValueError,
        r"3 pictures but 1 titles",
    ),
    "show_images-nan": (
        lambda m: figures.show_images(np.full((2, 28, 28), np.nan)),
        ValueError,
        r"images\[0\].*NaN",
    ),
    "show_grid_values-shape": (
        lambda m: figures.show_grid_values(np.zeros((2, 2, 2))),
        ValueError,
        r"\(2, 2, 2\)",
    ),
    "show_scores-shape": (
        lambda m: figures.show_scores(np.zeros((2, 2))),
        ValueError,
        r"\(2, 2\)",
    ),
    "show_scores-highlight": (
        lambda m: figures.show_scores(np.zeros(10), highlight=12),
        ValueError,
        r"got 12",
    ),
    "show_node_diagram-input": (
        lambda m: figures.show_node_diagram({"a": [7]}, n_inputs=3),
        ValueError,
        r"\[7\]",
    ),
    "window_animation-fps": (
        lambda m: figures.window_animation(
            ops.plan_window(np.ones((3, 3)), "max"), fps=0
        ),
        ValueError,
        r"fps.*got 0",
    ),
    "window_explorer-shape": (
        lambda m: figures.window_explorer(np.zeros(4), "max"),
        ValueError,
        r"\(4,\)",
    ),
    "DrawingGrid-size": (lambda m: figures.DrawingGrid(size=0), ValueError, r"got 0"),
}


@pytest.mark.parametrize("case", BAD_INPUT)
def test_bad_input_gets_a_clear_error(case, untrained):
    import matplotlib.pyplot as plt

    call, error, match = BAD_INPUT[case]
    try:
        assert_clear_error(lambda: call(untrained), error, match)
    finally:
        plt.close("all")
