"""Argument checks: the one place cnnlib checks what a caller passed.

Each check returns the value in the form the code needs, or raises
``TypeError`` / ``ValueError`` with a message that names the argument, the bad
value and what was expected, so a reader never gets a traceback from deep
inside NumPy or TensorFlow instead::

    int_in(5, "epochs", 1)              -> 5
    number_in(0.0, "lr", 0, 1, low_open=True)  ValueError: lr must be ...
    pixel_array("digits", x, shape=("N", 28, 28))
"""

from __future__ import annotations

import os
from typing import Optional, Sequence, Union

import numpy as np

#: Shape pattern for :func:`pixel_array`: a whole number fixes an axis; a name such
#: as ``"N"`` (or ``None``) lets it have any length, e.g. ``("N", 28, 28)``.
ShapePattern = Sequence[Union[int, str, None]]


def finite_array(
    a, name: str, ndim: Optional[int] = None, shape_hint: str = ""
) -> np.ndarray:
    """``a`` as a float64 array, refused if not numbers, empty, not finite or of the
    wrong rank.

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
    return _finite(arr, name, "finite numbers")


def _finite(arr: np.ndarray, name: str, expected: str) -> np.ndarray:
    """``arr`` as float64, or a ``ValueError`` naming the first NaN/inf and its
    index."""
    wide = arr.astype(np.float64)
    bad = ~np.isfinite(wide)
    if bad.any():
        raise ValueError(
            f"{name} contains NaN or infinite values ({int(bad.sum())} of {arr.size}, "
            f"the first "
            f"{_first_bad(wide, bad)}); expected {expected}"
        )
    return wide


def int_in(value, name: str, low: int, high: Optional[int] = None) -> int:
    """A whole number (not a bool) in ``low..high`` (``high`` inclusive; None: no upper
    bound)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be a whole number, got {value!r}")
    if value < low or (high is not None and value > high):
        span = f"{low}..{high}" if high is not None else f">= {low}"
        raise ValueError(f"{name} must be {span}, got {value!r}")
    return int(value)


def number_in(
    value,
    name: str,
    low: Optional[float] = None,
    high: Optional[float] = None,
    *,
    low_open: bool = False,
    high_open: bool = False,
    example: str = "",
) -> float:
    """A finite real number (not a bool) within ``low..high`` (``None``: unbounded).

    ``low_open`` / ``high_open`` exclude the bound itself; ``example`` is added
    to the message (e.g. ``"1e-4"``).
    """
    hint = f" (e.g. {example})" if example else ""
    if isinstance(value, (bool, np.bool_)) or not isinstance(
        value, (int, float, np.integer, np.floating)
    ):
        raise TypeError(f"{name} must be a number{hint}, got {value!r}")
    if not np.isfinite(value):  # the right type, a bad value
        raise ValueError(f"{name} must be a finite number{hint}, got {value!r}")
    too_low = low is not None and (value <= low if low_open else value < low)
    too_high = high is not None and (value >= high if high_open else value > high)
    if too_low or too_high:
        left = "" if low is None else f"{low:g} {'<' if low_open else '<='} "
        right = "" if high is None else f" {'<' if high_open else '<='} {high:g}"
        raise ValueError(f"{name} must be {left}{name}{right}{hint}, got {value!r}")
    return float(value)


def one_of(value, name: str, choices: Sequence) -> object:
    """``value`` if it is one of ``choices``, else a ``ValueError`` naming them."""
    if isinstance(value, (list, dict, set)) or value not in tuple(choices):
        raise ValueError(f"{name} must be one of {tuple(choices)}, got {value!r}")
    return value


def int_pair(value, name: str) -> tuple[int, int]:
    """``3`` -> ``(3, 3)``; ``(2, 1)`` -> ``(2, 1)``: whole numbers >= 1, or an
    error."""

    def whole(v) -> bool:
        return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))

    if whole(value):
        pair = (int(value), int(value))
    elif (
        isinstance(value, (tuple, list)) and len(value) == 2 and all(map(whole, value))
    ):
        pair = (int(value[0]), int(value[1]))
    else:
        raise TypeError(
            f"{name} must be a positive int or a pair of them, got {value!r}"
        )
    if min(pair) < 1:
        raise ValueError(f"{name} must be >= 1, got {value!r}")
    return pair


def path_list(paths, name: str = "paths") -> Sequence:
    """A list of paths; a single str/bytes/PathLike is refused (it is not a list)."""
    if isinstance(paths, (str, bytes, os.PathLike)):
        raise TypeError(
            f"{name} must be a list of paths, got the single path {paths!r}; "
            f"pass [{paths!r}]"
        )
    return list(paths)


