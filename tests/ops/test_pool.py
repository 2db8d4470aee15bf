"""Tests of cnnlib.ops.pool: max and average pooling against tf.nn on many random
cases, the pad-cell rules, and the bad-input errors."""

from __future__ import annotations

import re

import numpy as np
import pytest

from cnnlib import ops
from cnnlib.core.tf import tf

from .test_conv import CASES, TOL, _rng


@pytest.mark.parametrize("k,s,padding,shape,c_out", CASES)
@pytest.mark.parametrize("kind", ["max", "avg"])
def test_pooling_matches_tensorflow(k, s, padding, shape, c_out, kind):
    rng = _rng(k, s, padding, kind)
    x = rng.normal(size=shape).astype(
        np.float32
    )  # negative values too: pads must never win
    ours = (ops.max_pool2d if kind == "max" else ops.avg_pool2d)(
        x, size=k, stride=s, padding=padding
    )
    tf_op = tf.nn.max_pool2d if kind == "max" else tf.nn.avg_pool2d
    theirs = tf_op(x, ksize=k, strides=s, padding=padding).numpy()
    assert ours.shape == theirs.shape
    assert np.abs(ours - theirs).max() < TOL


def test_rectangular_windows_and_strides():
    x = np.random.default_rng(1).normal(size=(2, 9, 7, 3)).astype(np.float32)
    for padding in ("SAME", "VALID"):
        ours = ops.max_pool2d(x, size=(3, 2), stride=(1, 2), padding=padding)
        theirs = tf.nn.max_pool2d(
            x, ksize=(3, 2), strides=(1, 2), padding=padding
        ).numpy()
        assert np.abs(ours - theirs).max() < TOL


def test_article_pooling_example():
    pooled = ops.max_pool2d(np.arange(25.0).reshape(5, 5))
    assert pooled.shape == (3, 3)
    np.testing.assert_array_equal(pooled, [[6, 8, 9], [16, 18, 19], [21, 23, 24]])


def test_zero_padded_max_pool_differs_only_for_negative_borders():
    x = -np.ones((5, 5))
    assert ops.max_pool2d(x)[0, 2] == -1.0
    assert ops.max_pool2d_zero_pad(x)[0, 2] == 0.0
    assert ops.max_pool2d_zero_pad(x)[0, 0] == -1.0  # no pad cell under this window
    relu = np.maximum(np.random.default_rng(2).normal(size=(5, 5)), 0)
    np.testing.assert_array_equal(ops.max_pool2d(relu), ops.max_pool2d_zero_pad(relu))


def test_avg_pool_same_averages_only_real_cells():
    x = np.arange(25.0).reshape(5, 5)
    corner = ops.avg_pool2d(x, 2, 2, "SAME")[
        2, 2
    ]  # the window holds in_25 and three pad cells
    assert corner == 24.0
    assert ops.avg_pool2d(x, 2, 2, "SAME")[0, 2] == (4.0 + 9.0) / 2


def test_plain_grid_equals_nhwc_batch_of_one():
    grid = _rng("grid").normal(size=(6, 7))
    np.testing.assert_array_equal(
        ops.max_pool2d(grid, 3, 2),
        ops.max_pool2d(grid[None, :, :, None], 3, 2)[0, :, :, 0],
    )


BAD = [
    (
        lambda: ops.max_pool2d(np.zeros((1, 5, 5, 2)), size=0),
        ValueError,
        r"size must be >= 1, got 0",
    ),
    (
        lambda: ops.max_pool2d(np.zeros((1, 5, 5, 2)), stride=(2, 0)),
        ValueError,
        r"stride must be >= 1, got \(2, 0\)",
    ),
    (
        lambda: ops.max_pool2d(np.zeros((1, 5, 5, 2)), padding="FULL"),
        ValueError,
        r"got 'FULL'",
    ),
    (lambda: ops.max_pool2d(np.zeros(5)), ValueError, r"got shape \(5,\)"),
    (lambda: ops.avg_pool2d([[1, None]], size=1), TypeError, r"dtype object"),
    (lambda: ops.avg_pool2d(np.zeros((2, 0)), size=1), ValueError, r"x is empty"),
    (
        lambda: ops.avg_pool2d(np.ones((1, 3, 3)), size=2),
        ValueError,
        r"got shape \(1, 3, 3\)",
    ),
    (
        lambda: ops.max_pool2d(np.array([[1.0, 2.0], [np.nan, 4.0]]), size=1),
        ValueError,
        r"x contains NaN or infinite values \(1 of 4, the first nan at index "
        r"\(1, 0\)\)",
    ),
    (
        lambda: ops.max_pool2d(np.ones((3, 3)), size=4, padding="VALID"),
        ValueError,
        r"window \(4\) must fit in the input \(3\)",
    ),
    (
        lambda: ops.max_pool2d_zero_pad(np.ones((3, 3)), size=2.5),
        TypeError,
        r"size .* got 2\.5",
    ),
]


@pytest.mark.parametrize(
    "call,error,message", BAD, ids=[f"bad{i}" for i in range(len(BAD))]
)
def test_bad_input_names_the_value(call, error, message):
    with pytest.raises(error, match=message):
        call()


POOLS = {
    "max_pool2d": ops.max_pool2d,
    "avg_pool2d": ops.avg_pool2d,
    "max_pool2d_zero_pad": ops.max_pool2d_zero_pad,
}


@pytest.mark.parametrize("op", POOLS)
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf], ids=["nan", "inf", "-inf"])
def test_every_pool_refuses_non_finite_values_by_name(op, bad):
    """Each op checks its own input: a NaN or inf anywhere is named with its index."""
    grid = np.ones((3, 3))
    grid[0, 0] = bad
    with pytest.raises(
        ValueError,
        match=rf"contains NaN or infinite values \(1 of \d+, the first "
        rf"{re.escape(str(bad))} at index \(0, 0",
    ):
        POOLS[op](grid, size=1, stride=1)
    assert POOLS[op](np.ones((3, 3)), size=1, stride=1).shape == (
        3,
        3,
    )  # the same grid without it is fine
