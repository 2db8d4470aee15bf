"""Tests of cnnlib.digits (pictures -> MNIST digits) and cnnlib.draw (the drawing grid)."""
from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

import cnnlib  # noqa: F401  (quiet TensorFlow first)
from cnnlib import digits


def png(picture: np.ndarray, fmt: str = "PNG", **kw) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(picture).save(buf, format=fmt, **kw)
    return buf.getvalue()


def test_an_mnist_digit_comes_back_almost_unchanged(mnist):
    x = mnist.x_test[:50]
    out = np.stack([digits.prepare_digit(d).digit for d in x])
    assert out.shape == (50, 28, 28) and out.dtype == np.uint8
    # same picture up to resampling: mean absolute difference under 2 of 255
    assert np.abs(out.astype(int) - x).mean() < 2.0
    assert not any(digits.prepare_digit(d).inverted for d in x[:5])


def test_dark_ink_on_light_paper_large_rgb_shifted_becomes_the_same_digit(mnist):
    d = mnist.x_test[3]
    photo = digits.render_like_paper(d, scale=9, margin=50, shift=(30, -45))
    assert photo.shape == (28 * 9 + 100, 28 * 9 + 100, 3)
    steps = digits.prepare_digit(png(photo), name="photo.png")
    assert steps.inverted
    assert steps.name == "photo.png"
    a, b = steps.digit.astype(float).ravel(), digits.prepare_digit(d).digit.astype(float).ravel()
    assert a @ b / np.linalg.norm(a) / np.linalg.norm(b) > 0.9  # same shape of ink
    # and the digit is where MNIST puts it: centre of mass near (14, 14)
    cy, cx = digits.center_of_mass(steps.digit)
    assert abs(cy - 14) <= 0.75 and abs(cx - 14) <= 0.75


def test_each_step_has_the_promised_shape(mnist):
    photo = digits.render_like_paper(mnist.x_test[1], scale=5)  # a "1": tall and thin
    s = digits.prepare_digit(photo)
    assert s.gray.shape == photo.shape[:2]
    top, bottom, left, right = s.box
    assert s.cropped.shape == (bottom - top, right - left)
    assert max(s.fitted.shape) == 20 and min(s.fitted.shape) < 20
    h, w = s.cropped.shape
    assert abs(s.fitted.shape[0] / s.fitted.shape[1] - h / w) < 0.15  # aspect kept
    assert list(s.stages()) == ["grayscale", "ink bright (inverted)", "cropped",
                                "fit 20x20", "centred 28x28"]
    assert s.ink.min() == 0 and s.ink.max() == 255


def test_light_background_is_detected_from_the_frame():
    paper = np.full((40, 40), 230, np.uint8)
    paper[10:30, 18:22] = 20
    assert digits.background_level(paper) == 230
    ink, inverted = digits.ink_image(paper)
    assert inverted and ink[0, 0] == 0 and ink[15, 19] == 255


def test_transparent_background_is_paper():
    rgba = np.zeros((32, 32, 4), np.uint8)
    rgba[8:24, 14:18] = (0, 0, 0, 255)  # opaque black bar on transparent
    s = digits.prepare_digit(png(rgba), name="drawing.png")
    assert s.inverted and s.digit.max() > 200


@pytest.mark.parametrize("fmt", ["JPEG", "GIF", "BMP"])
def test_other_formats(mnist, fmt):
    photo = digits.render_like_paper(mnist.x_test[7], scale=4)
    s = digits.prepare_digit(png(photo if fmt != "GIF" else photo[..., 0], fmt), name=f"x.{fmt}")
    assert s.digit.shape == (28, 28)


def test_a_text_file_named_png_is_not_an_image(tmp_path):
    f = tmp_path / "notes.png"
    f.write_text("not a picture\n")
    with pytest.raises(digits.NotAnImageError, match=r"notes\.png: not an image"):
        digits.prepare_digit(f)


def test_missing_file_and_folder_are_named(tmp_path):
    with pytest.raises(digits.UnreadableImageError, match=r"nope\.png: no such file"):
        digits.prepare_digit(tmp_path / "nope.png")
    with pytest.raises(digits.UnreadableImageError, match="is a folder"):
        digits.prepare_digit(tmp_path)


