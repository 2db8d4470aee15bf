"""Tests of cnnlib.digits.pictures: reading pictures safely (files, bytes, PIL images,
arrays), refusing what is not a usable picture with an ImageError naming it, and
drawing MNIST digits as photos of paper."""

from __future__ import annotations

import io
import struct
import warnings
import zlib

import numpy as np
import pytest
from PIL import Image

from cnnlib import digits


def encode(picture, fmt: str = "PNG", **kw) -> bytes:
    buf = io.BytesIO()
    (picture if isinstance(picture, Image.Image) else Image.fromarray(picture)).save(
        buf, format=fmt, **kw
    )
    return buf.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares ``width`` x ``height`` 1-bit pixels and holds none of
    them."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


# --------------------------------------------------------------------------
# what read_image gives back
# --------------------------------------------------------------------------
def test_every_kind_of_source_gives_the_same_pixels(tmp_path):
    rgb = np.random.default_rng(0).integers(0, 256, (20, 30, 3), dtype=np.uint8)
    blob = encode(rgb)
    path = tmp_path / "pic.png"
    path.write_bytes(blob)
    for source in (
        blob,
        bytearray(blob),
        path,
        str(path),
        Image.open(io.BytesIO(blob)),
        rgb,
    ):
        got = digits.read_image(source)
        assert got.dtype == np.uint8 and got.shape == (20, 30, 3)
        np.testing.assert_array_equal(got, rgb)


@pytest.mark.parametrize(
    "mode, shape",
    [
        ("L", (12, 10)),
        ("RGB", (12, 10, 3)),
        ("1", (12, 10)),
        ("P", (12, 10, 3)),
        ("I;16", (12, 10)),
        ("CMYK", (12, 10, 3)),
    ],
)
def test_picture_modes_become_gray_or_rgb_uint8(mode, shape):
    img = Image.new(mode, (10, 12))
    got = digits.read_image(img)
    assert got.shape == shape and got.dtype == np.uint8


def test_a_16_bit_picture_is_scaled_to_8_bits():
    arr = np.full((10, 10), 65535, np.uint16)
    arr[0, 0] = 0
    got = digits.read_image(Image.fromarray(arr))
    assert got.max() == 255 and got[0, 0] == 0


def test_transparent_pixels_are_white_paper():
    rgba = np.zeros((16, 16, 4), np.uint8)
    rgba[4:12, 6:10] = (0, 0, 0, 255)  # an opaque black bar on transparent
    got = digits.read_image(encode(rgba))
    assert got.shape == (16, 16, 3)
    assert (got[0, 0] == 255).all() and (got[6, 7] == 0).all()


@pytest.mark.parametrize(
    "shape", [(28, 28), (28, 28, 1), (1, 28, 28, 1), (28, 28, 3), (28, 28, 4)]
)
def test_arrays_of_the_usual_shapes_are_pictures(shape):
    arr = np.full(shape, 200.0)
    if shape[-1] == 4:
        arr[..., 3] = 255  # opaque (a transparent one is paper: above)
    got = digits.read_image(arr)
    assert got.dtype == np.uint8 and got.shape[:2] == (28, 28) and got.max() == 200


@pytest.mark.parametrize("fmt", ["JPEG", "GIF", "BMP", "TIFF", "WEBP"])
def test_other_formats_are_read(fmt):
    gray = np.tile(np.linspace(0, 255, 40, dtype=np.uint8), (30, 1))
    got = digits.read_image(encode(gray, fmt))
    assert got.shape[:2] == (30, 40)
    assert (
        np.abs(got.astype(int).reshape(30, 40, -1)[..., 0] - gray).mean() < 3
    )  # lossy at most


@pytest.mark.parametrize(
    "orientation, stored_as",
    [
        (
            6,
            lambda up: np.rot90(up, 1),
        ),  # phone held upright: stored turned left, shown turned right
        (8, lambda up: np.rot90(up, -1)),  # stored turned right
        (3, lambda up: np.rot90(up, 2)),  # upside down
    ],
)
def test_a_phone_jpeg_is_read_upright_by_its_exif_orientation(orientation, stored_as):
    upright = np.full((60, 40), 230, np.uint8)  # light paper, taller than wide
    upright[5:15, 5:35] = 20  # the top bar of a 7 ...
    upright[15:55, 25:35] = 20  # ... and its stem on the right
    exif = Image.Exif()
    exif[0x0112] = orientation  # the EXIF Orientation tag
    blob = encode(
        np.ascontiguousarray(stored_as(upright)), "JPEG", quality=95, exif=exif
    )

    got = digits.read_image(blob, name="phone.jpg")
    assert got.shape == upright.shape
    assert np.abs(got.astype(int) - upright).mean() < 3  # JPEG noise only
    with Image.open(io.BytesIO(blob)) as raw:  # the file itself is sideways
        assert np.abs(np.asarray(raw.convert("L"), int) - stored_as(upright)).mean() < 3
    pil = Image.open(io.BytesIO(blob))  # a PIL image is turned too
    assert digits.read_image(pil).shape == upright.shape


