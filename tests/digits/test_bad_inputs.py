"""Bad input to cnnlib.digits's public API gets a clear error: a TypeError/ValueError
(an ImageError is a ValueError) raised by cnnlib itself, not from inside NumPy or
Pillow, whose message names the argument and the bad value (see
tests/core/test_bad_inputs.py)."""

from __future__ import annotations

import numpy as np
import pytest

from cnnlib import digits
from tests.clear_errors import assert_clear_error

BAD_INPUT = {
    "to_grayscale-shape": (
        lambda: digits.to_grayscale(np.zeros(5)),
        ValueError,
        r"image: expected \(H, W\) or \(H, W, 3\), got shape \(5,\)",
    ),
    "to_grayscale-nan": (
        lambda: digits.to_grayscale(np.full((5, 5), np.nan)),
        ValueError,
        r"image contains NaN.*nan at index \(0, 0\)",
    ),
    "to_grayscale-dtype": (
        lambda: digits.to_grayscale(np.array([["a"]])),
        TypeError,
        r"dtype <U1",
    ),
    "center_in_field-too-big": (
        lambda: digits.center_in_field(np.ones((30, 30))),
        ValueError,
        r"a 30x30 picture does not fit in 28x28",
    ),
    "center_in_field-shape": (
        lambda: digits.center_in_field(np.ones(20)),
        ValueError,
        r"fitted must have shape \(h, w\), got shape \(20,\)",
    ),
    "center_in_field-field": (
        lambda: digits.center_in_field(np.ones((5, 5)), field_size=0),
        ValueError,
        r"field_size must be >= 1, got 0",
    ),
    "render_like_paper-scale": (
        lambda: digits.render_like_paper(np.zeros((28, 28)), scale=0),
        ValueError,
        r"scale=0",
    ),
    "render_like_paper-shape": (
        lambda: digits.render_like_paper(np.zeros((5, 5))),
        ValueError,
        r"digit must have shape \(28, 28\), got \(5, 5\)",
    ),
    "to_png_bytes-dtype": (
        lambda: digits.to_png_bytes(np.zeros((5, 5))),
        TypeError,
        r"float64",
    ),
    "read_image-type": (lambda: digits.read_image(5), TypeError, r"got int"),
    "read_image-array-range": (
        lambda: digits.read_image(np.full((9, 9), 300.0)),
        ValueError,
        r"must be raw pixels in 0\.\.255.*300",
    ),
    "read_image-array-shape": (
        lambda: digits.read_image(np.zeros((9, 9, 2))),
        digits.ImageSizeError,
        r"got shape \(9, 9, 2\)",
    ),
    "read_image-not-an-image": (
        lambda: digits.read_image(b"hello", name="hello.png"),
        digits.NotAnImageError,
        r"hello\.png: not an image",
    ),
    "fit_into_box-empty": (
        lambda: digits.fit_into_box(np.zeros((0, 5))),
        ValueError,
        r"empty \(shape \(0, 5\)\)",
    ),
    "fit_into_box-box0": (
        lambda: digits.fit_into_box(np.ones((5, 5)), box=0),
        ValueError,
        r"box must be >= 1, got 0",
    ),
    "ink_image-noise": (
        lambda: digits.ink_image(np.eye(28) * 255, noise=2.0),
        ValueError,
        r"noise.*got 2\.0",
    ),
    "ink_image-blank": (
        lambda: digits.ink_image(np.full((9, 9), 40.0), name="grey.png"),
        digits.EmptyImageError,
        r"grey\.png: holds no ink: every pixel is about 40",
    ),
    "bounding_box-shape": (
        lambda: digits.bounding_box(np.ones((2, 28, 28))),
        ValueError,
        r"ink must have shape \(H, W\), got shape \(2, 28, 28\)",
    ),
    "prepare_digit-blank": (
        lambda: digits.prepare_digit(np.zeros((28, 28)), name="blank"),
        digits.EmptyImageError,
        r"blank: holds no ink",
    ),
}


@pytest.mark.parametrize("case", BAD_INPUT)
def test_bad_input_gets_a_clear_error(case):
    assert_clear_error(*BAD_INPUT[case])
