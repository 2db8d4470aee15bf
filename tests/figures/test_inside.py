"""cnnlib.figures.inside: pictures of feature maps, filters and favourite digits.

Each figure shows the numbers cnnlib.models computes (checked pixel for pixel),
and is readable on the book's page (issue 12): saved as the notebook saves it, at
most the column's width, its smallest text at least ``MIN_TEXT_PX`` high.
Animation frames keep every text at ``LABEL_PT`` points or more: the browser test
(tests/web/test_site.py) relies on that to know an animation's smallest text
from the resolution of its frames.
"""

from __future__ import annotations

import base64
import io
import re

import matplotlib.pyplot as plt
import numpy as np
import pytest
from PIL import Image

from cnnlib import figures, models
from cnnlib.figures import inside


@pytest.fixture(scope="module")
def cnn():
    return models.build_model("small", seed=0, init="he")


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def frames_of(html: str) -> list[Image.Image]:
    """The PNG frames embedded in a ``to_jshtml`` animation."""
    found = re.findall(r'"data:image/png;base64,([A-Za-z0-9+/=\\\n]+)"', html)
    return [
        Image.open(io.BytesIO(base64.b64decode(f.replace("\\\n", "")))) for f in found
    ]


def test_show_feature_maps_draws_each_channel(cnn, mnist):
    maps = models.feature_maps(cnn, mnist.x_test[0])
    fig = figures.show_feature_maps(maps["conv2"], "conv2")  # 16 of 16 maps
    assert len(fig.axes) == 18 and sum(bool(ax.images) for ax in fig.axes) == 16
    for c in (0, 5, 15):
        np.testing.assert_array_equal(
            fig.axes[c].images[0].get_array(), maps["conv2"][..., c]
        )
        assert fig.axes[c].get_title() == str(c)
    assert fig._suptitle.get_text() == "conv2 14x14x16 (all 16 channels)"
    some = figures.show_feature_maps(maps["conv2"], "conv2", max_channels=6)
    assert sum(bool(ax.images) for ax in some.axes) == 6
    assert some._suptitle.get_text() == "conv2 14x14x16 (6 of 16 channels)"
    # signed maps (before ReLU) on a scale symmetric about 0, ReLU maps from 0
    assert fig.axes[0].images[0].get_clim()[0] == -fig.axes[0].images[0].get_clim()[1]
    relu = figures.show_feature_maps(maps["relu2"], "relu2")
    assert relu.axes[0].images[0].get_clim()[0] == 0


def test_show_filters_draws_the_first_layers_filters(cnn):
    filters = models.conv_filters(cnn, "conv1")
    fig = figures.show_filters(filters, "conv1: 6 filters of 5x5 (red +, blue -)")
    assert fig._suptitle.get_text() == "conv1: 6 filters of 5x5 (red +, blue -)"
    shown = [ax for ax in fig.axes if ax.images]
    assert [ax.get_title() for ax in shown] == [str(c) for c in range(6)]
    for c, ax in enumerate(shown):
        np.testing.assert_array_equal(ax.images[0].get_array(), filters[c])
        low, high = ax.images[0].get_clim()  # each its own scale, white at 0
        assert low == -high == -np.abs(filters[c]).max()


def test_show_top_digits_shows_the_chosen_digits_and_scores(cnn, mnist):
    idx, scores = models.top_activating(cnn, mnist.x_test[:50], "conv1", 0, 8)
    fig = figures.show_top_digits(mnist.x_test, idx, scores, mnist.y_test, "top")
    shown = [ax for ax in fig.axes if ax.images]
    assert len(shown) == 8
    for ax, i, s in zip(shown, idx, scores):
        np.testing.assert_array_equal(ax.images[0].get_array(), mnist.x_test[i])
        assert ax.get_title() == f"label {mnist.y_test[i]}\nmax {s:.1f}"