def test_describe_names_a_picture():
    assert digits.describe(b"abc") == "<3 bytes>"
    assert digits.describe("a/b.png") == "a/b.png"
    assert digits.describe(np.zeros((2, 3), np.uint8)) == "<array (2, 3) uint8>"
    assert digits.describe(Image.new("L", (8, 8))) == "<PIL image>"
    assert digits.describe(b"abc", name="mine.png") == "mine.png"


# --------------------------------------------------------------------------
# refusals, each naming the picture
# --------------------------------------------------------------------------
def test_a_text_file_named_png_is_not_an_image(tmp_path):
    f = tmp_path / "notes.png"
    f.write_text("not a picture\n")
    with pytest.raises(digits.NotAnImageError, match=r"notes\.png: not an image"):
        digits.read_image(f)


def test_missing_file_and_folder_are_named(tmp_path):
    with pytest.raises(digits.UnreadableImageError, match=r"nope\.png: no such file"):
        digits.read_image(tmp_path / "nope.png")
    with pytest.raises(
        digits.UnreadableImageError, match="is a folder, not an image file"
    ):
        digits.read_image(tmp_path)


def test_empty_and_truncated_files(tmp_path):
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    with pytest.raises(
        digits.NotAnImageError, match=r"empty\.png: is empty \(0 bytes\)"
    ):
        digits.read_image(empty)
    whole = encode(np.full((64, 64), 128, np.uint8))
    cut = tmp_path / "cut.png"
    cut.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(
        digits.NotAnImageError, match=r"cut\.png: damaged or truncated image"
    ):
        digits.read_image(cut)


def test_too_large_file_and_too_many_pixels(tmp_path):
    blob = encode(np.zeros((100, 100), np.uint8))
    with pytest.raises(
        digits.ImageTooLargeError, match=r"big\.png: .*bytes, more than the 10 allowed"
    ):
        digits.read_image(blob, name="big.png", max_bytes=10)
    with pytest.raises(
        digits.ImageTooLargeError, match=r"100x100 pixels, more than the 5,000 allowed"
    ):
        digits.read_image(blob, name="big.png", max_pixels=5000)
    f = tmp_path / "huge.png"
    f.write_bytes(blob)
    with pytest.raises(
        digits.ImageTooLargeError, match=r"huge\.png: file is [\d,]+ bytes, more than"
    ):
        digits.read_image(f, max_bytes=10)
    with pytest.raises(digits.ImageTooLargeError, match=r"100x100 pixels"):
        digits.read_image(
            np.zeros((100, 100)), max_pixels=5000
        )  # arrays are limited too


def test_a_12000_by_12000_png_is_refused_cleanly_without_a_pillow_warning(
    tmp_path, capfd
):
    """144 million pixels: above Pillow's own warning limit (89 million), so Pillow
    warns while it opens the file; cnnlib's limit is checked from the header and the
    reader gets one clean ImageTooLargeError, with no DecompressionBombWarning shown or
    raised."""
    blob = encode(Image.new("1", (12000, 12000)))  # a real, valid PNG (~17 kB)
    with warnings.catch_warnings(record=True) as pillow_warns:
        warnings.simplefilter("always")
        Image.open(io.BytesIO(blob)).close()
    assert any(
        issubclass(w.category, Image.DecompressionBombWarning) for w in pillow_warns
    )

    path = tmp_path / "huge.png"
    path.write_bytes(blob)
    for source in (blob, path):
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")  # any warning at all is recorded
            with pytest.raises(digits.ImageTooLargeError) as info:
                digits.read_image(source, name="huge.png")
        assert (
            str(info.value)
            == "huge.png: 12000x12000 pixels, more than the 36,000,000 allowed"
        )
        assert seen == [], [str(w.message) for w in seen]
    assert capfd.readouterr() == ("", "")


