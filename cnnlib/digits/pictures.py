"""Reading pictures safely, and making test pictures.

:func:`read_image` takes a path, the bytes of an image file, a PIL image or an
array and returns its pixels upright (EXIF orientation applied), refusing what
is not a usable picture with an :class:`ImageError` subclass whose message names
the picture and says why: missing or unreadable file, not an image, too many
bytes or pixels (checked before decoding), too small, or no ink at all.

:func:`render_like_paper` and :func:`to_png_bytes` go the other way, turning an
MNIST digit into a photo-like picture, for tests and chapters.
"""

from __future__ import annotations

import io
import os
import warnings
from pathlib import Path
from typing import Optional, Union

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from ..core import checks, errors

#: Largest image file accepted, in bytes (a photo from a phone fits).
MAX_BYTES = 10 * 1024 * 1024
#: Largest picture accepted, in pixels (width x height), checked before decoding.
MAX_PIXELS = 6000 * 6000
#: Smallest side accepted, in pixels: below this there is no digit to see.
MIN_SIDE = 8
#: Side of an MNIST digit's field, in pixels.
FIELD = 28

Source = Union[str, os.PathLike, bytes, bytearray, np.ndarray, Image.Image]


class ImageError(errors.CnnlibError, ValueError):
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


def describe(source: Source, name: Optional[str] = None) -> str:
    """How messages name a picture: ``name``, else its path or a short description."""
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
    label = describe(source, name)
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
                    f"{label}: file is {size:,} bytes, more than the "
                    f"{max_bytes:,} allowed"
                )
            blob = path.read_bytes()
        except FileNotFoundError:
            raise UnreadableImageError(f"{label}: no such file") from None
        except PermissionError:
            raise UnreadableImageError(f"{label}: permission denied") from None
        except OSError as err:
            raise UnreadableImageError(
                f"{label}: cannot read the file ({err.strerror or err})"
            ) from None
    else:
        raise TypeError(
            "expected a path, bytes, a PIL image or a numpy array, "
            f"got {type(source).__name__}"
        )
    if len(blob) > max_bytes:
        raise ImageTooLargeError(
            f"{label}: {len(blob):,} bytes, more than the {max_bytes:,} allowed"
        )
    if not blob:
        raise NotAnImageError(f"{label}: is empty (0 bytes), not an image")
    try:
        with (
            warnings.catch_warnings()
        ):  # our own limit is checked below, before decoding
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(blob))
        with img:
            _check_pixels(img.size, label, max_pixels)
            img.load()
            return _pil_to_array(_upright(img), label, max_pixels)
    except UnidentifiedImageError:
        raise NotAnImageError(
            f"{label}: not an image "
            "(Pillow cannot identify it as PNG, JPEG, GIF, BMP, ...)"
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
            f"{label}: {width}x{height} pixels, more than the {max_pixels:,} allowed"
        )
    if min(width, height) < MIN_SIDE:
        raise ImageSizeError(
            f"{label}: {width}x{height} pixels; a digit picture needs at least "
            f"{MIN_SIDE}x{MIN_SIDE}"
        )


def _pil_to_array(img: Image.Image, label: str, max_pixels: int) -> np.ndarray:
    _check_pixels(img.size, label, max_pixels)
    if img.mode in ("RGBA", "LA", "PA") or (
        img.mode == "P" and "transparency" in img.info
    ):
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
        raise TypeError(
            f"{label}: an image array must hold numbers, got dtype {arr.dtype}"
        )
    pic = np.squeeze(arr) if arr.ndim > 3 else arr
    if pic.ndim == 3 and pic.shape[-1] == 1:
        pic = pic[..., 0]
    if not (pic.ndim == 2 or (pic.ndim == 3 and pic.shape[-1] in (3, 4))):
        raise ImageSizeError(
            f"{label}: expected an image array (H, W), (H, W, 3) or (H, W, 4), "
            f"got shape {arr.shape}"
        )
    values = checks.pixel_array(label, pic, dtype=np.float64)
    pic8 = values.round().astype(np.uint8)
    return _pil_to_array(Image.fromarray(pic8), label, max_pixels)


def render_like_paper(
    digit: np.ndarray,
    scale: int = 8,
    margin: int = 40,
    shift: tuple[int, int] = (0, 0),
    ink_rgb: tuple[int, int, int] = (20, 30, 90),
    paper_rgb: tuple[int, int, int] = (245, 240, 225),
) -> np.ndarray:
    """Draw an MNIST digit the way a person would photograph it: dark ink on light
    paper.

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
        raise ValueError(
            f"need scale >= 1 and margin >= 0, got scale={scale}, margin={margin}"
        )
    big = np.asarray(
        Image.fromarray(d).resize(
            (FIELD * scale, FIELD * scale), Image.Resampling.BICUBIC
        ),
        dtype=np.float32,
    )
    size = FIELD * scale + 2 * margin
    alpha = np.zeros((size, size), dtype=np.float32)
    dy, dx = shift
    if abs(dy) > margin or abs(dx) > margin:
        raise ValueError(f"shift {shift} is larger than the margin {margin}")
    alpha[
        margin + dy : margin + dy + FIELD * scale,
        margin + dx : margin + dx + FIELD * scale,
    ] = big
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
