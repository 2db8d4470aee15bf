"""Output sizes and padding of a sliding window, as TensorFlow computes them.

``"VALID"``: no padding; the window must fit inside the input, output size
``floor((n - k) / s) + 1``. ``"SAME"``: output size ``ceil(n / s)``; the input
is padded with ``max((out - 1) * s + k - n, 0)`` cells, half before and the
rest (the odd one) **after**, i.e. bottom/right, as TensorFlow does.
"""

from __future__ import annotations

import math

from ..core import checks

PADDINGS = ("SAME", "VALID")


def check_padding(padding: str) -> str:
    """``padding`` upper-cased if it is ``"SAME"`` or ``"VALID"``, else a
    ``ValueError``."""
    if not isinstance(padding, str) or padding.upper() not in PADDINGS:
        raise ValueError(f"padding must be 'SAME' or 'VALID', got {padding!r}")
    return padding.upper()


def output_size(n: int, k: int, stride: int = 1, padding: str = "SAME") -> int:
    """Length of the output along one axis (one int in, one int out).

    Args:
        n: input length; k: window (filter) length; stride: step. All ints >= 1.
        padding: ``"SAME"`` -> ``ceil(n / stride)``;
            ``"VALID"`` -> ``floor((n - k) / stride) + 1`` (needs ``k <= n``).

    Example: ``output_size(28, 5, 1, "SAME") == 28``,
    ``output_size(5, 2, 2, "SAME") == 3``.
    """
    n_, k_ = checks.int_in(n, "n", 1), checks.int_in(k, "k", 1)
    s_ = checks.int_in(stride, "stride", 1)
    padding = check_padding(padding)
    if padding == "SAME":
        return math.ceil(n_ / s_)
    if k_ > n_:
        raise ValueError(
            f"with VALID padding the window ({k_}) must fit in the input ({n_})"
        )
    return (n_ - k_) // s_ + 1


def same_padding(n: int, k: int, stride: int = 1) -> tuple[int, int]:
    """Cells TensorFlow adds ``(before, after)`` on one axis for ``"SAME"`` padding.

    The total is ``max((out - 1) * stride + k - n, 0)`` with ``out = ceil(n / stride)``;
    ``before = total // 2`` and the odd cell, if any, goes after (bottom/right).
    """
    out = output_size(n, k, stride, "SAME")
    total = max((out - 1) * stride + k - n, 0)
    return total // 2, total - total // 2


def pad_amounts(
    shape: tuple[int, int],
    window: tuple[int, int],
    stride: tuple[int, int],
    padding: str,
) -> tuple[tuple[int, int], tuple[int, int]]:
    """``((top, bottom), (left, right))`` pad cells of a ``window`` over a grid of
    ``shape``."""
    if check_padding(padding) == "VALID":
        return (0, 0), (0, 0)
    return (
        same_padding(shape[0], window[0], stride[0]),
        same_padding(shape[1], window[1], stride[1]),
    )