def test_empty_and_truncated_files(tmp_path):
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    with pytest.raises(digits.NotAnImageError, match=r"empty\.png: is empty"):
        digits.prepare_digit(empty)
    whole = png(np.full((64, 64), 128, np.uint8))
    cut = tmp_path / "cut.png"
    cut.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(digits.NotAnImageError, match=r"cut\.png"):
        digits.prepare_digit(cut)


def test_too_large_file_and_too_many_pixels(tmp_path):
    blob = png(np.zeros((100, 100), np.uint8))
    with pytest.raises(digits.ImageTooLargeError, match=r"big\.png: .*bytes, more than the 10"):
        digits.prepare_digit(blob, name="big.png", max_bytes=10)
    with pytest.raises(digits.ImageTooLargeError, match=r"100x100 pixels, more than the 5,000"):
        digits.prepare_digit(blob, name="big.png", max_pixels=5000)
    f = tmp_path / "huge.png"
    f.write_bytes(blob)
    with pytest.raises(digits.ImageTooLargeError, match=r"huge\.png: file is"):
        digits.prepare_digit(f, max_bytes=10)


def test_too_small_and_wrong_shape():
    with pytest.raises(digits.ImageSizeError, match=r"tiny: 5x5 pixels"):
        digits.prepare_digit(png(np.zeros((5, 5), np.uint8)), name="tiny")
    with pytest.raises(digits.ImageSizeError, match=r"shape \(28, 28, 7\)"):
        digits.prepare_digit(np.zeros((28, 28, 7)))
    with pytest.raises(ValueError, match=r"0\.\.255, got values from -1"):
        digits.prepare_digit(np.full((28, 28), -1.0))


def test_blank_picture_has_no_ink():
    with pytest.raises(digits.EmptyImageError, match=r"blank\.png: holds no ink: every pixel is about 255"):
        digits.prepare_digit(png(np.full((50, 50, 3), 255, np.uint8)), name="blank.png")


def test_errors_are_value_errors_with_one_line_messages(tmp_path):
    f = tmp_path / "a.png"
    f.write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    with pytest.raises(ValueError) as info:
        digits.prepare_digit(f)
    assert "\n" not in str(info.value) and "a.png" in str(info.value)


def test_wrong_type():
    with pytest.raises(TypeError, match="got int"):
        digits.prepare_digit(42)


def test_drawing_grid_paints_a_picture():
    from cnnlib.draw import DrawingGrid

    grid = DrawingGrid(size=12)
    for r in range(2, 10):
        grid.buttons[r][6].click()  # a vertical stroke: a "1"
    assert grid.cells.sum() == 8
    grid.erase.value = True
    grid.buttons[9][6].click()
    assert grid.cells.sum() == 7
    pic = grid.picture(scale=10)
    assert pic.shape == (120, 120, 3)
    s = digits.prepare_digit(pic, name="drawing")
    assert s.inverted and s.fitted.shape[0] == 20
    grid.clear()
    assert not grid.cells.any()
    with pytest.raises(ValueError, match="size must be in 4..28"):
        DrawingGrid(size=2)


@pytest.mark.parametrize("orientation, stored_as", [
    (6, lambda up: np.rot90(up, 1)),    # phone held upright: stored turned left, shown turned right
    (8, lambda up: np.rot90(up, -1)),   # stored turned right
    (3, lambda up: np.rot90(up, 2)),    # upside down
])
def test_a_phone_jpeg_is_read_upright_by_its_exif_orientation(orientation, stored_as):
    upright = np.full((60, 40), 230, np.uint8)       # light paper, taller than wide
    upright[5:15, 5:35] = 20                         # the top bar of a 7 ...
    upright[15:55, 25:35] = 20                       # ... and its stem on the right
    exif = Image.Exif()
    exif[0x0112] = orientation                       # the EXIF Orientation tag
    blob = png(np.ascontiguousarray(stored_as(upright)), "JPEG", quality=95, exif=exif)

    got = digits.read_image(blob, name="phone.jpg")
    assert got.shape == upright.shape
    assert np.abs(got.astype(int) - upright).mean() < 3      # JPEG noise only
    with Image.open(io.BytesIO(blob)) as raw:                 # the file itself is sideways
        assert np.abs(np.asarray(raw.convert("L"), int) - stored_as(upright)).mean() < 3
    pil = Image.open(io.BytesIO(blob))                        # a PIL image is turned too
    assert digits.read_image(pil).shape == upright.shape
