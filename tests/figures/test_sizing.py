"""Every figure and animation of the book is readable on the web page (issue 12).

The page shows a figure's PNG at its natural size, shrunk to fit the content
column (``figures.COLUMN_PX``). Each figure function's output is measured with
the one measure, :func:`cnnlib.figures.smallest_text_px`: saved as the
notebook's inline backend saves it (``PAGE_DPI``, tight bounding box), its
smallest drawn text must be at least ``figures.MIN_TEXT_PX`` pixels high after
that shrinking. Animations are measured frame by frame, as the frames are
written into the page's HTML. (The browser test checks the built pages.)
"""

from __future__ import annotations

import base64
import io
import math
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.animation as mpl_animation  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

from cnnlib import figures, models, ops  # noqa: E402

RNG = np.random.default_rng(0)
DIGITS = RNG.integers(0, 256, size=(10, 28, 28))
HISTORY = {"cost": [0.5, 0.2, 0.1], "val_accuracy": [0.95, 0.97, 0.98]}
LABELS = np.arange(10)
MISREAD = np.where(LABELS % 3 == 0, (LABELS + 1) % 10, LABELS)  # four mistakes, in red
ARTICLE = {"cost": [0.739, 0.169, 0.100], "test_accuracy": [0.911, 0.960, 0.978]}


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def network():
    """The small network, untrained: sizes of text do not depend on the weights."""
    from cnnlib import models

    return models.build_model("small", seed=0)


