"""Input checks shared by cnnlib's public functions (private module).

Each check raises ``TypeError`` or ``ValueError`` with a message that names
the argument, the bad value and what was expected, so a reader never gets a
traceback from deep inside NumPy or TensorFlow instead.
"""
from __future__ import annotations

import os
from typing import Optional, Sequence

import numpy as np


def finite_array(a, name: str, ndim: Optional[int] = None, shape_hint: str = "") -> np.ndarray:
    """``a`` as a float64 array, refused if not numbers, empty, not finite or of the wrong rank.

    Args:
        a: anything ``np.asarray`` accepts.
        name: the argument's name, used in the messages.
        ndim: if given, the number of axes ``a`` must have.
        shape_hint: what the shape should look like, e.g. ``"(H, W)"``, for the message.

    Returns:
        ``float64`` array of ``a``'s shape.
    """
    arr = np.asarray(a)
    if arr.dtype.kind not in "uifb":
        raise TypeError(f"{name} must hold numbers, got dtype {arr.dtype}")
    if ndim is not None and arr.ndim != ndim:
        want = shape_hint or f"{ndim} axes"
        raise ValueError(f"{name} must have shape {want}, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape})")
    arr = arr.astype(np.float64)
    bad = ~np.isfinite(arr)
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"{name} contains NaN or infinite values ({int(bad.sum())} of {arr.size}, the first "
            f"{arr[first]} at index {first}); expected finite numbers")
    return arr


def int_in(value, name: str, low: int, high: Optional[int] = None) -> int:
    """A whole number (not a bool) in ``low..high`` (``high`` inclusive; None: no upper bound)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be a whole number, got {value!r}")
    if value < low or (high is not None and value > high):
        span = f"{low}..{high}" if high is not None else f">= {low}"
        raise ValueError(f"{name} must be {span}, got {value!r}")
    return int(value)


def path_list(paths, name: str = "paths") -> Sequence:
    """A list of paths; a single str/bytes/PathLike is refused (it is not a list)."""
    if isinstance(paths, (str, bytes, os.PathLike)):
        raise TypeError(f"{name} must be a list of paths, got the single path {paths!r}; "
                        f"pass [{paths!r}]")
    return list(paths)
