"""cnnlib.ops.invariance: shifting a grid and measuring how feature maps change."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cnnlib import ops
from tests.clear_errors import assert_clear_error

IDENTITY = np.ones((1, 1))  # a 1x1 filter of 1: the feature map is the image


def dot(row: int, col: int, size: int = 8) -> np.ndarray:
    grid = np.zeros((size, size))
    grid[row, col] = 1.0
    return grid


def test_shift_grid_moves_values_and_lets_zeros_in():
    grid = np.arange(1.0, 10.0).reshape(3, 3)
    assert np.array_equal(
        ops.shift_grid(grid, right=1), [[0, 1, 2], [0, 4, 5], [0, 7, 8]]
    )
    assert np.array_equal(
        ops.shift_grid(grid, down=-1), [[4, 5, 6], [7, 8, 9], [0, 0, 0]]
    )
    assert np.array_equal(
        ops.shift_grid(grid, 1, -2), [[0, 0, 0], [3, 0, 0], [6, 0, 0]]
    )
    assert np.array_equal(ops.shift_grid(grid), grid)


def test_relative_change_of_equal_and_of_disjoint_maps():
    a = dot(2, 2)
    assert ops.relative_change(a, a) == 0.0
    # two maps of the same energy that do not overlap: sqrt(2)
    assert ops.relative_change(a, dot(2, 5)) == pytest.approx(math.sqrt(2))
    assert ops.relative_change(a, 2 * a) == pytest.approx(1.0)


def test_a_shift_inside_the_pooling_window_leaves_the_pooled_map_unchanged():
    # the dot at column 2 moves to column 3: same 2x2 window (columns 2-3)
    (one,) = ops.shift_changes(dot(2, 2), IDENTITY, shifts=[1])
    assert one.shift == 1
    assert one.map_change == pytest.approx(math.sqrt(2))
    assert one.pooled_change == 0.0
    assert (one.map_unchanged, one.pooled_unchanged) == (0.0, 1.0)


def test_a_shift_across_the_window_changes_the_pooled_map_too():
    # column 3 -> 4 crosses from window 2-3 into window 4-5; so does 2 -> 4
    for start, shift in [(3, 1), (2, 2)]:
        (row,) = ops.shift_changes(dot(2, start), IDENTITY, shifts=[shift])
        assert row.map_change == pytest.approx(math.sqrt(2))
        assert row.pooled_change == pytest.approx(math.sqrt(2))
        assert row.pooled_unchanged == 0.0


def test_a_stack_gives_the_mean_of_its_images_and_down_mirrors_right():
    rng = np.random.default_rng(0)
    images = rng.random((3, 10, 10)) * (rng.random((3, 10, 10)) > 0.6)
    kernel = np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])
    rows = ops.shift_changes(images, kernel, shifts=(1, 3))
    assert [r.shift for r in rows] == [1, 3]
    each = [ops.shift_changes(img, kernel, shifts=(1, 3)) for img in images]
    for i, row in enumerate(rows):
        assert row.map_change == pytest.approx(np.mean([e[i].map_change for e in each]))
        assert row.pooled_change == pytest.approx(
            np.mean([e[i].pooled_change for e in each])
        )
    down = ops.shift_changes(images.transpose(0, 2, 1), kernel.T, (1, 3), "down")
    for r, d in zip(rows, down):
        assert d.map_change == pytest.approx(r.map_change)
        assert d.pooled_change == pytest.approx(r.pooled_change)


BAD_INPUT = {
    "shift-too-far": (
        lambda: ops.shift_grid(np.ones((3, 3)), right=3),
        ValueError,
        r"right must be -2\.\.2, got 3",
    ),
    "shift-1d": (
        lambda: ops.shift_grid(np.ones(4)),
        ValueError,
        r"x must have shape \(H, W\), got shape \(4,\)",
    ),
    "relative-shapes": (
        lambda: ops.relative_change(np.ones((2, 2)), np.ones((3, 3))),
        ValueError,
        r"same shape, got \(2, 2\) and \(3, 3\)",
    ),
    "relative-zero": (
        lambda: ops.relative_change(np.zeros((2, 2)), np.ones((2, 2))),
        ValueError,
        r"reference is all zeros",
    ),
    "changes-direction": (
        lambda: ops.shift_changes(np.ones((4, 4)), IDENTITY, direction="left"),
        ValueError,
        r"direction must be one of \('right', 'down'\), got 'left'",
    ),
    "changes-shift-zero": (
        lambda: ops.shift_changes(np.ones((4, 4)), IDENTITY, shifts=[0]),
        ValueError,
        r"shift must be 1\.\.3, got 0",
    ),
    "changes-no-shifts": (
        lambda: ops.shift_changes(np.ones((4, 4)), IDENTITY, shifts=[]),
        ValueError,
        r"shifts is empty",
    ),
    "changes-4d": (
        lambda: ops.shift_changes(np.ones((1, 1, 4, 4)), IDENTITY),
        ValueError,
        r"images must have shape \(H, W\) or \(N, H, W\), got shape \(1, 1, 4, 4\)",
    ),
}


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_gets_a_clear_error(case):
    call, error, match = BAD_INPUT[case]
    assert_clear_error(call, error, match)
