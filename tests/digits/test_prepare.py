"""Tests of cnnlib.digits.prepare: any picture made into an MNIST digit, step by step
(reading the picture itself: test_pictures.py); and a digit drawn on the chapter's
drawing grid (cnnlib.figures.DrawingGrid) becoming one."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

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
    a, b = (
        steps.digit.astype(float).ravel(),
        digits.prepare_digit(d).digit.astype(float).ravel(),
    )
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
    assert list(s.stages()) == [
        "grayscale",
        "ink bright (inverted)",
        "cropped",
        "fit 20x20",
        "centred 28x28",
    ]
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
    s = digits.prepare_digit(
        png(photo if fmt != "GIF" else photo[..., 0], fmt), name=f"x.{fmt}"
    )
    assert s.digit.shape == (28, 28)


def test_reading_errors_and_limits_pass_through_naming_the_picture(tmp_path):
    blob = png(np.zeros((100, 100), np.uint8))
    with pytest.raises(digits.ImageTooLargeError, match=r"^big\.png: 100x100 pixels"):
        digits.prepare_digit(blob, name="big.png", max_pixels=5000)
    with pytest.raises(
        digits.ImageTooLargeError, match=r"bytes, more than the 10 allowed"
    ):
        digits.prepare_digit(blob, max_bytes=10)
    with pytest.raises(digits.UnreadableImageError, match=r"nope\.png: no such file"):
        digits.prepare_digit(tmp_path / "nope.png")
    with pytest.raises(TypeError, match=r"unexpected keyword argument 'max_size'"):
        digits.prepare_digit(blob, max_size=10)


def test_too_small_and_wrong_shape():
    with pytest.raises(digits.ImageSizeError, match=r"tiny: 5x5 pixels"):
        digits.prepare_digit(png(np.zeros((5, 5), np.uint8)), name="tiny")
    with pytest.raises(digits.ImageSizeError, match=r"shape \(28, 28, 7\)"):
        digits.prepare_digit(np.zeros((28, 28, 7)))
    with pytest.raises(ValueError, match=r"0\.\.255, got values from -1"):
        digits.prepare_digit(np.full((28, 28), -1.0))


def test_blank_picture_has_no_ink():
    with pytest.raises(
        digits.EmptyImageError,
        match=r"blank\.png: holds no ink: every pixel is about 255",
    ):
        digits.prepare_digit(png(np.full((50, 50, 3), 255, np.uint8)), name="blank.png")


def test_wrong_type():
    with pytest.raises(TypeError, match="got int"):
        digits.prepare_digit(42)


def test_drawing_grid_paints_a_picture():
    from cnnlib.figures import DrawingGrid

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


# --------------------------------------------------------------------------
# the steps one by one
# --------------------------------------------------------------------------
def test_to_grayscale_is_the_luminance():
    rgb = np.zeros((2, 2, 3), np.uint8)
    rgb[0, 0] = (255, 0, 0)
    rgb[0, 1] = (0, 255, 0)
    rgb[1, 0] = (0, 0, 255)
    rgb[1, 1] = (255, 255, 255)
    gray = digits.to_grayscale(rgb)
    assert gray.dtype == np.float32
    np.testing.assert_allclose(
        gray, [[0.299 * 255, 0.587 * 255], [0.114 * 255, 255]], rtol=1e-5
    )
    np.testing.assert_array_equal(
        digits.to_grayscale(np.full((3, 3), 7)), np.full((3, 3), 7.0)
    )


def test_bounding_box_and_center_of_mass():
    ink = np.zeros((10, 12))
    ink[2:5, 3:9] = 255
    assert digits.bounding_box(ink) == (2, 5, 3, 9)
    assert digits.center_of_mass(ink) == (3.0, 5.5)
    with pytest.raises(digits.EmptyImageError, match="holds no ink"):
        digits.bounding_box(np.zeros((4, 4)))
    with pytest.raises(digits.EmptyImageError, match="holds no ink"):
        digits.center_of_mass(np.zeros((4, 4)))


def test_fit_into_box_keeps_the_aspect_ratio():
    fitted = digits.fit_into_box(np.full((10, 40), 255.0))
    assert fitted.shape == (5, 20) and fitted.dtype == np.float32
    assert 0 <= fitted.min() and fitted.max() <= 255
    assert digits.fit_into_box(np.full((3, 3), 255.0), box=7).shape == (7, 7)


def test_center_in_field_moves_the_mass_to_the_centre_and_keeps_the_ink_in():
    fitted = np.zeros((20, 20))
    fitted[:, :4] = 255  # ink on the left edge only
    field, (top, left) = digits.center_in_field(fitted)
    assert field.shape == (28, 28) and top == 4 and left == 8  # left limited to 28 - 20
    assert field.sum() == fitted.sum()  # no ink fell off
    one, offset = digits.center_in_field(np.full((2, 2), 255.0))
    cy, cx = digits.center_of_mass(one)
    assert offset[0] == offset[1] and abs(cy - 14) <= 0.5 and abs(cx - 14) <= 0.5


def test_ink_image_drops_noise_below_the_threshold():
    gray = np.zeros((20, 20))
    gray[5, 5] = 255
    gray[10, 10] = 20  # 8% of full ink: noise
    ink, inverted = digits.ink_image(gray)
    assert not inverted and ink[5, 5] == 255 and ink[10, 10] == 0
    ink, _ = digits.ink_image(gray, noise=0.05)
    assert ink[10, 10] > 0


def test_faint_ink_in_a_large_picture_is_an_empty_digit_named():
    """Two lone pixels in opposite corners of an 800x800 picture: their box is the
    whole picture, and scaled to 20x20 (40 times smaller) nothing is left: said, not
    returned."""
    line = np.zeros((400, 400), np.uint8)
    line[200, 100:300] = 255  # a one-pixel hair line survives
    assert digits.prepare_digit(line, name="hair.png").digit.any()
    dots = np.zeros((800, 800), np.uint8)
    dots[0, 0] = dots[799, 799] = 255
    with pytest.raises(
        digits.EmptyImageError,
        match=r"^dots\.png: the ink is too faint to "
        r"survive scaling to 20x20$",
    ):
        digits.prepare_digit(dots, name="dots.png")


def test_digit_steps_name_and_repr():
    s = digits.prepare_digit(np.pad(np.full((10, 4), 255, np.uint8), 9), name="bar")
    assert s.name == "bar" and "bar" in repr(s) and "array" not in repr(s)
    assert s.offset[0] >= 0 and s.digit.dtype == np.uint8