def _first_bad(arr: np.ndarray, bad: np.ndarray) -> str:
    """``"<value> at index <i>"`` for the first True of ``bad`` (index omitted for
    0-d)."""
    first = tuple(int(i) for i in np.argwhere(bad)[0])
    return f"{arr[first]:g} at index {first}" if first else f"{arr[()]:g}"


def _shape_text(shape: ShapePattern) -> str:
    names = iter("NMKL")
    return (
        "("
        + ", ".join(str(d) if d is not None else next(names) for d in shape)
        + ("," if len(shape) == 1 else "")
        + ")"
    )


def _fixed(axis) -> bool:
    return isinstance(axis, (int, np.integer))


def pixel_array(
    name: str,
    value,
    *,
    ndim: Union[int, Sequence[int], None] = None,
    shape: Optional[ShapePattern] = None,
    allow_empty: bool = False,
    dtype=np.float32,
) -> np.ndarray:
    """``value`` as raw pixels 0..255, refused with a message naming ``name`` if it is
    not.

    The one check for "raw pixels" in cnnlib: numbers (not text or objects), the
    expected rank or shape, not empty, finite, and every value in 0..255.

    Args:
        name: the argument's name, used in the messages (e.g. ``"digits"``).
        value: anything ``np.asarray`` accepts.
        ndim: the number of axes required (an int, or a sequence of allowed ones).
        shape: the required shape; a name or ``None`` matches any length, e.g.
            ``("N", 28, 28)`` for a batch of digits. Replaces ``ndim``.
        allow_empty: accept an array with no values (size 0).
        dtype: dtype of the returned array.

    Returns:
        ``value`` as a ``dtype`` array of the same shape.

    Raises:
        TypeError: ``value`` does not hold numbers (names the dtype).
        ValueError: wrong shape, empty, NaN/inf or outside 0..255 (names the
            shape or the first bad value and its index, and what was expected).
    """
    arr = np.asarray(value)
    if arr.dtype.kind not in "uifb":
        raise TypeError(f"{name} must hold pixel numbers 0..255, got dtype {arr.dtype}")
    if shape is not None:
        if arr.ndim != len(shape) or any(
            _fixed(w) and w != g for w, g in zip(shape, arr.shape)
        ):
            raise ValueError(
                f"{name} must have shape {_shape_text(shape)}, got shape {arr.shape}"
            )
    elif ndim is not None:
        allowed = (ndim,) if isinstance(ndim, (int, np.integer)) else tuple(ndim)
        if arr.ndim not in allowed:
            want = " or ".join(str(d) for d in allowed)
            raise ValueError(f"{name} must have {want} axes, got shape {arr.shape}")
    if arr.size == 0:
        if allow_empty:
            return arr.astype(dtype)
        raise ValueError(
            f"{name} is empty (shape {arr.shape}); expected at least one pixel"
        )
    wide = _finite(arr, name, "raw pixels 0..255")
    bad = (wide < 0) | (wide > 255)
    if bad.any():
        raise ValueError(
            f"{name} must be raw pixels in 0..255, got values from {wide.min():g} to "
            f"{wide.max():g} (the first out of range: {_first_bad(wide, bad)})"
        )
    return arr.astype(dtype)


def label_array(name: str, value, n: Optional[int] = None) -> np.ndarray:
    """``value`` as digit labels ``(N,)`` int64 in 0..9, refused with a message naming
    ``name``.

    Args:
        name: the argument's name, used in the messages (e.g. ``"y_test"``).
        value: a 1-D sequence of whole numbers 0..9 (floats holding whole numbers
            are accepted; booleans and text are not).
        n: if given, the number of labels required (the number of digits they label).

    Returns:
        ``(N,)`` int64 array.

    Raises:
        TypeError: not whole numbers (names the dtype or the first fraction).
        ValueError: not 1-D, a label outside 0..9, or ``len != n`` (each named).
    """
    arr = np.asarray(value)
    if arr.ndim != 1:
        raise ValueError(
            f"{name} must be a 1-D array of digits 0..9, got shape {arr.shape}"
        )
    if arr.dtype.kind not in "uif":
        raise TypeError(f"{name} must be whole numbers 0..9, got dtype {arr.dtype}")
    if arr.dtype.kind == "f":
        frac = ~np.isfinite(arr) | (arr != np.round(arr))
        if frac.any():
            raise TypeError(
                f"{name} must be whole numbers 0..9, got {_first_bad(arr, frac)}"
            )
    labels = arr.astype(np.int64)
    bad = (labels < 0) | (labels > 9)
    if bad.any():
        raise ValueError(f"{name} must be digits 0..9, got {_first_bad(labels, bad)}")
    if n is not None and len(labels) != n:
        raise ValueError(
            f"{name}: got {n} digits but {len(labels)} labels; "
            f"expected one label per digit"
        )
    return labels
