"""How much a feature map changes when its input moves, before and after max pooling.

Article 001 says pooling makes features "invariant" to small changes of the input;
this module measures it (chapter 4)::

    shift_grid(x, down, right)            the grid moved, zeros coming in at the edge
    relative_change(reference, changed)   ||changed - reference|| / ||reference||
    shift_changes(images, kernel, shifts) per shift: how much the ReLU feature map
                                          changes, and how much its max-pooled map

NumPy only, on top of :func:`.conv.conv2d` and :func:`.pool.max_pool2d`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ..core import checks
from . import conv, pool

#: Directions :func:`shift_changes` moves the images in.
DIRECTIONS = ("right", "down")


@dataclass(frozen=True)
class ShiftChange:
    """How much one shift changes a feature map, before and after pooling.

    Attributes:
        shift: pixels the input moved.
        map_change: relative L2 change of the ReLU feature map (0 = unchanged).
        pooled_change: the same for the max-pooled map.
        map_unchanged: share of the feature map's non-zero values left exactly as
            they were (positions where either map is non-zero).
        pooled_unchanged: the same for the max-pooled map.
    """

    shift: int
    map_change: float
    pooled_change: float
    map_unchanged: float
    pooled_unchanged: float


def shift_grid(x, down: int = 0, right: int = 0) -> np.ndarray:
    """A 2-D grid moved ``down`` rows and ``right`` columns (negative: up / left);
    what moves out is lost, zeros move in."""
    grid = checks.finite_array(x, "x", ndim=2, shape_hint="(H, W)")
    h, w = grid.shape
    dy = checks.int_in(down, "down", -(h - 1), h - 1)
    dx = checks.int_in(right, "right", -(w - 1), w - 1)
    out = np.zeros_like(grid)
    out[max(dy, 0) : h + min(dy, 0), max(dx, 0) : w + min(dx, 0)] = grid[
        max(-dy, 0) : h - max(dy, 0), max(-dx, 0) : w - max(dx, 0)
    ]
    return out


def relative_change(reference, changed) -> float:
    """``||changed - reference|| / ||reference||`` (L2 norms over all values)."""
    ref = checks.finite_array(reference, "reference")
    new = checks.finite_array(changed, "changed")
    if ref.shape != new.shape:
        raise ValueError(
            f"reference and changed must have the same shape, got {ref.shape} "
            f"and {new.shape}"
        )
    norm = float(np.linalg.norm(ref))
    if norm == 0.0:
        raise ValueError("reference is all zeros: a relative change is undefined")
    return float(np.linalg.norm(new - ref)) / norm


def _unchanged(reference: np.ndarray, changed: np.ndarray) -> float:
    active = (reference != 0) | (changed != 0)
    if not active.any():
        return 1.0
    return float(np.mean(reference[active] == changed[active]))


def shift_changes(
    images,
    kernel,
    shifts: Sequence[int] = (1, 2, 3),
    direction: str = "right",
    pool_size: int = 2,
) -> list[ShiftChange]:
    """Move each image by each shift and measure how its feature map changes.

    The feature map is ``ReLU(conv2d(image, kernel))`` (SAME padding); the pooled
    map is its ``pool_size`` x ``pool_size`` max pool with stride ``pool_size``.
    Each is compared with the map of the unmoved image.

    Args:
        images: one grid ``(H, W)`` or a stack ``(N, H, W)``; the numbers are
            averaged over the stack.
        kernel: ``(kh, kw)`` filter.
        shifts: pixels to move, each >= 1.
        direction: ``"right"`` or ``"down"``.
        pool_size: window and stride of the max pool.

    Returns:
        One :class:`ShiftChange` per shift, in the order given.
    """
    stack = checks.finite_array(images, "images")
    if stack.ndim == 2:
        stack = stack[np.newaxis]
    if stack.ndim != 3:
        raise ValueError(
            f"images must have shape (H, W) or (N, H, W), got shape {stack.shape}"
        )
    k = checks.finite_array(kernel, "kernel", ndim=2, shape_hint="(kh, kw)")
    direction = str(checks.one_of(direction, "direction", DIRECTIONS))
    size = checks.int_in(pool_size, "pool_size", 1)
    steps = [checks.int_in(s, "shift", 1, min(stack.shape[1:]) - 1) for s in shifts]
    if not steps:
        raise ValueError("shifts is empty: give at least one shift, e.g. (1, 2, 3)")

    def maps(grid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        fmap = np.maximum(conv.conv2d(grid, k, padding="SAME"), 0.0)
        return fmap, pool.max_pool2d(fmap, size=size, stride=size, padding="SAME")

    rows = []
    for step in steps:
        down, right = (0, step) if direction == "right" else (step, 0)
        numbers = []
        for grid in stack:
            fmap, pooled = maps(grid)
            moved_map, moved_pooled = maps(shift_grid(grid, down, right))
            numbers.append(
                (
                    relative_change(fmap, moved_map),
                    relative_change(pooled, moved_pooled),
                    _unchanged(fmap, moved_map),
                    _unchanged(pooled, moved_pooled),
                )
            )
        mean = np.mean(numbers, axis=0)
        rows.append(ShiftChange(step, *(float(v) for v in mean)))
    return rows
