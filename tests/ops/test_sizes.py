"""Tests of cnnlib.ops.sizes: output sizes and SAME padding, against TensorFlow."""

from __future__ import annotations

import pytest

from cnnlib import ops
from cnnlib.core.tf import tf


@pytest.mark.parametrize("n", range(1, 30))
@pytest.mark.parametrize("k", range(1, 6))
@pytest.mark.parametrize("s", range(1, 4))
def test_output_size_matches_tensorflow(n, k, s):
    x = tf.zeros((1, n, 1, 1))
    for padding in ("SAME", "VALID"):
        if padding == "VALID" and k > n:
            with pytest.raises(
                ValueError, match=r"window \(%d\) must fit in the input \(%d\)" % (k, n)
            ):
                ops.output_size(n, k, s, padding)
            continue
        got = tf.nn.max_pool2d(x, ksize=(k, 1), strides=(s, 1), padding=padding).shape[
            1
        ]
        assert ops.output_size(n, k, s, padding) == got


def test_same_padding_puts_the_odd_cell_after():
    assert ops.same_padding(5, 2, 2) == (0, 1)  # the article's pooling example
    assert ops.same_padding(28, 5, 1) == (2, 2)  # article 001's 5x5 conv
    assert ops.same_padding(4, 4, 1) == (1, 2)
    assert ops.same_padding(6, 1, 3) == (0, 0)


@pytest.mark.parametrize("n", range(1, 12))
@pytest.mark.parametrize("k", range(1, 6))
@pytest.mark.parametrize("s", range(1, 4))
def test_same_padding_makes_exactly_the_windows_of_output_size(n, k, s):
    before, after = ops.same_padding(n, k, s)
    out = ops.output_size(n, k, s, "SAME")
    assert 0 <= after - before <= 1
    assert (
        (out - 1) * s + k <= n + before + after < out * s + k
    )  # the last window fits, no more


def test_pad_amounts_per_axis():
    assert ops.pad_amounts((5, 4), (2, 4), (2, 1), "SAME") == ((0, 1), (1, 2))
    assert ops.pad_amounts((5, 4), (2, 4), (2, 1), "same") == ((0, 1), (1, 2))
    assert ops.pad_amounts((5, 4), (2, 4), (2, 1), "VALID") == ((0, 0), (0, 0))


def test_check_padding_upper_cases_the_two_names():
    assert ops.PADDINGS == ("SAME", "VALID")
    assert ops.check_padding("valid") == "VALID" and ops.check_padding("Same") == "SAME"


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: ops.output_size(0, 2, 1), ValueError, r"n must be >= 1, got 0"),
        (
            lambda: ops.output_size(5, 2, 1, "valid!"),
            ValueError,
            r"padding must be 'SAME' or 'VALID', got 'valid!'",
        ),
        (lambda: ops.same_padding(5, -1, 1), ValueError, r"k must be >= 1, got -1"),
        (
            lambda: ops.output_size((5, 7), 2, 1),
            TypeError,
            r"n must be a whole number, got \(5, 7\)",
        ),
        (
            lambda: ops.output_size(5, 2.0, 1),
            TypeError,
            r"k must be a whole number, got 2\.0",
        ),
        (
            lambda: ops.output_size(5, 2, 0, "SAME"),
            ValueError,
            r"stride must be >= 1, got 0",
        ),
        (
            lambda: ops.output_size(5, 2, True),
            TypeError,
            r"stride must be a whole number, got True",
        ),
        (lambda: ops.check_padding(None), ValueError, r"got None"),
        (
            lambda: ops.pad_amounts((5, 5), (2, 2), (1, 1), "FULL"),
            ValueError,
            r"got 'FULL'",
        ),
    ],
    ids=[f"bad{i}" for i in range(9)],
)
def test_bad_input_names_the_value(call, error, message):
    with pytest.raises(error, match=message):
        call()
