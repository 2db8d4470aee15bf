"""Tests of cnnlib.ops.conv: conv2d against tf.nn.conv2d on many random cases, the
article's worked examples, and its bad-input errors."""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest

from cnnlib import ops
from cnnlib.core.tf import tf

TOL = 1e-4


def _cases():
    """One random (N, H, W, C_in) and C_out per kernel size, stride and padding."""
    rng = np.random.default_rng(0)
    for k, s, padding in itertools.product(range(1, 6), range(1, 4), ("SAME", "VALID")):
        h, w = (
            int(rng.integers(k, k + 6)),
            int(rng.integers(k, k + 7)),
        )  # odd and even sizes
        c_in, c_out, n = (
            int(rng.integers(1, 4)),
            int(rng.integers(1, 4)),
            int(rng.integers(1, 3)),
        )
        yield k, s, padding, (n, h, w, c_in), c_out


CASES = list(_cases())


def _rng(*key) -> np.random.Generator:
    """A generator seeded from ``key`` the same way in every process (``hash`` of a str
    is not)."""
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


def test_rectangular_kernel_and_stride_pairs():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 9, 7, 3)).astype(np.float32)
    w = rng.normal(size=(2, 3, 3, 4)).astype(np.float32)
    for padding in ("SAME", "VALID"):
        ours = ops.conv2d(x, w, stride=(2, 1), padding=padding)
        theirs = tf.nn.conv2d(x, w, strides=[1, 2, 1, 1], padding=padding).numpy()
        assert np.abs(ours - theirs).max() < TOL


def test_article_worked_examples():
    grid = np.array([[2.0, 3.0, 0.0, 1.0, 1.0], [2.0, 1.5, 0.5, 0.0, 1.0]])
    out = ops.conv2d(grid, np.full((2, 2), 0.5), padding="VALID")
    assert out.shape == (1, 4)
    assert out[0, 0] == pytest.approx(4.25) and out[0, 1] == pytest.approx(2.5)
    assert ops.receptive_inputs((0, 0), 2) == [1, 2, 6, 7]
    assert ops.receptive_inputs((0, 1), 2) == [2, 3, 7, 8]
    assert ops.receptive_inputs((1, 0), 2, stride=2) == [11, 12, 16, 17]
    assert ops.receptive_inputs((0, 0), (1, 3), width=3) == [1, 2, 3]


def test_convolution_is_not_flipped():
    """Like every deep learning library, a cross-correlation: the filter is used as
    is."""
    x = np.zeros((3, 3))
    x[0, 0] = 1.0
    w = np.arange(4.0).reshape(2, 2)
    assert ops.conv2d(x, w, padding="VALID")[0, 0] == w[0, 0]


def test_plain_grid_equals_nhwc_batch_of_one():
    rng = _rng("grid")
    grid, kern = rng.normal(size=(6, 7)), rng.normal(size=(3, 2))
    batch = ops.conv2d(grid[None, :, :, None], kern[:, :, None, None], stride=2)
    np.testing.assert_array_equal(ops.conv2d(grid, kern, stride=2), batch[0, :, :, 0])


def test_as_nhwc_says_whether_it_was_a_plain_grid():
    arr, plain = ops.as_nhwc(np.ones((3, 4)))
    assert arr.shape == (1, 3, 4, 1) and plain
    arr, plain = ops.as_nhwc(np.ones((2, 3, 4, 5)))
    assert arr.shape == (2, 3, 4, 5) and not plain and arr.dtype == np.float64


def test_lowercase_padding_is_accepted():
    assert ops.conv2d(np.ones((3, 3)), np.ones((2, 2)), padding="valid").shape == (2, 2)


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
    (
        lambda: ops.conv2d(X4, np.zeros((2, 2, 3, 1))),
        ValueError,
        r"x has 2 channels but w expects C_in = 3",
    ),
    (lambda: ops.conv2d(np.zeros((5, 5, 2)), W4), ValueError, r"got shape \(5, 5, 2\)"),
    (
        lambda: ops.conv2d(X4, np.zeros((2, 2))),
        ValueError,
        r"w must be .* got shape \(2, 2\)",
    ),
    (
        lambda: ops.conv2d(np.zeros((0, 5, 5, 2)), W4),
        ValueError,
        r"x is empty \(shape \(0, 5, 5, 2\)\)",
    ),
    (
        lambda: ops.conv2d(np.full((3, 3), np.nan), np.ones((2, 2))),
        ValueError,
        r"x contains NaN",
    ),
    (
        lambda: ops.conv2d(np.ones((3, 3)), np.array([[1, np.inf]])),
        ValueError,
        r"w contains NaN or infinite",
    ),
    (
        lambda: ops.conv2d(np.array([["a"]]), np.ones((1, 1))),
        TypeError,
        r"x must hold numbers, got dtype <U1",
    ),
    (
        lambda: ops.conv2d(np.ones((2, 2)), np.ones((3, 3)), padding="VALID"),
        ValueError,
        r"window \(3\) must fit",
    ),
    (
        lambda: ops.conv2d(
            np.ones((1, 4, 4, 1)), np.ones((2, 2, 1, 1)), stride=(1, 2, 1, 1)
        ),
        TypeError,
        r"stride must be a positive int or a pair of them, got \(1, 2, 1, 1\)",
    ),
    (
        lambda: ops.conv2d(np.ones((4, 4), dtype=complex), np.ones((2, 2))),
        TypeError,
        r"dtype complex128",
    ),
    (
        lambda: ops.receptive_inputs((0, 4), 2),
        ValueError,
        r"position \(0, 4\) puts the filter outside a 5-wide input",
    ),
    (
        lambda: ops.receptive_inputs((-1, 0), 2),
        ValueError,
        r"position \(-1, 0\) puts the filter outside",
    ),
    (lambda: ops.receptive_inputs((0, 0), 0), ValueError, r"k must be >= 1, got 0"),
    (
        lambda: ops.as_nhwc(np.zeros((2, 2, 2)), "image"),
        ValueError,
        r"image must be 2-D \(H, W\) or 4-D \(N, H, W, C\), got shape \(2, 2, 2\)",
    ),
]


@pytest.mark.parametrize(
    "call,error,message", BAD, ids=[f"bad{i}" for i in range(len(BAD))]
)
def test_bad_input_names_the_value(call, error, message):
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize("which", ["x", "w"])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf], ids=["nan", "inf", "-inf"])
def test_conv2d_refuses_non_finite_values_by_name(which, bad):
    """Each argument is checked: a NaN or inf anywhere is named with its index."""
    grid, kern = np.ones((3, 3)), np.ones((2, 2))
    (grid if which == "x" else kern)[0, 0] = bad
    with pytest.raises(
        ValueError,
        match=rf"{which} contains NaN or infinite values \(1 of \d+, the "
        rf"first {re.escape(str(bad))} at index \(0, 0",
    ):
        ops.conv2d(grid, kern)
    ops.conv2d(np.ones((3, 3)), np.ones((2, 2)))  # and the same without it is fine