def test_a_picture_past_pillows_hard_limit_is_too_large_not_a_crash():
    """Past twice Pillow's limit Image.open itself refuses (DecompressionBombError)."""
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        with pytest.raises(
            digits.ImageTooLargeError, match=r"^bomb\.png: too many pixels"
        ):
            digits.read_image(
                png_header_only(20000, 20000), name="bomb.png", max_pixels=10**12
            )
    assert seen == []
    with pytest.raises(
        digits.ImageTooLargeError,
        match=r"^wide\.png: 20000x10 pixels, more than the 100,000",
    ):
        digits.read_image(
            png_header_only(20000, 10), name="wide.png", max_pixels=100_000
        )


def test_too_small_and_wrong_shape():
    with pytest.raises(
        digits.ImageSizeError,
        match=r"tiny: 5x5 pixels; a digit picture needs "
        r"at least 8x8",
    ):
        digits.read_image(encode(np.zeros((5, 5), np.uint8)), name="tiny")
    with pytest.raises(digits.ImageSizeError, match=r"shape \(28, 28, 7\)"):
        digits.read_image(np.zeros((28, 28, 7)))
    with pytest.raises(ValueError, match=r"0\.\.255, got values from -1"):
        digits.read_image(np.full((28, 28), -1.0))
    with pytest.raises(TypeError, match=r"must hold numbers, got dtype <U1"):
        digits.read_image(np.array([["a"] * 10] * 10))


def test_errors_are_value_errors_with_one_line_messages(tmp_path):
    f = tmp_path / "a.png"
    f.write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    with pytest.raises(ValueError) as info:
        digits.read_image(f)
    assert isinstance(info.value, digits.ImageError)
    assert "\n" not in str(info.value) and "a.png" in str(info.value)


@pytest.mark.parametrize("bad", [42, None, [1, 2, 3], 3.5])
def test_wrong_type_names_the_type(bad):
    with pytest.raises(TypeError, match=rf"got {type(bad).__name__}$"):
        digits.read_image(bad)


def test_error_classes():
    for err in (
        digits.UnreadableImageError,
        digits.NotAnImageError,
        digits.ImageTooLargeError,
        digits.ImageSizeError,
        digits.EmptyImageError,
    ):
        assert issubclass(err, digits.ImageError) and issubclass(err, ValueError)


# --------------------------------------------------------------------------
# the other way: a digit drawn as a photo of paper
# --------------------------------------------------------------------------
def test_render_like_paper_is_dark_ink_on_light_paper(mnist):
    d = mnist.x_test[0]
    photo = digits.render_like_paper(d, scale=3, margin=5)
    assert photo.shape == (28 * 3 + 10, 28 * 3 + 10, 3) and photo.dtype == np.uint8
    assert tuple(photo[0, 0]) == (245, 240, 225)  # paper in the margin
    ink = photo[5:-5, 5:-5].reshape(-1, 3)
    assert ink.min(axis=0).tolist() == [20, 30, 90]  # full ink somewhere


def test_render_like_paper_shift_moves_the_digit():
    d = np.zeros((28, 28), np.uint8)
    d[10:18, 10:18] = 255
    a = digits.render_like_paper(d, scale=1, margin=4)
    b = digits.render_like_paper(d, scale=1, margin=4, shift=(2, -3))
    np.testing.assert_array_equal(a[4:-4, 4:-4], b[6:-2, 1:-7])


@pytest.mark.parametrize(
    "kw, message",
    [
        (
            dict(digit=np.zeros((28, 27))),
            r"digit must have shape \(28, 28\), got \(28, 27\)",
        ),
        (dict(scale=0), r"need scale >= 1 and margin >= 0, got scale=0, margin=40"),
        (dict(margin=-1), r"got scale=8, margin=-1"),
        (dict(shift=(41, 0)), r"shift \(41, 0\) is larger than the margin 40"),
    ],
)
def test_render_like_paper_refuses_bad_settings(kw, message):
    args = {"digit": np.zeros((28, 28)), **kw}
    with pytest.raises(ValueError, match=message):
        digits.render_like_paper(**args)


def test_to_png_bytes_round_trips():
    pic = np.random.default_rng(1).integers(0, 256, (9, 11, 3), dtype=np.uint8)
    np.testing.assert_array_equal(digits.read_image(digits.to_png_bytes(pic)), pic)
    with pytest.raises(TypeError, match=r"expected uint8 pixels, got float64"):
        digits.to_png_bytes(np.zeros((5, 5)))
