"""What every model of the book takes: raw digits (no TensorFlow needed).

Every model takes **raw digits**, pixels 0..255 of shape ``(N, 28, 28)`` or
``(N, 28, 28, 1)``, any numeric dtype; it adds the channel axis and scales by
``cnnlib.data.PIXEL_SCALE`` itself, so a saved model needs no preprocessing code.
"""

from __future__ import annotations

import numpy as np

from ..core import checks


def as_digit_batch(x, name: str = "digits") -> np.ndarray:
    """Check raw digits and return them as float32 ``(N, 28, 28, 1)``, pixels 0..255.

    Accepts ``(28, 28)`` (one digit), ``(N, 28, 28)`` or ``(N, 28, 28, 1)`` of
    numbers in 0..255. Raises ``ValueError``/``TypeError`` naming the shape,
    dtype or value that is wrong.
    """
    arr = np.asarray(x)
    if arr.dtype.kind in "uifb":
        if arr.ndim == 2:
            arr = arr[np.newaxis]
        if arr.ndim == 3:
            arr = arr[..., np.newaxis]
        if arr.ndim != 4 or arr.shape[1:] != (28, 28, 1):
            raise ValueError(
                f"{name} must have shape (28, 28), (N, 28, 28) or "
                f"(N, 28, 28, 1), got {np.shape(x)}"
            )
    return checks.pixel_array(name, arr, shape=("N", 28, 28, 1), dtype=np.float32)
