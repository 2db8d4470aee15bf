"""cnnlib.ops against tf.nn on many random cases, and its bad-input errors."""
from __future__ import annotations

import itertools
import re

import numpy as np
import pytest

from cnnlib import ops

import tensorflow as tf

TOL = 1e-4


def _cases():
    """One random (N, H, W, C_in) and C_out per kernel size, stride and padding."""
    rng = np.random.default_rng(0)
    for k, s, padding in itertools.product(range(1, 6), range(1, 4), ("SAME", "VALID")):
        h, w = int(rng.integers(k, k + 6)), int(rng.integers(k, k + 7))  # odd and even sizes
        c_in, c_out, n = int(rng.integers(1, 4)), int(rng.integers(1, 4)), int(rng.integers(1, 3))
        yield k, s, padding, (n, h, w, c_in), c_out


CASES = list(_cases())


def _rng(*key) -> np.random.Generator:
    """A generator seeded from ``key`` the same way in every process (``hash`` of a str is not)."""
    return np.random.default_rng([ord(ch) for ch in repr(key)])


@pytest.mark.parametrize("k,s,padding,shape,c_out", CASES)
def test_conv2d_matches_tensorflow(k, s, padding, shape, c_out):
    rng = _rng(k, s, padding)
    x = rng.normal(size=shape).astype(np.float32)
    w = rng.normal(size=(k, k, shape[3], c_out)).astype(np.float32)
    ours = ops.conv2d(x, w, stride=s, padding=padding)
    theirs = tf.nn.conv2d(x, w, strides=s, padding=padding).numpy()
    assert ours.shape == theirs.shape
    assert np.abs(ours - theirs).max() < TOL


@pytest.mark.parametrize("k,s,padding,shape,c_out", CASES)
@pytest.mark.parametrize("kind", ["max", "avg"])
def test_pooling_matches_tensorflow(k, s, padding, shape, c_out, kind):
    rng = _rng(k, s, padding, kind)
    x = rng.normal(size=shape).astype(np.float32)  # negative values too: pads must never win
    ours = (ops.max_pool2d if kind == "max" else ops.avg_pool2d)(x, size=k, stride=s, padding=padding)
    tf_op = tf.nn.max_pool2d if kind == "max" else tf.nn.avg_pool2d
    theirs = tf_op(x, ksize=k, strides=s, padding=padding).numpy()
    assert ours.shape == theirs.shape
    assert np.abs(ours - theirs).max() < TOL


def test_rectangular_kernel_and_stride_pairs():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 9, 7, 3)).astype(np.float32)
    w = rng.normal(size=(2, 3, 3, 4)).astype(np.float32)
    for padding in ("SAME", "VALID"):
        ours = ops.conv2d(x, w, stride=(2, 1), padding=padding)
        theirs = tf.nn.conv2d(x, w, strides=[1, 2, 1, 1], padding=padding).numpy()
        assert np.abs(ours - theirs).max() < TOL
        ours = ops.max_pool2d(x, size=(3, 2), stride=(1, 2), padding=padding)
        theirs = tf.nn.max_pool2d(x, ksize=(3, 2), strides=(1, 2), padding=padding).numpy()
        assert np.abs(ours - theirs).max() < TOL


@pytest.mark.parametrize("n", range(1, 30))
@pytest.mark.parametrize("k", range(1, 6))
@pytest.mark.parametrize("s", range(1, 4))
def test_output_size_matches_tensorflow(n, k, s):
    x = tf.zeros((1, n, 1, 1))
    for padding in ("SAME", "VALID"):
        if padding == "VALID" and k > n:
            with pytest.raises(ValueError, match=r"window \(%d\) must fit in the input \(%d\)" % (k, n)):
                ops.output_size(n, k, s, padding)
            continue
        got = tf.nn.max_pool2d(x, ksize=(k, 1), strides=(s, 1), padding=padding).shape[1]
        assert ops.output_size(n, k, s, padding) == got


def test_same_padding_puts_the_odd_cell_after():
    assert ops.same_padding(5, 2, 2) == (0, 1)      # the article's pooling example
    assert ops.same_padding(28, 5, 1) == (2, 2)     # article 001's 5x5 conv
    assert ops.same_padding(4, 4, 1) == (1, 2)
    assert ops.same_padding(6, 1, 3) == (0, 0)


