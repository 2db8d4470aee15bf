"""A window sliding over a small grid, computed step by step (for the figures).

:func:`plan_window` computes, with :mod:`.conv` and :mod:`.pool`, the output of
a filter or pooling window moving over a 2-D grid and the padded grid with its
pad cells marked; :mod:`cnnlib.figures.windows` draws each step of it (an
animation for the web page, sliders in a live kernel).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from ..core import checks
from . import conv, pool, sizes

OPS = ("conv", "max", "avg")


@dataclass(frozen=True)
class WindowPlan:
    """Everything needed to draw a window sliding over a 2-D grid.

    Attributes:
        x: the input ``(H, W)``; padded: the input with its pad cells
            (NaN marks a pad cell); top, left: pad cells before.
        out: the finished output ``(H_out, W_out)``.
        k, stride: window and step (pairs); op: ``"conv"``, ``"max"`` or ``"avg"``.
        kernel: the filter for ``"conv"``, else ``None``.
    """

    x: np.ndarray
    padded: np.ndarray
    top: int
    left: int
    out: np.ndarray
    k: tuple[int, int]
    stride: tuple[int, int]
    op: str
    kernel: Optional[np.ndarray]

    @property
    def steps(self) -> int:
        """How many positions the window takes (one output cell each)."""
        return self.out.size

    def position(self, step: int) -> tuple[int, int]:
        """``(row, col)`` of the output cell computed at ``step`` (0-based, row by
        row)."""
        checks.int_in(step, "step", 0, self.steps - 1)
        return divmod(step, self.out.shape[1])

    def window(self, step: int) -> np.ndarray:
        """The cells of ``padded`` under the window at ``step`` (NaN = pad cell)."""
        i, j = self.position(step)
        r0, c0 = i * self.stride[0], j * self.stride[1]
        return self.padded[r0 : r0 + self.k[0], c0 : c0 + self.k[1]]


def plan_window(
    x: np.ndarray,
    op: str = "conv",
    kernel: Optional[np.ndarray] = None,
    size: conv.IntOrPair = 2,
    stride: conv.IntOrPair = 1,
    padding: str = "VALID",
) -> WindowPlan:
    """The output and the padded grid of a window sliding over ``x``.

    Args:
        x: ``(H, W)`` input grid. op: ``"conv"``, ``"max"`` or ``"avg"``.
        kernel: ``(kh, kw)`` filter, required for ``"conv"`` (its shape is the window).
        size: pooling window, int or pair. stride: int or pair. padding: SAME/VALID.
    """
    checks.one_of(op, "op", OPS)
    grid = checks.finite_array(x, "x", ndim=2, shape_hint="a 2-D grid (H, W)")
    if op == "conv":
        if kernel is None:
            raise ValueError("op='conv' needs a kernel (kh, kw), got None")
        kern = checks.finite_array(kernel, "kernel", ndim=2, shape_hint="(kh, kw)")
        out = conv.conv2d(grid, kern, stride=stride, padding=padding)
        k = kern.shape
    else:
        kern = None
        out = (pool.max_pool2d if op == "max" else pool.avg_pool2d)(
            grid, size, stride, padding
        )
        k = checks.int_pair(size, "size")
    s = checks.int_pair(stride, "stride")
    (top, bottom), (left, right) = sizes.pad_amounts(grid.shape, k, s, padding)
    padded = np.pad(grid, ((top, bottom), (left, right)), constant_values=np.nan)
    return WindowPlan(
        grid, padded, top, left, np.atleast_2d(out), tuple(k), s, op, kern
    )