def test_draw_filter_view_shows_filter_map_and_favourites(cnn, mnist):
    digit, pool = mnist.x_test[0], mnist.x_test[:20]
    fig = figures.draw_filter_view(cnn, digit, pool, "conv1", 2)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[:2] == ["conv1 filter 2", "map 2"]
    np.testing.assert_array_equal(
        fig.axes[0].images[0].get_array(), models.conv_filters(cnn, "conv1")[2]
    )
    np.testing.assert_allclose(
        fig.axes[1].images[0].get_array(),
        models.feature_maps(cnn, digit, ["conv1"])["conv1"][..., 2],
    )
    idx, scores = models.top_activating(cnn, pool, "conv1", 2, 4)
    assert titles[2:6] == [f"top: {s:.1f}" for s in scores]
    for ax, i in zip(fig.axes[2:6], idx):
        np.testing.assert_array_equal(ax.images[0].get_array(), pool[i])
    # a pooling layer has no filter: only its map and favourite digits
    fig = figures.draw_filter_view(cnn, digit, pool, "pool1", 1)
    assert not fig.axes[0].images and fig.axes[1].get_title() == "map 1"


def test_filter_animation_has_one_different_frame_per_channel(cnn, mnist):
    html = figures.filter_animation(
        cnn, mnist.x_test[0], mnist.x_test[:20], "conv1", dpi=30
    )
    assert "<img" in html and 'title="Next frame"' in html
    frames = frames_of(html)
    assert len(frames) == 6
    assert len({f.tobytes() for f in frames}) == 6  # every channel looks different


# ------------------------------------------------- readable on the book's page
FIGURES = {
    "show_feature_maps-6": lambda c, m: figures.show_feature_maps(
        models.feature_maps(c, m.x_test[0])["conv1"], "conv1"
    ),
    "show_feature_maps-16": lambda c, m: figures.show_feature_maps(
        models.feature_maps(c, m.x_test[0])["relu2"], "relu2"
    ),
    "show_filters": lambda c, m: figures.show_filters(
        models.conv_filters(c, "conv2"), "conv2"
    ),
    "show_top_digits-8": lambda c, m: figures.show_top_digits(
        m.x_test,
        *models.top_activating(c, m.x_test[:50], "conv1", 0, 8),
        m.y_test,
        "top",
    ),
    "draw_filter_view": lambda c, m: figures.draw_filter_view(
        c, m.x_test[0], m.x_test[:20], "conv1", 0
    ),
}


@pytest.mark.parametrize("make", FIGURES, ids=list(FIGURES))
def test_figure_text_is_readable_on_the_page(make, cnn, mnist, tmp_path):
    """Issue 12: at a 1280 px window the column is ~700 px; wider images are shrunk."""
    fig = FIGURES[make](cnn, mnist)
    fig.savefig(
        tmp_path / "f.png", dpi=figures.PAGE_DPI, bbox_inches="tight"
    )  # as inline
    width = Image.open(tmp_path / "f.png").size[0]
    assert width <= figures.COLUMN_PX + 10, f"{width} px wide: the page would shrink it"
    px = figures.smallest_text_px(fig, figures.PAGE_DPI, width)
    assert px >= figures.MIN_TEXT_PX


def test_filter_animation_frames_fit_the_column_with_readable_text(cnn, mnist):
    html = figures.filter_animation(cnn, mnist.x_test[0], mnist.x_test[:20], "conv1")
    frames = frames_of(html)
    ((width, height),) = {f.size for f in frames}  # every frame the same size
    assert width <= figures.COLUMN_PX and height <= 500
    (dpi,) = {
        round(f.info["dpi"][0]) for f in frames
    }  # the resolution they were drawn at
    assert dpi == 90
    fig, axes = inside._filter_view_axes(4, dpi=90)  # the animation's layout
    figures.draw_filter_view(cnn, mnist.x_test[0], mnist.x_test[:20], "conv1", 0, axes)
    assert (fig.get_figwidth() * 90, fig.get_figheight() * 90) == pytest.approx(
        (width, height), abs=1
    )
    assert figures.smallest_text_px(fig, 90, width) >= figures.MIN_TEXT_PX
    # no text under LABEL_PT points: the page's text check counts on it
    assert min(t.get_fontsize() for t in figures.drawn_texts(fig)) >= figures.LABEL_PT
