"""Bad input to cnnlib.models's public API gets a clear error naming the value
(see tests/clear_errors.py), and no function that takes raw digits lets
non-pixels (above 255, negative, NaN) reach the model."""

from __future__ import annotations

import re

import numpy as np
import pytest

from cnnlib import models
from tests.clear_errors import assert_clear_error

NAN_DIGITS = np.full((2, 28, 28), np.nan)
DIGITS = np.zeros((3, 28, 28), np.uint8)


@pytest.fixture(scope="module")
def untrained():
    return models.build_model("small", seed=0)


BAD_INPUT = {
    "check_arch-unknown": (
        lambda m: models.check_arch("medium"),
        ValueError,
        r"got 'medium'",
    ),
    "build_model-dropout": (
        lambda m: models.build_model("small", dropout=1.5),
        ValueError,
        r"got 1\.5",
    ),
    "build_model-init": (
        lambda m: models.build_model("small", init="zeros!"),
        ValueError,
        r"got 'zeros!'",
    ),
    "build_model-seed-type": (
        lambda m: models.build_model("small", seed="a"),
        TypeError,
        r"seed.*'a'",
    ),
    "build_model-dtype": (
        lambda m: models.build_model("small", dtype="float8"),
        ValueError,
        r"dtype.*'float8'",
    ),
    "as_digit_batch-shape": (
        lambda m: models.as_digit_batch(np.zeros((5, 5))),
        ValueError,
        r"got \(5, 5\)",
    ),
    "as_digit_batch-nan": (
        lambda m: models.as_digit_batch(NAN_DIGITS),
        ValueError,
        r"NaN.*first nan at index \(0, 0, 0",
    ),
    "as_digit_batch-empty": (
        lambda m: models.as_digit_batch(np.zeros((0, 28, 28))),
        ValueError,
        r"empty.*\(0, 28, 28, 1\)",
    ),
    "as_digit_batch-dtype": (
        lambda m: models.as_digit_batch(np.array([["a"]])),
        TypeError,
        r"dtype <U1",
    ),
    "as_digit_batch-range": (
        lambda m: models.as_digit_batch(np.full((1, 28, 28), 1000.0)),
        ValueError,
        r"0\.\.255.*1000",
    ),
    "probabilities-shape": (
        lambda m: models.probabilities(m, np.zeros((2, 27, 27))),
        ValueError,
        r"\(2, 27, 27\)",
    ),
    "probabilities-empty": (
        lambda m: models.probabilities(m, np.zeros((0, 28, 28))),
        ValueError,
        r"empty.*\(0, 28, 28, 1\)",
    ),
    "accuracy-lengths": (
        lambda m: models.accuracy(m, DIGITS, np.zeros(2, np.int64)),
        ValueError,
        r"3 digits but 2 labels",
    ),
    "accuracy-label": (
        lambda m: models.accuracy(m, DIGITS, np.array([0, 1, 12])),
        ValueError,
        r"got 12",
    ),
    "confusion_matrix-dtype": (
        lambda m: models.confusion_matrix(np.array([0.5, 1.0]), np.array([0, 1])),
        TypeError,
        r"got 0\.5",
    ),
    "confusion_matrix-shape": (
        lambda m: models.confusion_matrix(
            np.zeros((2, 2), np.int64), np.zeros((2, 2), np.int64)
        ),
        ValueError,
        r"\(2, 2\)",
    ),
    "most_confused-shape": (
        lambda m: models.most_confused(np.zeros((3, 3))),
        ValueError,
        r"\(3, 3\)",
    ),
    "most_confused-nan": (
        lambda m: models.most_confused(np.full((10, 10), np.nan)),
        ValueError,
        r"cm contains NaN.*nan at index \(0, 0\)",
    ),
    "predict_digits-names": (
        lambda m: models.predict_digits(m, DIGITS, names=["a"]),
        ValueError,
        r"3 digits but 1 names",
    ),
    "predict_files-str": (
        lambda m: models.predict_files(m, "a.png"),
        TypeError,
        r"'a\.png'",
    ),
    "feature_maps-layer": (
        lambda m: models.feature_maps(m, DIGITS, layers=["nope"]),
        ValueError,
        r"'nope'",
    ),
    "conv_filters-channel": (
        lambda m: models.conv_filters(m, "conv2", in_channel=99),
        ValueError,
        r"got 99",
    ),
    "top_activating-k": (
        lambda m: models.top_activating(m, DIGITS, "conv1", 0, k=10),
        ValueError,
        r"got 10",
    ),
}


@pytest.mark.parametrize("case", BAD_INPUT)
def test_bad_input_gets_a_clear_error(case, untrained):
    call, error, match = BAD_INPUT[case]
    assert_clear_error(lambda: call(untrained), error, match)


DIGIT_TAKERS = {
    "as_digit_batch": lambda m, x: models.as_digit_batch(x),
    "logits": lambda m, x: models.logits(m, x),
    "probabilities": lambda m, x: models.probabilities(m, x),
    "predict_labels": lambda m, x: models.predict_labels(m, x),
    "accuracy": lambda m, x: models.accuracy(m, x, np.zeros(len(x), np.int64)),
    "predict_digits": lambda m, x: models.predict_digits(m, x),
    "feature_maps": lambda m, x: models.feature_maps(m, x),
    "top_activating": lambda m, x: models.top_activating(m, x, "conv1", 0, 1),
}


@pytest.mark.parametrize("take", DIGIT_TAKERS)
@pytest.mark.parametrize("bad", [256.0, -1.0, np.nan])
def test_every_function_taking_raw_digits_refuses_non_pixels(take, bad, untrained):
    """Scaled (0..1 is fine, but 256 is not), negative or NaN pixels never reach the
    model."""
    x = np.zeros((2, 28, 28), np.float32)
    x[1, 3, 4] = bad
    with pytest.raises(
        ValueError, match=rf"digits .*{re.escape(f'{bad:g}')} at index \(1, 3, 4, 0\)"
    ):
        DIGIT_TAKERS[take](untrained, x)
    DIGIT_TAKERS[take](
        untrained, np.full((2, 28, 28), 255.0)
    )  # the top of the range is fine
