"""Convolution written out in NumPy: the reference chapters 2 and 3 show.

:func:`conv2d` computes exactly what ``tf.nn.conv2d`` computes, with the same
layouts, in plain loops you can read (hand-written on purpose: it is what the
book teaches). ``tests/ops/`` checks it against TensorFlow on many random cases.

Layouts (as TensorFlow): input ``(N, H, W, C)`` ("NHWC") or a plain grid
``(H, W)``; filter ``(kh, kw, C_in, C_out)`` ("HWIO") or ``(kh, kw)`` with a
2-D input. Like every deep learning library, "convolution" here is a
cross-correlation: the filter is not flipped. Padding: see :mod:`.sizes`
(convolution pads with 0).
"""

from __future__ import annotations

from typing import Sequence, Union

import numpy as np

from ..core import checks
from . import sizes

IntOrPair = Union[int, Sequence[int]]


def as_nhwc(x, name: str = "x") -> tuple[np.ndarray, bool]:
    """``x`` as float64 ``(N, H, W, C)`` and whether it was a plain 2-D grid
    ``(H, W)``."""
    arr = checks.finite_array(x, name)
    if arr.ndim == 2:
        return arr[np.newaxis, :, :, np.newaxis], True
    if arr.ndim == 4:
        return arr, False
    raise ValueError(
        f"{name} must be 2-D (H, W) or 4-D (N, H, W, C), got shape {arr.shape}"
    )


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
    xs, plain = as_nhwc(x, "x")
    wa = checks.finite_array(w, "w")
    if plain and wa.ndim == 2:
        wa = wa[:, :, np.newaxis, np.newaxis]
    if wa.ndim != 4:
        raise ValueError(
            "w must be (kh, kw, C_in, C_out) (or (kh, kw) with a 2-D x), "
            f"got shape {wa.shape}"
        )
    kh, kw, c_in, c_out = wa.shape
    if c_in != xs.shape[3]:
        raise ValueError(
            f"x has {xs.shape[3]} channels but w expects C_in = {c_in} "
            f"(x shape {xs.shape}, w shape {wa.shape})"
        )
    sh, sw = checks.int_pair(stride, "stride")
    padding = sizes.check_padding(padding)
    n, h, width, _ = xs.shape
    out_h = sizes.output_size(h, kh, sh, padding)
    out_w = sizes.output_size(width, kw, sw, padding)
    (top, bottom), (left, right) = sizes.pad_amounts(
        (h, width), (kh, kw), (sh, sw), padding
    )
    padded = np.pad(xs, ((0, 0), (top, bottom), (left, right), (0, 0)))
    out = np.zeros((n, out_h, out_w, c_out))
    for i in range(out_h):
        for j in range(out_w):
            window = padded[
                :, i * sh : i * sh + kh, j * sw : j * sw + kw, :
            ]  # (N, kh, kw, C_in)
            out[:, i, j, :] = np.tensordot(window, wa, axes=3)  # sum of products
    return out[0, :, :, 0] if plain and c_out == 1 else out


def receptive_inputs(
    position: tuple[int, int], k: IntOrPair, stride: IntOrPair = 1, width: int = 5
) -> list[int]:
    """Input node numbers (1-based, row by row) feeding output ``position``.

    For the node diagram of a ``k``-wide filter moving over an input ``width``
    nodes wide with VALID padding: output ``(0, 0)`` of a 2x2 filter on a
    5-wide grid reads inputs ``[1, 2, 6, 7]``.
    """
    kh, kw = checks.int_pair(k, "k")
    sh, sw = checks.int_pair(stride, "stride")
    wd = checks.int_in(width, "width", 1)
    r, c = position
    if r < 0 or c < 0 or c * sw + kw > wd:
        raise ValueError(
            f"position {position!r} puts the filter outside a {wd}-wide input"
        )
    return [(r * sh + a) * wd + (c * sw + b) + 1 for a in range(kh) for b in range(kw)]
