"""Bad input to cnnlib.training's public API gets a clear error naming the value
(see tests/clear_errors.py), before any training starts."""

from __future__ import annotations

import numpy as np
import pytest

from cnnlib import training
from tests.clear_errors import assert_clear_error

NAN_DIGITS = np.full((2, 28, 28), np.nan)
DIGITS = np.zeros((3, 28, 28), np.uint8)
LABELS = np.zeros(3, np.int64)

BAD_INPUT = {
    "train-epochs": (
        lambda: training.train("small", epochs=0),
        ValueError,
        r"epochs.*got 0",
    ),
    "train-lr-nan": (
        lambda: training.train("small", lr=float("nan")),
        ValueError,
        r"lr.*got nan",
    ),
    "train-recipe": (
        lambda: training.train("small", recipe="fastest"),
        ValueError,
        r"got 'fastest'",
    ),
    "train-data": (
        lambda: training.train("small", data="imagenet"),
        ValueError,
        r"got 'imagenet'",
    ),
    "pick_precision": (
        lambda: training.pick_precision("fp16"),
        ValueError,
        r"got 'fp16'",
    ),
    "get_recipe": (lambda: training.get_recipe("slow"), ValueError, r"got 'slow'"),
    "make_training_dataset-lengths": (
        lambda: training.make_training_dataset(DIGITS, np.zeros(2, np.int64), 2),
        ValueError,
        r"3 digits but 2 labels",
    ),
    "make_training_dataset-batch0": (
        lambda: training.make_training_dataset(DIGITS, LABELS, 0),
        ValueError,
        r"batch_size.*got 0",
    ),
    "make_training_dataset-empty": (
        lambda: training.make_training_dataset(
            np.zeros((0, 28, 28)), np.zeros(0, np.int64), 2
        ),
        ValueError,
        r"empty.*\(0, 28, 28",
    ),
    "make_training_dataset-nan": (
        lambda: training.make_training_dataset(NAN_DIGITS, np.zeros(2, np.int64), 2),
        ValueError,
        r"NaN.*nan at index",
    ),
    "make_training_dataset-label": (
        lambda: training.make_training_dataset(DIGITS, np.array([0, 1, 11]), 2),
        ValueError,
        r"0\.\.9, got 11",
    ),
}


@pytest.mark.parametrize("case", BAD_INPUT)
def test_bad_input_gets_a_clear_error(case):
    assert_clear_error(*BAD_INPUT[case])
