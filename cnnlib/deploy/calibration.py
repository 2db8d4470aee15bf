"""Digits that calibrate int8 quantization: drawn from the training set (no TensorFlow).

Int8 quantization measures the range of every tensor on a few hundred
representative digits; they must come from the training digits, never from
the test digits the quantized model is scored on.
"""

from __future__ import annotations

import numpy as np

from ..core import checks
from ..models import inputs

#: How many training digits calibrate the int8 quantization by default.
REPRESENTATIVE_COUNT = 500


def representative_digits(
    x_train: np.ndarray,
    count: int = REPRESENTATIVE_COUNT,
    seed: int = 0,
    what: str = "count",
) -> np.ndarray:
    """``count`` training digits drawn without replacement by ``seed``: float32
    ``(count, 28, 28)``.

    ``what`` names ``count`` in the message (the argument, or a flag).
    Int8 quantization measures the range of every tensor on these; they must
    come from the training digits, never from the test digits it is scored on.
    """
    batch = inputs.as_digit_batch(x_train, "x_train")[..., 0]
    count = checks.int_in(count, what, 1, len(batch))
    pick = np.random.default_rng(seed).choice(len(batch), count, replace=False)
    return batch[np.sort(pick)]