def test_article_worked_examples():
    grid = np.array([[2.0, 3.0, 0.0, 1.0, 1.0],
                     [2.0, 1.5, 0.5, 0.0, 1.0]])
    out = ops.conv2d(grid, np.full((2, 2), 0.5), padding="VALID")
    assert out[0, 0] == pytest.approx(4.25) and out[0, 1] == pytest.approx(2.5)
    assert ops.max_pool2d(np.arange(25.0).reshape(5, 5)).shape == (3, 3)
    assert ops.receptive_inputs((0, 0), 2) == [1, 2, 6, 7]
    assert ops.receptive_inputs((0, 1), 2) == [2, 3, 7, 8]


def test_zero_padded_max_pool_differs_only_for_negative_borders():
    x = -np.ones((5, 5))
    assert ops.max_pool2d(x)[0, 2] == -1.0
    assert ops.max_pool2d_zero_pad(x)[0, 2] == 0.0
    relu = np.maximum(np.random.default_rng(2).normal(size=(5, 5)), 0)
    np.testing.assert_array_equal(ops.max_pool2d(relu), ops.max_pool2d_zero_pad(relu))


# --------------------------------------------------------------------------
# bad input: ValueError/TypeError naming the value
# --------------------------------------------------------------------------
X4 = np.zeros((1, 5, 5, 2))
W4 = np.zeros((2, 2, 2, 3))

BAD = [
    (lambda: ops.conv2d(X4, W4, stride=0), ValueError, r"stride must be >= 1, got 0"),
    (lambda: ops.conv2d(X4, W4, stride=-2), ValueError, r"stride must be >= 1, got -2"),
    (lambda: ops.conv2d(X4, W4, stride=1.5), TypeError, r"stride .* got 1\.5"),
    (lambda: ops.conv2d(X4, W4, stride=(1, 2, 3)), TypeError, r"got \(1, 2, 3\)"),
    (lambda: ops.conv2d(X4, W4, stride=True), TypeError, r"got True"),
    (lambda: ops.conv2d(X4, W4, padding="same-ish"), ValueError, r"got 'same-ish'"),
    (lambda: ops.conv2d(X4, W4, padding=None), ValueError, r"got None"),
    (lambda: ops.conv2d(X4, np.zeros((2, 2, 3, 1))), ValueError, r"x has 2 channels but w expects C_in = 3"),
    (lambda: ops.conv2d(np.zeros((5, 5, 2)), W4), ValueError, r"got shape \(5, 5, 2\)"),
    (lambda: ops.conv2d(X4, np.zeros((2, 2))), ValueError, r"w must be .* got shape \(2, 2\)"),
    (lambda: ops.conv2d(np.zeros((0, 5, 5, 2)), W4), ValueError, r"x is empty \(shape \(0, 5, 5, 2\)\)"),
    (lambda: ops.conv2d(np.full((3, 3), np.nan), np.ones((2, 2))), ValueError, r"x contains NaN"),
    (lambda: ops.conv2d(np.ones((3, 3)), np.array([[1, np.inf]])), ValueError, r"w contains NaN or infinite"),
    (lambda: ops.conv2d(np.array([["a"]]), np.ones((1, 1))), TypeError, r"x must hold numbers, got dtype <U1"),
    (lambda: ops.conv2d(np.ones((2, 2)), np.ones((3, 3)), padding="VALID"), ValueError, r"window \(3\) must fit"),
    (lambda: ops.max_pool2d(X4, size=0), ValueError, r"size must be >= 1, got 0"),
    (lambda: ops.max_pool2d(X4, stride=(2, 0)), ValueError, r"stride must be >= 1, got \(2, 0\)"),
    (lambda: ops.max_pool2d(X4, padding="FULL"), ValueError, r"got 'FULL'"),
    (lambda: ops.max_pool2d(np.zeros(5)), ValueError, r"got shape \(5,\)"),
    (lambda: ops.avg_pool2d([[1, None]], size=1), TypeError, r"dtype object"),
    (lambda: ops.avg_pool2d(np.zeros((2, 0)), size=1), ValueError, r"x is empty"),
    (lambda: ops.output_size(0, 2, 1), ValueError, r"n must be >= 1, got 0"),
    (lambda: ops.output_size(5, 2, 1, "valid!"), ValueError, r"got 'valid!'"),
    (lambda: ops.same_padding(5, -1, 1), ValueError, r"k must be >= 1, got -1"),
    (lambda: ops.receptive_inputs((0, 4), 2), ValueError, r"position \(0, 4\) puts the filter outside"),
    (lambda: ops.output_size((5, 7), 2, 1), TypeError, r"n must be a positive int, got \(5, 7\)"),
    (lambda: ops.output_size(5, 2.0, 1), TypeError, r"k must be a positive int, got 2\.0"),
    (lambda: ops.output_size(5, 2, 0, "SAME"), ValueError, r"stride must be >= 1, got 0"),
    (lambda: ops.max_pool2d(np.array([[1.0, 2.0], [np.nan, 4.0]]), size=1), ValueError,
     r"x contains NaN or infinite values \(1 of 4, the first nan at index \(1, 0\)\)"),
    (lambda: ops.conv2d(np.ones((1, 4, 4, 1)), np.ones((2, 2, 1, 1)), stride=(1, 2, 1, 1)), TypeError,
     r"stride must be a positive int or a pair of them, got \(1, 2, 1, 1\)"),
    (lambda: ops.conv2d(np.ones((4, 4), dtype=complex), np.ones((2, 2))), TypeError, r"dtype complex128"),
    (lambda: ops.avg_pool2d(np.ones((1, 3, 3)), size=2), ValueError, r"got shape \(1, 3, 3\)"),
]


