"""Turn any picture of a digit into an MNIST digit, the way MNIST was made.

The MNIST digits were made from scanned handwriting in four steps (LeCun et
al.): the ink was **cropped** to its bounding box, **fitted into a 20x20
box** keeping the aspect ratio (anti-aliasing gives grey levels), and
**centred** in a 28x28 field so that the centre of mass of the pixels lands
in the middle. Ink is bright (255) on a black (0) background.

A network trained on MNIST only knows digits that look like that, so a photo,
a scan or a drawing must go through the same steps first::

    picture (any size, RGB, dark ink on white paper)
      -> grayscale                      (H, W) float 0..255
      -> ink is bright                  inverted when the background is light
      -> background 0, strongest ink 255, faint noise removed
      -> crop to the bounding box        (h, w)
      -> fit into 20x20, keep aspect     (<=20, <=20), longer side 20
      -> centre of mass at (14, 14)      (28, 28) uint8

:func:`prepare_digit` runs all steps and returns a :class:`DigitSteps` that
keeps every intermediate picture, so a chapter can show them. Bad input gets
a :class:`ImageError` (a ``ValueError``) whose message names the file or
value and says what was expected.
"""
from __future__ import annotations

import io
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Union

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from ._checks import int_in, pixel_array

#: Largest image file accepted, in bytes (a photo from a phone fits).
MAX_BYTES = 10 * 1024 * 1024
#: Largest picture accepted, in pixels (width x height), checked before decoding.
MAX_PIXELS = 6000 * 6000
#: Smallest side accepted, in pixels: below this there is no digit to see.
MIN_SIDE = 8
#: MNIST's box for the digit and its field.
BOX = 20
FIELD = 28
#: Where MNIST puts the centre of mass: the mean over MNIST digits is (14.0, 14.0).
CENTER = 14.0
#: Ink weaker than this fraction of the strongest ink is background noise.
NOISE = 0.1

Source = Union[str, os.PathLike, bytes, bytearray, np.ndarray, Image.Image]


class ImageError(ValueError):
    """A picture could not be turned into a digit; the message says which and why."""


class UnreadableImageError(ImageError):
    """The file does not exist or cannot be read."""


class NotAnImageError(ImageError):
    """The bytes are not an image format Pillow can decode (e.g. a text file)."""


class ImageTooLargeError(ImageError):
    """The file has too many bytes or the picture too many pixels."""


class ImageSizeError(ImageError):
    """The picture is too small, or an array has the wrong shape."""


class EmptyImageError(ImageError):
    """The picture holds no ink: every pixel has the same value."""


