"""Convolution and pooling written out in NumPy: the reference the chapters show.

These functions compute exactly what ``tf.nn.conv2d``, ``tf.nn.max_pool2d`` and
``tf.nn.avg_pool2d`` compute, with the same layouts, but in plain loops you can
read. ``tests/test_ops.py`` checks them against TensorFlow on many random cases.

Layouts (as TensorFlow):

- input ``x``: ``(N, H, W, C)`` ("NHWC"), or a plain 2-D grid ``(H, W)``;
- filter ``w``: ``(kh, kw, C_in, C_out)`` ("HWIO"), or ``(kh, kw)`` with a 2-D ``x``.

Padding:

- ``"VALID"``: no padding; the window must fit inside the input.
  Output size ``floor((n - k) / s) + 1``.
- ``"SAME"``: output size ``ceil(n / s)``; the input is padded with
  ``max((out - 1) * s + k - n, 0)`` cells, half before and the rest (the odd
  one) **after**, i.e. bottom/right, as TensorFlow does. Convolution pads with
  0; max pooling never picks a pad cell (it behaves as if pads were ``-inf``);
  average pooling averages only the real cells under the window.
"""
from __future__ import annotations

import math
from typing import Callable, Sequence, Union

import numpy as np

from ._checks import finite_array

IntOrPair = Union[int, Sequence[int]]
PADDINGS = ("SAME", "VALID")


# --------------------------------------------------------------------------
# Checking arguments: every error names the bad value and what was expected
# --------------------------------------------------------------------------
def _pair(value: IntOrPair, name: str) -> tuple[int, int]:
    """``3`` -> ``(3, 3)``; ``(2, 1)`` -> ``(2, 1)``; anything else -> error."""
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a positive int or a pair of them, got {value!r}")
    if isinstance(value, (int, np.integer)):
        pair = (int(value), int(value))
    elif isinstance(value, (tuple, list)) and len(value) == 2 and all(
            isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value):
        pair = (int(value[0]), int(value[1]))
    else:
        raise TypeError(f"{name} must be a positive int or a pair of them, got {value!r}")
    if min(pair) < 1:
        raise ValueError(f"{name} must be >= 1, got {value!r}")
    return pair


