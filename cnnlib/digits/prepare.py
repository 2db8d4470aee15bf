"""Turn any picture of a digit into an MNIST digit, the way MNIST was made.

The MNIST digits are grey pictures of bright ink (255) on black (0), made
from scanned handwriting (LeCun et al.) whose ink was **cropped** to its
bounding box, **fitted into a 20x20 box** keeping the aspect ratio
(anti-aliasing gives grey levels), and **centred** in a 28x28 field so that
the centre of mass of the pixels lands in the middle.

A network trained on MNIST only knows digits that look like that, so a photo,
a scan or a drawing must go through the five steps the book teaches first:
**grey**; **bright ink on black**; **crop to the ink**; **fit into 20x20**
keeping the aspect; **centre by mass** in 28x28::

    picture (any size, RGB, dark ink on white paper)
      1 -> grey                          (H, W) float 0..255
      2 -> bright ink on black           inverted when the background is light;
                                         background 0, strongest ink 255, faint
                                         noise removed
      3 -> crop to the ink               (h, w), its bounding box
      4 -> fit into 20x20, keep aspect   (<=20, <=20), longer side 20
      5 -> centre by mass in 28x28       (28, 28) uint8, centre of mass at (14, 14)

:func:`prepare_digit` runs all steps and returns a :class:`DigitSteps` that
keeps every intermediate picture, so a chapter can show them. Bad input gets
a :class:`ImageError` (a ``ValueError``) whose message names the file or
value and says what was expected. The steps are hand-written on purpose:
chapter 8 teaches them. Reading the picture (``read_image``) and making test
pictures (``render_like_paper``) live in :mod:`.pictures`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import numpy as np
from PIL import Image

from ..core import checks
from . import pictures

#: MNIST's box for the digit (its field is 28 pixels a side: ``pictures.FIELD``).
BOX = 20
#: Where MNIST puts the centre of mass: the mean over MNIST digits is (14.0, 14.0).
CENTER = 14.0
#: Ink weaker than this fraction of the strongest ink is background noise.
NOISE = 0.1


@dataclass(frozen=True)
class DigitSteps:
    """A picture on its way to an MNIST digit, every step kept.

    Attributes:
        name: where the picture came from (a file name or a label).
        original: the picture as read: ``(H, W)`` or ``(H, W, 3)`` uint8.
        gray: ``(H, W)`` float32 0..255, as the eye sees it (0 = black).
        inverted: True when the background was light, so the picture was inverted.
        ink: ``(H, W)`` float32 0..255: background 0, strongest ink 255.
        box: ``(top, bottom, left, right)`` of the ink in ``ink`` (bottom/right
            exclusive).
        cropped: ``(h, w)`` float32, the ink's bounding box.
        fitted: ``(h', w')`` float32, the longer side scaled to 20 pixels.
        offset: ``(row, col)`` where ``fitted``'s top-left corner lands in the 28x28
            field.
        digit: ``(28, 28)`` uint8, the MNIST-like digit (what a model takes).
    """

    name: str
    original: np.ndarray = field(repr=False)
    gray: np.ndarray = field(repr=False)
    inverted: bool
    ink: np.ndarray = field(repr=False)
    box: tuple[int, int, int, int]
    cropped: np.ndarray = field(repr=False)
    fitted: np.ndarray = field(repr=False)
    offset: tuple[int, int]
    digit: np.ndarray = field(repr=False)

    def stages(self) -> dict[str, np.ndarray]:
        """The steps as ordered ``{title: (H, W) picture}``, for a figure."""
        return {
            "grayscale": self.gray,
            "ink bright" + (" (inverted)" if self.inverted else ""): self.ink,
            "cropped": self.cropped,
            f"fit {BOX}x{BOX}": self.fitted,
            f"centred {pictures.FIELD}x{pictures.FIELD}": self.digit,
        }


# --------------------------------------------------------------------------
# The steps
# --------------------------------------------------------------------------
def to_grayscale(image: np.ndarray) -> np.ndarray:
    """``(H, W)`` or ``(H, W, 3)`` 0..255 -> ``(H, W)`` float32 luminance
    (ITU-R 601)."""
    if np.ndim(image) not in (2, 3) or (
        np.ndim(image) == 3 and np.shape(image)[-1] != 3
    ):
        raise ValueError(
            f"image: expected (H, W) or (H, W, 3), got shape {np.shape(image)}"
        )
    arr = checks.pixel_array("image", image, dtype=np.float32)
    if arr.ndim == 2:
        return arr
    return arr @ np.array([0.299, 0.587, 0.114], dtype=np.float32)


def background_level(gray: np.ndarray) -> float:
    """The background's grey level: the median of the picture's outermost pixels.

    A digit is drawn inside its picture, so the frame of pixels around the
    edge is (mostly) background, whatever colour the paper is.
    """
    g = np.asarray(gray, dtype=np.float32)
    frame = np.concatenate([g[0], g[-1], g[1:-1, 0], g[1:-1, -1]])
    return float(np.median(frame))


def ink_image(
    gray: np.ndarray, name: str = "image", noise: float = NOISE
) -> tuple[np.ndarray, bool]:
    """Make the ink bright on a black background, as MNIST stores it.

    Inverts when the background (see :func:`background_level`) is lighter
    than mid-grey, then maps the background level to 0 and the strongest
    ink to 255; pixels weaker than ``noise`` x 255 become 0.

    Returns:
        ``(ink (H, W) float32 0..255, inverted)``.

    Raises:
        EmptyImageError: no pixel differs from the background.
    """
    if (
        isinstance(noise, (bool, np.bool_))
        or not isinstance(noise, (int, float, np.integer, np.floating))
        or not 0.0 <= noise < 1.0
    ):
        raise ValueError(
            f"noise must be a fraction of full ink in 0..1 (below 1), got {noise!r}"
        )
    g = checks.pixel_array(name, gray, shape=("H", "W"), dtype=np.float32)
    inverted = background_level(g) > 127.5
    if inverted:
        g = 255.0 - g
    bg = background_level(g)
    top = float(g.max())
    if top - bg < 1.0:
        raise pictures.EmptyImageError(
            f"{name}: holds no ink: every pixel is about "
            f"{255 - bg if inverted else bg:.0f} "
            "(a blank picture)"
        )
    ink = np.clip((g - bg) / (top - bg), 0.0, 1.0) * 255.0
    ink[ink < noise * 255.0] = 0.0
    return ink.astype(np.float32), inverted


def bounding_box(ink: np.ndarray) -> tuple[int, int, int, int]:
    """``(top, bottom, left, right)`` of the nonzero pixels (bottom/right exclusive)."""
    arr = checks.pixel_array("ink", ink, shape=("H", "W"), dtype=np.float64)
    rows = np.flatnonzero(arr.any(axis=1))
    cols = np.flatnonzero(arr.any(axis=0))
    if rows.size == 0:
        raise pictures.EmptyImageError("the picture holds no ink (all pixels are 0)")
    return int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1


def fit_into_box(cropped: np.ndarray, box: int = BOX) -> np.ndarray:
    """Scale ``(h, w)`` so its longer side is ``box`` pixels, keeping the aspect ratio.

    Uses Lanczos resampling, which anti-aliases (grey edges) like MNIST's
    normalisation. Returns ``(h', w')`` float32 0..255 with ``max(h', w') == box``.
    """
    box = checks.int_in(box, "box", 1)
    h, w = checks.pixel_array("cropped", cropped, shape=("h", "w")).shape
    scale = box / max(h, w)
    new_h, new_w = max(1, round(h * scale)), max(1, round(w * scale))
    img = Image.fromarray(np.asarray(cropped, dtype=np.float32))
    out = np.asarray(
        img.resize((new_w, new_h), Image.Resampling.LANCZOS), dtype=np.float32
    )
    return np.clip(out, 0.0, 255.0)


def center_of_mass(picture: np.ndarray) -> tuple[float, float]:
    """``(row, col)`` of the centre of mass of a nonnegative ``(H, W)`` picture."""
    p = np.asarray(picture, dtype=np.float64)
    total = p.sum()
    if total <= 0:
        raise pictures.EmptyImageError("the picture holds no ink (all pixels are 0)")
    rows, cols = np.indices(p.shape)
    return float((rows * p).sum() / total), float((cols * p).sum() / total)


def center_in_field(
    fitted: np.ndarray, field_size: int = pictures.FIELD, center: float = CENTER
) -> tuple[np.ndarray, tuple[int, int]]:
    """Place ``fitted`` in a ``field_size`` square with its centre of mass near
    ``center``.

    The shift is rounded to whole pixels and limited so no ink falls off the field.

    Returns:
        ``(field (field_size, field_size) float32,
        (row, col) of fitted's top-left corner)``.
    """
    field_size = checks.int_in(field_size, "field_size", 1)
    h, w = checks.pixel_array("fitted", fitted, shape=("h", "w")).shape
    if h > field_size or w > field_size:
        raise ValueError(f"a {h}x{w} picture does not fit in {field_size}x{field_size}")
    cy, cx = center_of_mass(fitted)
    top = int(np.clip(round(center - cy), 0, field_size - h))
    left = int(np.clip(round(center - cx), 0, field_size - w))
    out = np.zeros((field_size, field_size), dtype=np.float32)
    out[top : top + h, left : left + w] = fitted
    return out, (top, left)


def prepare_digit(
    source: pictures.Source, name: Optional[str] = None, **limits
) -> DigitSteps:
    """Turn a picture into an MNIST-like digit and keep every step.

    Args:
        source: a path, image bytes, a PIL image or an array (see :func:`read_image`).
        name: how the picture is named in errors and in ``DigitSteps.name``.
        **limits: ``max_bytes`` and ``max_pixels`` for :func:`read_image`.

    Returns:
        :class:`DigitSteps`; ``.digit`` is the ``(28, 28)`` uint8 digit.

    Raises:
        ImageError: the picture cannot be read, is not an image, is too large
            or too small, or holds no ink; the message names it.
    """
    label = pictures.describe(source, name)
    original = pictures.read_image(source, name=label, **limits)
    gray = to_grayscale(original)
    ink, inverted = ink_image(gray, label)
    top, bottom, left, right = bounding_box(ink)
    cropped = ink[top:bottom, left:right]
    fitted = fit_into_box(cropped)
    placed, offset = center_in_field(fitted)
    digit = placed.round().clip(0, 255).astype(np.uint8)
    if not digit.any():
        raise pictures.EmptyImageError(
            f"{label}: the ink is too faint to survive scaling to {BOX}x{BOX}"
        )
    return DigitSteps(
        name=label,
        original=original,
        gray=gray,
        inverted=inverted,
        ink=ink,
        box=(top, bottom, left, right),
        cropped=cropped,
        fitted=fitted,
        offset=offset,
        digit=digit,
    )