@dataclass(frozen=True)
class DigitSteps:
    """A picture on its way to an MNIST digit, every step kept.

    Attributes:
        name: where the picture came from (a file name or a label).
        original: the picture as read: ``(H, W)`` or ``(H, W, 3)`` uint8.
        gray: ``(H, W)`` float32 0..255, as the eye sees it (0 = black).
        inverted: True when the background was light, so the picture was inverted.
        ink: ``(H, W)`` float32 0..255: background 0, strongest ink 255.
        box: ``(top, bottom, left, right)`` of the ink in ``ink`` (bottom/right exclusive).
        cropped: ``(h, w)`` float32, the ink's bounding box.
        fitted: ``(h', w')`` float32, the longer side scaled to 20 pixels.
        offset: ``(row, col)`` where ``fitted``'s top-left corner lands in the 28x28 field.
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
            f"centred {FIELD}x{FIELD}": self.digit,
        }


# --------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------
def _describe(source: Source, name: Optional[str]) -> str:
    if name:
        return name
    if isinstance(source, (str, os.PathLike)):
        return str(source)
    if isinstance(source, (bytes, bytearray)):
        return f"<{len(source):,} bytes>"
    if isinstance(source, np.ndarray):
        return f"<array {source.shape} {source.dtype}>"
    return "<PIL image>"


def read_image(
    source: Source,
    name: Optional[str] = None,
    max_bytes: int = MAX_BYTES,
    max_pixels: int = MAX_PIXELS,
) -> np.ndarray:
    """Read a picture from a file, bytes, a PIL image or an array.

    Args:
        source: a path, the bytes of an image file (PNG, JPEG, GIF, BMP, ...),
            a ``PIL.Image.Image``, or an array ``(H, W)``, ``(H, W, 3)`` or
            ``(H, W, 4)`` of numbers 0..255.
        name: how errors name the picture (default: the path, or a description).
        max_bytes: refuse files larger than this.
        max_pixels: refuse pictures with more pixels than this (checked from
            the header, before the pixels are decoded).

    Returns:
        ``(H, W)`` uint8 grayscale or ``(H, W, 3)`` uint8 RGB, upright: a
        photo whose EXIF orientation tag says it is stored sideways or upside
        down (as phones store them) is turned first. Transparent pixels are
        composited onto white (as a drawing on paper).

    Raises:
        UnreadableImageError, NotAnImageError, ImageTooLargeError,
        ImageSizeError: each naming the picture.
    """
    label = _describe(source, name)
    if isinstance(source, np.ndarray):
        return _array_image(source, label, max_pixels)
    if isinstance(source, Image.Image):
        return _pil_to_array(_upright(source), label, max_pixels)
    if isinstance(source, (bytes, bytearray)):
        blob = bytes(source)
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source)
        try:
            size = path.stat().st_size
            if path.is_dir():
                raise UnreadableImageError(f"{label}: is a folder, not an image file")
            if size > max_bytes:
                raise ImageTooLargeError(
                    f"{label}: file is {size:,} bytes, more than the {max_bytes:,} allowed")
            blob = path.read_bytes()
        except FileNotFoundError:
            raise UnreadableImageError(f"{label}: no such file") from None
        except PermissionError:
            raise UnreadableImageError(f"{label}: permission denied") from None
        except OSError as err:
            raise UnreadableImageError(f"{label}: cannot read the file ({err.strerror or err})") from None
    else:
        raise TypeError(
            f"expected a path, bytes, a PIL image or a numpy array, got {type(source).__name__}")
    if len(blob) > max_bytes:
        raise ImageTooLargeError(
            f"{label}: {len(blob):,} bytes, more than the {max_bytes:,} allowed")
    if not blob:
        raise NotAnImageError(f"{label}: is empty (0 bytes), not an image")
    try:
        with Image.open(io.BytesIO(blob)) as img:
            _check_pixels(img.size, label, max_pixels)
            img.load()
            return _pil_to_array(_upright(img), label, max_pixels)
    except UnidentifiedImageError:
        raise NotAnImageError(
            f"{label}: not an image (Pillow cannot identify it as PNG, JPEG, GIF, BMP, ...)"
        ) from None
    except Image.DecompressionBombError:
        raise ImageTooLargeError(f"{label}: too many pixels to decode safely") from None
    except (OSError, SyntaxError, ValueError) as err:
        if isinstance(err, ImageError):
            raise
        raise NotAnImageError(f"{label}: damaged or truncated image ({err})") from None


def _upright(img: Image.Image) -> Image.Image:
    """``img`` turned the way its EXIF orientation tag says (phone photos are stored
    sideways with a tag saying so); unchanged when it has no such tag."""
    return ImageOps.exif_transpose(img)


def _check_pixels(size: tuple[int, int], label: str, max_pixels: int) -> None:
    width, height = size
    if width * height > max_pixels:
        raise ImageTooLargeError(
            f"{label}: {width}x{height} pixels, more than the {max_pixels:,} allowed")
    if min(width, height) < MIN_SIDE:
        raise ImageSizeError(
            f"{label}: {width}x{height} pixels; a digit picture needs at least "
            f"{MIN_SIDE}x{MIN_SIDE}")


def _pil_to_array(img: Image.Image, label: str, max_pixels: int) -> np.ndarray:
    _check_pixels(img.size, label, max_pixels)
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return np.asarray(Image.alpha_composite(white, rgba).convert("RGB"))
    if img.mode in ("L", "RGB"):
        return np.asarray(img).copy()
    if img.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        arr = np.asarray(img, dtype=np.float64)
        top = 65535.0 if arr.max() > 255 else 255.0
        return (arr / top * 255).round().clip(0, 255).astype(np.uint8)
    if img.mode == "1":
        return np.asarray(img.convert("L")).copy()
    return np.asarray(img.convert("RGB")).copy()


def _array_image(arr: np.ndarray, label: str, max_pixels: int) -> np.ndarray:
    if arr.dtype.kind not in "uifb":
        raise TypeError(f"{label}: an image array must hold numbers, got dtype {arr.dtype}")
    pic = np.squeeze(arr) if arr.ndim > 3 else arr
    if pic.ndim == 3 and pic.shape[-1] == 1:
        pic = pic[..., 0]
    if not (pic.ndim == 2 or (pic.ndim == 3 and pic.shape[-1] in (3, 4))):
        raise ImageSizeError(
            f"{label}: expected an image array (H, W), (H, W, 3) or (H, W, 4), got shape {arr.shape}")
    values = pixel_array(label, pic, dtype=np.float64)
    pic8 = values.round().astype(np.uint8)
    return _pil_to_array(Image.fromarray(pic8), label, max_pixels)


# --------------------------------------------------------------------------
# The steps
# --------------------------------------------------------------------------
def to_grayscale(image: np.ndarray) -> np.ndarray:
    """``(H, W)`` or ``(H, W, 3)`` 0..255 -> ``(H, W)`` float32 luminance (ITU-R 601)."""
    if np.ndim(image) not in (2, 3) or (np.ndim(image) == 3 and np.shape(image)[-1] != 3):
        raise ValueError(f"image: expected (H, W) or (H, W, 3), got shape {np.shape(image)}")
    arr = pixel_array("image", image, dtype=np.float32)
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


def ink_image(gray: np.ndarray, name: str = "image", noise: float = NOISE) -> tuple[np.ndarray, bool]:
    """Make the ink bright on a black background, as MNIST stores it.

    Inverts when the background (see :func:`background_level`) is lighter
    than mid-grey, then maps the background level to 0 and the strongest
    ink to 255; pixels weaker than ``noise`` x 255 become 0.

    Returns:
        ``(ink (H, W) float32 0..255, inverted)``.

    Raises:
        EmptyImageError: no pixel differs from the background.
    """
    if isinstance(noise, (bool, np.bool_)) or not isinstance(noise, (int, float, np.integer, np.floating)) \
            or not 0.0 <= noise < 1.0:
        raise ValueError(f"noise must be a fraction of full ink in 0..1 (below 1), got {noise!r}")
    g = pixel_array(name, gray, shape=("H", "W"), dtype=np.float32)
    inverted = background_level(g) > 127.5
    if inverted:
        g = 255.0 - g
    bg = background_level(g)
    top = float(g.max())
    if top - bg < 1.0:
        raise EmptyImageError(
            f"{name}: holds no ink: every pixel is about {255 - bg if inverted else bg:.0f} "
            "(a blank picture)")
    ink = np.clip((g - bg) / (top - bg), 0.0, 1.0) * 255.0
    ink[ink < noise * 255.0] = 0.0
    return ink.astype(np.float32), inverted


def bounding_box(ink: np.ndarray) -> tuple[int, int, int, int]:
    """``(top, bottom, left, right)`` of the nonzero pixels (bottom/right exclusive)."""
    arr = pixel_array("ink", ink, shape=("H", "W"), dtype=np.float64)
    rows = np.flatnonzero(arr.any(axis=1))
    cols = np.flatnonzero(arr.any(axis=0))
    if rows.size == 0:
        raise EmptyImageError("the picture holds no ink (all pixels are 0)")
    return int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1


def fit_into_box(cropped: np.ndarray, box: int = BOX) -> np.ndarray:
    """Scale ``(h, w)`` so its longer side is ``box`` pixels, keeping the aspect ratio.

    Uses Lanczos resampling, which anti-aliases (grey edges) like MNIST's
    normalisation. Returns ``(h', w')`` float32 0..255 with ``max(h', w') == box``.
    """
    box = int_in(box, "box", 1)
    h, w = pixel_array("cropped", cropped, shape=("h", "w")).shape
    scale = box / max(h, w)
    new_h, new_w = max(1, round(h * scale)), max(1, round(w * scale))
    img = Image.fromarray(np.asarray(cropped, dtype=np.float32))
    out = np.asarray(img.resize((new_w, new_h), Image.Resampling.LANCZOS), dtype=np.float32)
    return np.clip(out, 0.0, 255.0)


def center_of_mass(picture: np.ndarray) -> tuple[float, float]:
    """``(row, col)`` of the centre of mass of a nonnegative ``(H, W)`` picture."""
    p = np.asarray(picture, dtype=np.float64)
    total = p.sum()
    if total <= 0:
        raise EmptyImageError("the picture holds no ink (all pixels are 0)")
    rows, cols = np.indices(p.shape)
    return float((rows * p).sum() / total), float((cols * p).sum() / total)


def center_in_field(fitted: np.ndarray, field_size: int = FIELD,
                    center: float = CENTER) -> tuple[np.ndarray, tuple[int, int]]:
    """Place ``fitted`` in a ``field_size`` square with its centre of mass near ``center``.

    The shift is rounded to whole pixels and limited so no ink falls off the field.

    Returns:
        ``(field (field_size, field_size) float32, (row, col) of fitted's top-left corner)``.
    """
    field_size = int_in(field_size, "field_size", 1)
    h, w = pixel_array("fitted", fitted, shape=("h", "w")).shape
    if h > field_size or w > field_size:
        raise ValueError(f"a {h}x{w} picture does not fit in {field_size}x{field_size}")
    cy, cx = center_of_mass(fitted)
    top = int(np.clip(round(center - cy), 0, field_size - h))
    left = int(np.clip(round(center - cx), 0, field_size - w))
    out = np.zeros((field_size, field_size), dtype=np.float32)
    out[top:top + h, left:left + w] = fitted
    return out, (top, left)


def prepare_digit(source: Source, name: Optional[str] = None, **limits) -> DigitSteps:
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
    label = _describe(source, name)
    original = read_image(source, name=label, **limits)
    gray = to_grayscale(original)
    ink, inverted = ink_image(gray, label)
    top, bottom, left, right = bounding_box(ink)
    cropped = ink[top:bottom, left:right]
    fitted = fit_into_box(cropped)
    placed, offset = center_in_field(fitted)
    digit = placed.round().clip(0, 255).astype(np.uint8)
    if not digit.any():
        raise EmptyImageError(f"{label}: the ink is too faint to survive scaling to {BOX}x{BOX}")
    return DigitSteps(name=label, original=original, gray=gray, inverted=inverted, ink=ink,
                      box=(top, bottom, left, right), cropped=cropped, fitted=fitted,
                      offset=offset, digit=digit)


def render_like_paper(digit: np.ndarray, scale: int = 8, margin: int = 40,
                      shift: tuple[int, int] = (0, 0), ink_rgb: tuple[int, int, int] = (20, 30, 90),
                      paper_rgb: tuple[int, int, int] = (245, 240, 225)) -> np.ndarray:
    """Draw an MNIST digit the way a person would photograph it: dark ink on light paper.

    The inverse of :func:`prepare_digit`, for making test pictures: the
    ``(28, 28)`` digit is enlarged ``scale`` times (smoothly), surrounded by
    ``margin`` pixels of paper, moved by ``shift`` (rows, cols) pixels, and
    coloured ink-on-paper.

    Returns:
        ``(H, W, 3)`` uint8 RGB with ``H = W = 28 * scale + 2 * margin``.
    """
    d = np.asarray(digit, dtype=np.float32)
    if d.shape != (FIELD, FIELD):
        raise ValueError(f"digit must have shape (28, 28), got {d.shape}")
    if scale < 1 or margin < 0:
        raise ValueError(f"need scale >= 1 and margin >= 0, got scale={scale}, margin={margin}")
    big = np.asarray(Image.fromarray(d).resize(
        (FIELD * scale, FIELD * scale), Image.Resampling.BICUBIC), dtype=np.float32)
    size = FIELD * scale + 2 * margin
    alpha = np.zeros((size, size), dtype=np.float32)
    dy, dx = shift
    if abs(dy) > margin or abs(dx) > margin:
        raise ValueError(f"shift {shift} is larger than the margin {margin}")
    alpha[margin + dy:margin + dy + FIELD * scale, margin + dx:margin + dx + FIELD * scale] = big
    alpha = np.clip(alpha / 255.0, 0.0, 1.0)[..., np.newaxis]
    ink = np.array(ink_rgb, dtype=np.float32)
    paper = np.array(paper_rgb, dtype=np.float32)
    return (paper * (1 - alpha) + ink * alpha).round().astype(np.uint8)


def to_png_bytes(picture: np.ndarray) -> bytes:
    """Encode ``(H, W)`` or ``(H, W, 3)`` uint8 as PNG bytes."""
    arr = np.asarray(picture)
    if arr.dtype != np.uint8:
        raise TypeError(f"expected uint8 pixels, got {arr.dtype}")
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="PNG")
    return buf.getvalue()