def _positive_int(value: int, name: str) -> int:
    """A single positive int (not a pair, not a bool, not a float)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be a positive int, got {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be >= 1, got {value!r}")
    return int(value)


def _check_padding(padding: str) -> str:
    if not isinstance(padding, str) or padding.upper() not in PADDINGS:
        raise ValueError(f"padding must be 'SAME' or 'VALID', got {padding!r}")
    return padding.upper()


def _as_nhwc(x, name: str = "x") -> tuple[np.ndarray, bool]:
    """Return ``x`` as ``(N, H, W, C)`` and whether it was a plain 2-D grid."""
    arr = finite_array(x, name)
    if arr.ndim == 2:
        return arr[np.newaxis, :, :, np.newaxis], True
    if arr.ndim == 4:
        return arr, False
    raise ValueError(f"{name} must be 2-D (H, W) or 4-D (N, H, W, C), got shape {arr.shape}")


# --------------------------------------------------------------------------
# Output sizes and padding
# --------------------------------------------------------------------------
def output_size(n: int, k: int, stride: int = 1, padding: str = "SAME") -> int:
    """Length of the output along one axis (one int in, one int out).

    Args:
        n: input length; k: window (filter) length; stride: step. All ints >= 1.
        padding: ``"SAME"`` -> ``ceil(n / stride)``;
            ``"VALID"`` -> ``floor((n - k) / stride) + 1`` (needs ``k <= n``).

    Example: ``output_size(28, 5, 1, "SAME") == 28``, ``output_size(5, 2, 2, "SAME") == 3``.
    """
    n_, k_, s_ = _positive_int(n, "n"), _positive_int(k, "k"), _positive_int(stride, "stride")
    padding = _check_padding(padding)
    if padding == "SAME":
        return math.ceil(n_ / s_)
    if k_ > n_:
        raise ValueError(f"with VALID padding the window ({k_}) must fit in the input ({n_})")
    return (n_ - k_) // s_ + 1


def same_padding(n: int, k: int, stride: int = 1) -> tuple[int, int]:
    """Cells TensorFlow adds ``(before, after)`` on one axis for ``"SAME"`` padding.

    The total is ``max((out - 1) * stride + k - n, 0)`` with ``out = ceil(n / stride)``;
    ``before = total // 2`` and the odd cell, if any, goes after (bottom/right).
    """
    out = output_size(n, k, stride, "SAME")
    total = max((out - 1) * stride + k - n, 0)
    return total // 2, total - total // 2


def _pad_amounts(h: int, w: int, kh: int, kw: int, sh: int, sw: int, padding: str):
    if padding == "VALID":
        return (0, 0), (0, 0)
    return same_padding(h, kh, sh), same_padding(w, kw, sw)


# --------------------------------------------------------------------------
# Convolution
# --------------------------------------------------------------------------
def conv2d(x, w, stride: IntOrPair = 1, padding: str = "SAME") -> np.ndarray:
    """2-D convolution (cross-correlation, as in every deep learning library).

    Args:
        x: ``(N, H, W, C_in)`` or a 2-D grid ``(H, W)``.
        w: ``(kh, kw, C_in, C_out)``, or ``(kh, kw)`` when ``x`` is 2-D.
        stride: step of the filter, int or ``(step_down, step_right)``.
        padding: ``"SAME"`` (zeros around, extra one bottom/right) or ``"VALID"``.

    Returns:
        ``(N, H_out, W_out, C_out)``, or ``(H_out, W_out)`` for 2-D input, where
        ``H_out = output_size(H, kh, stride, padding)`` (likewise W).
    """
    xs, plain = _as_nhwc(x, "x")
    wa = finite_array(w, "w")
    if plain and wa.ndim == 2:
        wa = wa[:, :, np.newaxis, np.newaxis]
    if wa.ndim != 4:
        raise ValueError(
            f"w must be (kh, kw, C_in, C_out) (or (kh, kw) with a 2-D x), got shape {wa.shape}")
    kh, kw, c_in, c_out = wa.shape
    if c_in != xs.shape[3]:
        raise ValueError(f"x has {xs.shape[3]} channels but w expects C_in = {c_in} "
                         f"(x shape {xs.shape}, w shape {wa.shape})")
    sh, sw = _pair(stride, "stride")
    padding = _check_padding(padding)
    n, h, width, _ = xs.shape
    out_h, out_w = output_size(h, kh, sh, padding), output_size(width, kw, sw, padding)
    (top, bottom), (left, right) = _pad_amounts(h, width, kh, kw, sh, sw, padding)
    padded = np.pad(xs, ((0, 0), (top, bottom), (left, right), (0, 0)))
    out = np.zeros((n, out_h, out_w, c_out))
    for i in range(out_h):
        for j in range(out_w):
            window = padded[:, i * sh:i * sh + kh, j * sw:j * sw + kw, :]  # (N, kh, kw, C_in)
            out[:, i, j, :] = np.tensordot(window, wa, axes=3)             # sum of products
    return out[0, :, :, 0] if plain and c_out == 1 else out


# --------------------------------------------------------------------------
# Pooling
# --------------------------------------------------------------------------
def _pool(x, size: IntOrPair, stride: IntOrPair, padding: str,
          reduce: Callable[[np.ndarray], np.ndarray], fill: float) -> np.ndarray:
    xs, plain = _as_nhwc(x, "x")
    kh, kw = _pair(size, "size")
    sh, sw = _pair(stride, "stride")
    padding = _check_padding(padding)
    n, h, w, c = xs.shape
    out_h, out_w = output_size(h, kh, sh, padding), output_size(w, kw, sw, padding)
    (top, bottom), (left, right) = _pad_amounts(h, w, kh, kw, sh, sw, padding)
    padded = np.pad(xs, ((0, 0), (top, bottom), (left, right), (0, 0)), constant_values=fill)
    out = np.empty((n, out_h, out_w, c))
    for i in range(out_h):
        for j in range(out_w):
            window = padded[:, i * sh:i * sh + kh, j * sw:j * sw + kw, :]  # (N, kh, kw, C)
            out[:, i, j, :] = reduce(window.reshape(n, kh * kw, c))
    return out[0, :, :, 0] if plain else out


def max_pool2d(x, size: IntOrPair = 2, stride: IntOrPair = 2, padding: str = "SAME") -> np.ndarray:
    """Max pooling: the largest value under each window.

    Pad cells are ``-inf`` (never picked), as in ``tf.nn.max_pool2d``.

    Args:
        x: ``(N, H, W, C)`` or a 2-D grid ``(H, W)``.
        size: window, int or ``(height, width)``. stride: step, int or pair.
        padding: ``"SAME"`` or ``"VALID"``.

    Returns:
        ``(N, H_out, W_out, C)`` or ``(H_out, W_out)``.
    """
    return _pool(x, size, stride, padding, lambda win: win.max(axis=1), fill=-np.inf)


def avg_pool2d(x, size: IntOrPair = 2, stride: IntOrPair = 2, padding: str = "SAME") -> np.ndarray:
    """Average pooling: the mean of the *real* cells under each window.

    Pad cells are left out of the mean, as in ``tf.nn.avg_pool2d``. Shapes as
    :func:`max_pool2d`.
    """
    return _pool(x, size, stride, padding, lambda win: np.nanmean(win, axis=1), fill=np.nan)


def max_pool2d_zero_pad(x, size: IntOrPair = 2, stride: IntOrPair = 2,
                        padding: str = "SAME") -> np.ndarray:
    """Max pooling with pad cells of ``0.0``, as article 001 draws them.

    Differs from :func:`max_pool2d` (and TensorFlow) only where a window at the
    border holds nothing but negative values; after a ReLU, never.
    """
    return _pool(x, size, stride, padding, lambda win: win.max(axis=1), fill=0.0)


def receptive_inputs(position: tuple[int, int], k: IntOrPair, stride: IntOrPair = 1,
                     width: int = 5) -> list[int]:
    """Input node numbers (1-based, row by row) feeding output ``position``.

    For the node diagram of a ``k``-wide filter moving over an input ``width``
    nodes wide with VALID padding: output ``(0, 0)`` of a 2x2 filter on a
    5-wide grid reads inputs ``[1, 2, 6, 7]``.
    """
    kh, kw = _pair(k, "k")
    sh, sw = _pair(stride, "stride")
    (wd, _) = _pair(width, "width")
    r, c = position
    if r < 0 or c < 0 or c * sw + kw > wd:
        raise ValueError(f"position {position!r} puts the filter outside a {wd}-wide input")
    return [(r * sh + a) * wd + (c * sw + b) + 1 for a in range(kh) for b in range(kw)]
