"""Pooling written out in NumPy: max and average pooling, as chapter 4 teaches them.

The same results as ``tf.nn.max_pool2d`` and ``tf.nn.avg_pool2d`` (layouts as
:mod:`.conv`), hand-written on purpose. Pad cells: max pooling never picks one
(it behaves as if pads were ``-inf``); average pooling averages only the real
cells under the window; :func:`max_pool2d_zero_pad` pads with 0 as article 001
draws it.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from ..core import checks
from . import conv, sizes


def _pool(
    x,
    size: conv.IntOrPair,
    stride: conv.IntOrPair,
    padding: str,
    reduce: Callable[[np.ndarray], np.ndarray],
    fill: float,
) -> np.ndarray:
    xs, plain = conv.as_nhwc(x, "x")
    kh, kw = checks.int_pair(size, "size")
    sh, sw = checks.int_pair(stride, "stride")
    padding = sizes.check_padding(padding)
    n, h, w, c = xs.shape
    out_h, out_w = (
        sizes.output_size(h, kh, sh, padding),
        sizes.output_size(w, kw, sw, padding),
    )
    (top, bottom), (left, right) = sizes.pad_amounts(
        (h, w), (kh, kw), (sh, sw), padding
    )
    padded = np.pad(
        xs, ((0, 0), (top, bottom), (left, right), (0, 0)), constant_values=fill
    )
    out = np.empty((n, out_h, out_w, c))
    for i in range(out_h):
        for j in range(out_w):
            window = padded[
                :, i * sh : i * sh + kh, j * sw : j * sw + kw, :
            ]  # (N, kh, kw, C)
            out[:, i, j, :] = reduce(window.reshape(n, kh * kw, c))
    return out[0, :, :, 0] if plain else out


def max_pool2d(
    x, size: conv.IntOrPair = 2, stride: conv.IntOrPair = 2, padding: str = "SAME"
) -> np.ndarray:
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


def avg_pool2d(
    x, size: conv.IntOrPair = 2, stride: conv.IntOrPair = 2, padding: str = "SAME"
) -> np.ndarray:
    """Average pooling: the mean of the *real* cells under each window.

    Pad cells are left out of the mean, as in ``tf.nn.avg_pool2d``. Shapes as
    :func:`max_pool2d`.
    """
    return _pool(
        x, size, stride, padding, lambda win: np.nanmean(win, axis=1), fill=np.nan
    )


def max_pool2d_zero_pad(
    x, size: conv.IntOrPair = 2, stride: conv.IntOrPair = 2, padding: str = "SAME"
) -> np.ndarray:
    """Max pooling with pad cells of ``0.0``, as article 001 draws them.

    Differs from :func:`max_pool2d` (and TensorFlow) only where a window at the
    border holds nothing but negative values; after a ReLU, never.
    """
    return _pool(x, size, stride, padding, lambda win: win.max(axis=1), fill=0.0)