def natural_size(fig) -> tuple[float, int]:
    """(smallest text in page px as the column shows the PNG, the PNG's width in px)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=figures.PAGE_DPI, bbox_inches="tight")
    width = Image.open(io.BytesIO(buf.getvalue())).size[0]
    return figures.smallest_text_px(fig, dpi=figures.PAGE_DPI, width_px=width), width


def _confusion() -> np.ndarray:
    cm = np.diag(np.full(10, 950))
    cm[4, 9], cm[7, 2] = 12, 3
    return cm


# Every function of cnnlib.figures that returns a figure, with typical arguments
# (several sizes where the layout depends on them).
FIGURES = {
    "show_images 10 digits": lambda m: figures.show_images(
        DIGITS, titles=[f"label {d}" for d in range(10)]
    ),
    "show_images 10 in a row asked": lambda m: figures.show_images(
        DIGITS, titles=list("0123456789"), ncols=10
    ),
    "show_images symmetric": lambda m: figures.show_images(
        RNG.normal(size=(4, 5, 5)),
        titles=list("abcd"),
        size=1.6,
        symmetric=True,
        suptitle="filters",
    ),
    "show_grid_values 5x5": lambda m: figures.show_grid_values(
        RNG.random((5, 5)), title="grid"
    ),
    "show_grid_values 12x12": lambda m: figures.show_grid_values(
        RNG.random((12, 12)), title="grid"
    ),
    "show_pipeline 6 stages": lambda m: figures.show_pipeline(
        {f"step {k}": RNG.random((28, 28)) for k in range(6)}
    ),
    "show_scores": lambda m: figures.show_scores(
        RNG.random(10), title="probabilities", highlight=3
    ),
    "show_node_diagram": lambda m: figures.show_node_diagram(
        {"out_1": [1, 2, 6, 7], "out_2": [2, 3, 7, 8]}, n_inputs=10, weight=0.5
    ),
    "draw_window_step": lambda m: figures.draw_window_step(
        ops.plan_window(
            RNG.random((5, 5)).round(1), "conv", np.full((3, 3), 0.5), padding="SAME"
        ),
        7,
    ),
    "feature_map_figure": lambda m: figures.feature_map_figure(
        RNG.random((28, 28)), np.eye(3), relu=True
    ),
    "show_history": lambda m: figures.show_history(HISTORY, reference=ARTICLE),
    "show_confusion": lambda m: figures.show_confusion(_confusion()),
    "show_predictions": lambda m: figures.show_predictions(
        DIGITS, LABELS, MISREAD, n=10
    ),
    "show_feature_maps 6": lambda m: figures.show_feature_maps(
        RNG.normal(size=(28, 28, 6)), title="conv1"
    ),
    "show_feature_maps 16 of 32": lambda m: figures.show_feature_maps(
        RNG.random((14, 14, 32)), title="conv2"
    ),
    "show_filters": lambda m: figures.show_filters(
        RNG.normal(size=(6, 5, 5)), title="conv1 filters"
    ),
    "show_top_digits": lambda m: figures.show_top_digits(
        DIGITS,
        np.arange(6),
        RNG.random(6) * 10,
        labels=np.arange(10),
        title="channel 0",
    ),
    "draw_filter_view": lambda m: figures.draw_filter_view(
        m, DIGITS[0], DIGITS, "conv1", 2
    ),
    "show_prediction steps": lambda m: figures.show_prediction(
        m, DIGITS[3].astype(np.uint8), "a digit"
    )[0],
    "show_prediction probabilities": lambda m: figures.show_prediction(
        m, DIGITS[3].astype(np.uint8), "a digit"
    )[1],
    "architecture_figure small network": lambda m: figures.architecture_figure(m),
    "architecture_figure large network": lambda m: figures.architecture_figure(
        models.build_model("large", seed=0),
        title="large",
    ),
}
NEEDS_MODEL = {
    "architecture_figure small network",
    "draw_filter_view",
    "show_prediction steps",
    "show_prediction probabilities",
}


@pytest.mark.parametrize("name", list(FIGURES))
def test_every_figure_keeps_its_text_readable_in_the_column(name, request):
    model = request.getfixturevalue("network") if name in NEEDS_MODEL else None
    fig = FIGURES[name](model)
    px, width = natural_size(fig)
    assert math.isfinite(px), f"{name}: no text measured"
    assert px >= figures.MIN_TEXT_PX, (
        f"{name}: smallest text {px:.1f} px on the page (figure {width} px wide)"
    )
    assert figures.smallest_text_px(fig) >= figures.MIN_TEXT_PX  # as drawn, too


def test_every_figure_function_is_measured():
    """A figure function added to cnnlib.figures must be added to FIGURES (or to the
    animations below, or be a widget)."""
    measured = {name.split()[0] for name in FIGURES} | {
        "window_animation",
        "feature_map_animation",
        "filter_animation",
    }
    widgets = {
        "window_explorer",
        "feature_map_explorer",
        "digit_predictor",
        "layer_filter_chooser",
        "DrawingGrid",
        "show",
        "panel_grid",
    }
    public = {
        name
        for name in figures.__all__
        if callable(getattr(figures, name))
        and name not in {"drawn_texts", "smallest_text_px"}
    }
    assert public - widgets == measured


# --------------------------------------------------------------------------
# the measure itself can fail
# --------------------------------------------------------------------------
def test_the_measure_sees_small_and_shrunk_text():
    small, ax = plt.subplots(figsize=(4, 3))
    ax.set_axis_off()
    ax.text(0.5, 0.5, "tiny", fontsize=6)
    assert figures.smallest_text_px(small, dpi=100) == pytest.approx(6 * 100 / 72)
    assert figures.smallest_text_px(small, dpi=100) < figures.MIN_TEXT_PX

    wide, ax = plt.subplots(figsize=(14, 3))
    ax.set_axis_off()
    ax.text(0.5, 0.5, "ten points", fontsize=10)
    # 1400 px wide: the column shows it at half size, 13.9 px text becomes 6.9 px
    assert figures.smallest_text_px(wide, dpi=100) == pytest.approx(10 * 100 / 72 / 2)


def test_the_measure_ignores_what_is_not_drawn():
    fig, (shown, hidden) = plt.subplots(1, 2, figsize=(4, 2))
    shown.set_axis_off()  # its tick labels are not drawn
    shown.set_title("title", fontsize=12)
    hidden.set_visible(False)
    hidden.set_title("hidden", fontsize=5)
    fig.text(0.1, 0.1, "   ", fontsize=4)  # blank text draws nothing
    assert [t.get_text() for t in figures.drawn_texts(fig)] == ["title"]
    assert figures.smallest_text_px(fig, dpi=100) == pytest.approx(12 * 100 / 72)
    assert figures.smallest_text_px(plt.figure()) == float("inf")


def test_panel_grid_fits_the_column():
    fig, axes = figures.panel_grid(20, max_cols=8, size=2.0)
    assert len(axes) == 20 and fig.get_figwidth() <= figures.MAX_WIDTH_IN + 1e-9
    assert figures.MAX_WIDTH_IN * figures.PAGE_DPI == figures.COLUMN_PX == 700
    assert figures.LABEL_PT * figures.PAGE_DPI / 72 >= figures.MIN_TEXT_PX == 11.0


# --------------------------------------------------------------------------
# animations: each frame, as it is written into the page's HTML
# --------------------------------------------------------------------------
class FrameTextRecorder(mpl_animation.HTMLWriter):
    """An HTMLWriter that notes each frame's smallest text (page px), width (px) and
    smallest font size (points)."""

    frames: list[tuple[float, float, float]] = []

    def grab_frame(self, **savefig_kwargs):
        points = min(
            (t.get_fontsize() for t in figures.drawn_texts(self.fig)), default=math.inf
        )
        FrameTextRecorder.frames.append(
            (
                figures.smallest_text_px(self.fig, dpi=self.dpi),
                self.fig.get_figwidth() * self.dpi,
                points,
            )
        )
        super().grab_frame(**savefig_kwargs)


@pytest.fixture()
def frames(monkeypatch):
    """The (smallest text, width, smallest points) of every frame an animation
    writes."""
    FrameTextRecorder.frames = []
    monkeypatch.setattr(
        mpl_animation, "HTMLWriter", FrameTextRecorder
    )  # to_jshtml's writer
    return FrameTextRecorder.frames


def frame_widths(html: str) -> list[int]:
    pngs = re.findall(r"data:image/png;base64,([A-Za-z0-9+/=\\\n]+)", html)
    return [
        Image.open(
            io.BytesIO(base64.b64decode(p.replace("\\\n", "").replace("\n", "")))
        ).size[0]
        for p in pngs
    ]


ANIMATIONS = {
    "window_animation conv SAME": lambda m: figures.window_animation(
        ops.plan_window(
            RNG.random((4, 4)).round(1), "conv", np.full((3, 3), 0.5), padding="SAME"
        )
    ),
    "window_animation max": lambda m: figures.window_animation(
        ops.plan_window(np.arange(16.0).reshape(4, 4), "max", size=2, stride=2)
    ),
    "feature_map_animation": lambda m: figures.feature_map_animation(
        RNG.random((28, 28)), np.array([[1.0, 0.0, -1.0]] * 3), rows_per_frame=7
    ),
    "filter_animation": lambda m: figures.filter_animation(m, DIGITS[0], DIGITS),
}


@pytest.mark.parametrize("name", list(ANIMATIONS))
def test_every_animation_frame_keeps_its_text_readable(name, frames, request):
    model = request.getfixturevalue("network") if name == "filter_animation" else None
    html = ANIMATIONS[name](model)
    widths = frame_widths(html)
    assert len(frames) == len(widths) >= 3  # every frame was measured
    for n, ((px, width, points), png_width) in enumerate(zip(frames, widths)):
        assert (
            png_width == round(width) and png_width <= figures.COLUMN_PX
        )  # shown unscaled
        assert math.isfinite(px), f"{name}: frame {n} has no text measured"
        assert px >= figures.MIN_TEXT_PX, (
            f"{name}: frame {n}'s smallest text is {px:.1f} px"
        )
        # tests/web/test_site.py reads an animation's smallest text from this floor
        assert points >= figures.LABEL_PT, f"{name}: frame {n} has {points} pt text"
