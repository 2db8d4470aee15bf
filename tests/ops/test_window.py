"""Tests of cnnlib.ops.window: plan_window computes a window sliding over a grid, step
by step (what cnnlib.figures.windows draws), with the same numbers as ops.conv2d /
max_pool2d / avg_pool2d and the pad cells where TensorFlow puts them."""

from __future__ import annotations

import numpy as np
import pytest

from cnnlib import ops

GRID = np.arange(25.0).reshape(5, 5)


def test_plan_pads_the_bottom_right_like_tensorflow():
    plan = ops.plan_window(GRID, "max", size=2, stride=2, padding="SAME")
    assert plan.padded.shape == (6, 6) and (plan.top, plan.left) == (0, 0)
    assert np.isnan(plan.padded[5]).all() and np.isnan(plan.padded[:, 5]).all()
    np.testing.assert_array_equal(plan.padded[:5, :5], GRID)
    assert (
        plan.k == (2, 2)
        and plan.stride == (2, 2)
        and plan.op == "max"
        and plan.kernel is None
    )


def test_plan_pads_before_too_when_the_window_is_large():
    plan = ops.plan_window(np.ones((4, 4)), "conv", np.ones((4, 4)), padding="SAME")
    assert (plan.top, plan.left) == (1, 1) and plan.padded.shape == (7, 7)
    assert np.isnan(plan.padded[0]).all() and np.isnan(plan.padded[-2:]).all()


@pytest.mark.parametrize("op", ops.OPS)
@pytest.mark.parametrize("padding", ["SAME", "VALID"])
def test_plan_output_is_the_ops_output(op, padding):
    grid = np.random.default_rng(3).normal(size=(5, 6))
    kernel = np.array([[1.0, -1.0], [0.5, 2.0]])
    plan = ops.plan_window(
        grid,
        op,
        kernel if op == "conv" else None,
        size=2,
        stride=(1, 2),
        padding=padding,
    )
    expected = {
        "conv": lambda: ops.conv2d(grid, kernel, (1, 2), padding),
        "max": lambda: ops.max_pool2d(grid, 2, (1, 2), padding),
        "avg": lambda: ops.avg_pool2d(grid, 2, (1, 2), padding),
    }[op]()
    np.testing.assert_allclose(plan.out, expected)
    assert plan.steps == expected.size


@pytest.mark.parametrize("op", ["max", "avg"])
def test_each_step_window_gives_its_output_cell(op):
    plan = ops.plan_window(GRID, op, size=2, stride=2, padding="SAME")
    reduce = np.nanmax if op == "max" else np.nanmean
    for step in range(plan.steps):
        i, j = plan.position(step)
        assert plan.window(step).shape == (2, 2)
        assert reduce(plan.window(step)) == plan.out[i, j]


def test_conv_steps_go_row_by_row_with_the_kernel_as_window():
    kernel = np.full((2, 2), 0.5)
    plan = ops.plan_window(GRID, "conv", kernel)
    assert plan.steps == 16 and plan.out.shape == (4, 4)
    assert [plan.position(s) for s in (0, 1, 3, 4, 15)] == [
        (0, 0),
        (0, 1),
        (0, 3),
        (1, 0),
        (3, 3),
    ]
    np.testing.assert_array_equal(plan.window(5), GRID[1:3, 1:3])
    for step in range(plan.steps):
        assert np.sum(plan.window(step) * kernel) == pytest.approx(
            plan.out[plan.position(step)]
        )


def test_a_one_row_output_is_still_2d():
    plan = ops.plan_window(np.ones((2, 5)), "max", size=2, stride=1, padding="VALID")
    assert plan.out.shape == (1, 4) and plan.steps == 4


def test_plan_is_frozen():
    plan = ops.plan_window(GRID, "max")
    with pytest.raises(AttributeError):
        plan.op = "avg"


@pytest.mark.parametrize(
    "call, error, message",
    [
        (
            lambda: ops.plan_window(GRID, "sum"),
            ValueError,
            r"op must be one of \('conv', 'max', 'avg'\), got 'sum'",
        ),
        (
            lambda: ops.plan_window(GRID, "conv"),
            ValueError,
            r"op='conv' needs a kernel \(kh, kw\), got None",
        ),
        (
            lambda: ops.plan_window(np.zeros(4), "max"),
            ValueError,
            r"x must have shape .*\(H, W\).* got shape \(4,\)",
        ),
        (
            lambda: ops.plan_window(GRID, "conv", np.ones(3)),
            ValueError,
            r"kernel must have shape .*\(kh, kw\).* got shape \(3,\)",
        ),
        (
            lambda: ops.plan_window(GRID, "max", size=0),
            ValueError,
            r"size must be >= 1, got 0",
        ),
        (
            lambda: ops.plan_window(GRID, "max", stride=(1, 0)),
            ValueError,
            r"stride must be >= 1, got \(1, 0\)",
        ),
        (
            lambda: ops.plan_window(GRID, "max", padding="FULL"),
            ValueError,
            r"got 'FULL'",
        ),
        (
            lambda: ops.plan_window(GRID, "conv", np.ones((6, 6)), padding="VALID"),
            ValueError,
            r"window \(6\) must fit in the input \(5\)",
        ),
        (
            lambda: ops.plan_window(GRID, "conv", np.ones((2, 2))).position(16),
            ValueError,
            r"step must be 0\.\.15, got 16",
        ),
        (
            lambda: ops.plan_window(GRID, "conv", np.ones((2, 2))).window(-1),
            ValueError,
            r"step must be 0\.\.15, got -1",
        ),
        (
            lambda: ops.plan_window(GRID, "max").position(1.0),
            TypeError,
            r"step must be a whole number, got 1\.0",
        ),
    ],
    ids=[
        "op",
        "no-kernel",
        "1d",
        "kernel-1d",
        "size",
        "stride",
        "padding",
        "too-big",
        "step",
        "step-negative",
        "step-float",
    ],
)
def test_bad_plans_name_the_value(call, error, message):
    with pytest.raises(error, match=message):
        call()
