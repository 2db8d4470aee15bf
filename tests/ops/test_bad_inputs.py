"""Bad input to cnnlib.ops's public API gets a clear error: a TypeError/ValueError
raised by cnnlib itself (not from inside NumPy), whose message names the argument
and the bad value (see tests/core/test_bad_inputs.py)."""

from __future__ import annotations

import numpy as np
import pytest

from cnnlib import ops
from tests.clear_errors import assert_clear_error

BAD_INPUT = {
    "plan_window-kernel-nan": (
        lambda: ops.plan_window(
            np.ones((4, 4)), "conv", kernel=np.full((2, 2), np.nan)
        ),
        ValueError,
        r"kernel contains NaN.*nan at index \(0, 0\)",
    ),
    "plan_window-empty": (
        lambda: ops.plan_window(np.zeros((0, 4)), "max"),
        ValueError,
        r"x is empty.*\(0, 4\)",
    ),
    "plan_window-text": (
        lambda: ops.plan_window(np.array([["a", "b"]]), "max"),
        TypeError,
        r"x must hold numbers, got dtype <U1",
    ),
    "max_pool2d_zero_pad-nan": (
        lambda: ops.max_pool2d_zero_pad(np.full((4, 4), np.nan)),
        ValueError,
        r"x contains NaN.*nan at index \(0, 0\)",
    ),
    "receptive_inputs-width": (
        lambda: ops.receptive_inputs((0, 0), 2, width=0),
        ValueError,
        r"width must be >= 1, got 0",
    ),
    "conv2d-channels": (
        lambda: ops.conv2d(np.ones((1, 4, 4, 2)), np.ones((2, 2, 3, 1))),
        ValueError,
        r"x has 2 channels but w expects C_in = 3",
    ),
    "conv2d-stride": (
        lambda: ops.conv2d(np.ones((4, 4)), np.ones((2, 2)), stride="2"),
        TypeError,
        r"stride must be a positive int or a pair of them, got '2'",
    ),
    "avg_pool2d-padding": (
        lambda: ops.avg_pool2d(np.ones((4, 4)), padding="full"),
        ValueError,
        r"padding must be 'SAME' or 'VALID', got 'full'",
    ),
    "output_size-type": (
        lambda: ops.output_size(28.0, 5),
        TypeError,
        r"n must be a whole number, got 28\.0",
    ),
    "same_padding-stride": (
        lambda: ops.same_padding(28, 5, 0),
        ValueError,
        r"stride must be >= 1, got 0",
    ),
}


@pytest.mark.parametrize("case", BAD_INPUT)
def test_bad_input_gets_a_clear_error(case):
    assert_clear_error(*BAD_INPUT[case])