@pytest.mark.parametrize("call,error,message", BAD, ids=[f"bad{i}" for i in range(len(BAD))])
def test_bad_input_names_the_value(call, error, message):
    with pytest.raises(error, match=message):
        call()


GRID_OPS = {
    "conv2d x": lambda a: ops.conv2d(a, np.ones((1, 1))),
    "conv2d w": lambda a: ops.conv2d(np.ones((3, 3)), a[:1, :1]),
    "max_pool2d": lambda a: ops.max_pool2d(a, size=1),
    "avg_pool2d": lambda a: ops.avg_pool2d(a, size=1),
    "max_pool2d_zero_pad": lambda a: ops.max_pool2d_zero_pad(a, size=1),
}


@pytest.mark.parametrize("op", GRID_OPS, ids=list(GRID_OPS))
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf], ids=["nan", "inf", "-inf"])
def test_every_grid_op_refuses_non_finite_values_by_name(op, bad):
    """Each op checks its own input: a NaN or inf anywhere is named with its index."""
    grid = np.ones((3, 3))
    grid[0, 0] = bad
    with pytest.raises(ValueError, match=rf"contains NaN or infinite values \(1 of \d+, the first "
                                         rf"{re.escape(str(bad))} at index \(0, 0"):
        GRID_OPS[op](grid)
    np.asarray(GRID_OPS[op](np.ones((3, 3))))        # and the same grid without it is fine


def test_plain_grid_equals_nhwc_batch_of_one():
    rng = _rng("grid")
    grid, kern = rng.normal(size=(6, 7)), rng.normal(size=(3, 2))
    batch = ops.conv2d(grid[None, :, :, None], kern[:, :, None, None], stride=2)
    np.testing.assert_array_equal(ops.conv2d(grid, kern, stride=2), batch[0, :, :, 0])
    np.testing.assert_array_equal(ops.max_pool2d(grid, 3, 2), ops.max_pool2d(grid[None, :, :, None], 3, 2)[0, :, :, 0])


def test_avg_pool_same_averages_only_real_cells():
    x = np.arange(25.0).reshape(5, 5)
    corner = ops.avg_pool2d(x, 2, 2, "SAME")[2, 2]   # the window holds in_25 and three pad cells
    assert corner == 24.0


def test_lowercase_padding_is_accepted():
    assert ops.conv2d(np.ones((3, 3)), np.ones((2, 2)), padding="valid").shape == (2, 2)
