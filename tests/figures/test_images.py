"""Tests of cnnlib.figures.images: the static figures of chapters 1-4 draw what they
are given (the pictures, values, bars and lines themselves), fit the column, and
refuse bad input by name. (Text sizes of every figure: test_sizing.py.)"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402

from cnnlib import figures  # noqa: E402

RNG = np.random.default_rng(0)
DIGITS = RNG.integers(0, 256, size=(7, 28, 28))


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def shown_axes(fig):
    return [ax for ax in fig.axes if ax.images]


# --------------------------------------------------------------------------
# show_images
# --------------------------------------------------------------------------
def test_show_images_draws_each_picture_with_its_title():
    fig = figures.show_images(
        DIGITS, titles=[f"d{i}" for i in range(7)], ncols=3, suptitle="seven digits"
    )
    axes = shown_axes(fig)
    assert len(axes) == 7 and len(fig.axes) == 9  # 3 rows of 3, two panels unused
    assert [ax.get_title() for ax in axes] == [f"d{i}" for i in range(7)]
    for ax, d in zip(axes, DIGITS):
        np.testing.assert_array_equal(ax.images[0].get_array(), d)
        assert ax.images[0].get_cmap().name == "gray"
    assert fig._suptitle.get_text() == "seven digits"


@pytest.mark.parametrize("shape", [(28, 28), (28, 28, 1), (1, 28, 28, 1)])
def test_show_images_takes_each_picture_shape(shape):
    fig = figures.show_images([np.ones(shape)])
    assert shown_axes(fig)[0].images[0].get_array().shape == (28, 28)


def test_show_images_fits_the_column_whatever_ncols():
    for ncols in (None, 10, 12):
        fig = figures.show_images(np.zeros((12, 5, 5)), ncols=ncols)
        assert fig.get_figwidth() <= figures.MAX_WIDTH_IN + 1e-9


def test_show_images_symmetric_scale_is_centred_on_zero():
    pic = np.array([[-1.0, 0.5], [0.25, 0.0]])
    (ax,) = shown_axes(figures.show_images([pic], symmetric=True))
    assert (
        ax.images[0].get_clim() == (-1.0, 1.0)
        and ax.images[0].get_cmap().name == "RdBu_r"
    )


@pytest.mark.parametrize(
    "call, error, message",
    [
        (
            lambda: figures.show_images(DIGITS[:3], titles=["a"]),
            ValueError,
            r"got 3 pictures but 1 titles",
        ),
        (
            lambda: figures.show_images([]),
            ValueError,
            r"needs at least one picture, got none",
        ),
        (
            lambda: figures.show_images(np.full((2, 28, 28), np.nan)),
            ValueError,
            r"images\[0\] contains NaN",
        ),
        (
            lambda: figures.show_images([np.ones((2, 3, 4))]),
            ValueError,
            r"images\[0\] must be one 2-D picture .* got shape \(2, 3, 4\)",
        ),
        (
            lambda: figures.show_images([np.array([["a"]])]),
            TypeError,
            r"images\[0\] must hold numbers",
        ),
        (
            lambda: figures.show_images(DIGITS, ncols=0),
            ValueError,
            r"ncols must be >= 1, got 0",
        ),
    ],
)
def test_show_images_refuses_by_name(call, error, message):
    with pytest.raises(error, match=message):
        call()


# --------------------------------------------------------------------------
# show_grid_values
# --------------------------------------------------------------------------
def test_show_grid_values_writes_every_value_in_its_cell():
    grid = np.array([[0.0, 1.25], [2.5, 3.75], [5.0, 6.0]])
    fig = figures.show_grid_values(grid, fmt="{:.2f}", title="a grid")
    (ax,) = fig.axes
    cells = {
        (round(t.get_position()[1]), round(t.get_position()[0])): t.get_text()
        for t in ax.texts
    }
    assert cells == {(i, j): f"{v:.2f}" for (i, j), v in np.ndenumerate(grid)}
    assert ax.get_title() == "a grid"
    np.testing.assert_array_equal(ax.images[0].get_array(), grid)
    dark = {t.get_text(): t.get_color() for t in ax.texts}
    assert (
        dark["6.00"] == "white" and dark["0.00"] == "black"
    )  # readable on dark and light


def test_show_grid_values_draws_into_given_axes_and_fits_the_column():
    fig, ax = plt.subplots()
    assert figures.show_grid_values(np.eye(2), ax=ax) is fig
    assert (
        figures.show_grid_values(np.zeros((12, 12))).get_figwidth()
        <= figures.MAX_WIDTH_IN
    )
    flat = figures.show_grid_values(np.full((3, 3), 4.0))  # one value: all black text
    assert {t.get_color() for t in flat.axes[0].texts} == {"black"}


# --------------------------------------------------------------------------
# show_pipeline
# --------------------------------------------------------------------------
def test_show_pipeline_titles_each_stage_with_its_shape_and_signs_its_colours():
    stages = {
        "input": np.ones((28, 28)),
        "conv": RNG.normal(size=(28, 28)),
        "pool": np.ones((14, 14)),
    }
    fig = figures.show_pipeline(stages)
    axes = shown_axes(fig)
    assert [ax.get_title() for ax in axes] == [
        "input\n28x28",
        "conv\n28x28",
        "pool\n14x14",
    ]
    assert [ax.images[0].get_cmap().name for ax in axes] == ["gray", "RdBu_r", "gray"]
    lo, hi = axes[1].images[0].get_clim()
    assert lo == -hi  # negative values: centred on 0


def test_show_pipeline_wraps_rows_within_the_column():
    fig = figures.show_pipeline({f"s{k}": np.ones((4, 4)) for k in range(8)}, size=2.0)
    assert len(shown_axes(fig)) == 8 and fig.get_figwidth() <= figures.MAX_WIDTH_IN
    assert (
        len({round(ax.get_position().y0, 3) for ax in shown_axes(fig)}) > 1
    )  # several rows


def test_show_pipeline_refuses_by_name():
    with pytest.raises(ValueError, match="needs at least one stage, got none"):
        figures.show_pipeline({})
    with pytest.raises(ValueError, match=r"stage 'pool' must be one 2-D picture"):
        figures.show_pipeline({"input": np.ones((4, 4)), "pool": np.ones((2, 2, 2))})


# --------------------------------------------------------------------------
# show_scores
# --------------------------------------------------------------------------
def test_show_scores_draws_ten_bars_and_highlights_one():
    scores = np.linspace(0.0, 0.9, 10)
    fig = figures.show_scores(scores, title="probabilities", highlight=3)
    (ax,) = fig.axes
    bars = ax.patches
    assert len(bars) == 10
    np.testing.assert_allclose([b.get_height() for b in bars], scores)
    colours = [to_hex(b.get_facecolor()) for b in bars]
    assert colours[3] != colours[0] and len(set(colours)) == 2
    assert ax.get_title() == "probabilities" and ax.get_xlabel() == "digit"
    assert (
        len(
            {
                to_hex(b.get_facecolor())
                for b in figures.show_scores(scores).axes[0].patches
            }
        )
        == 1
    )


@pytest.mark.parametrize(
    "call, message",
    [
        (
            lambda: figures.show_scores(np.zeros((2, 2))),
            r"scores must hold 10 values .* got shape \(2, 2\)",
        ),
        (
            lambda: figures.show_scores(np.zeros(10), highlight=12),
            r"highlight must be a digit 0\.\.9 .* got 12",
        ),
        (lambda: figures.show_scores(np.zeros(10), highlight=True), r"got True"),
        (
            lambda: figures.show_scores(np.full(10, np.inf)),
            r"scores contains NaN or infinite",
        ),
    ],
)
def test_show_scores_refuses_by_name(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# --------------------------------------------------------------------------
# show_node_diagram
# --------------------------------------------------------------------------
def test_show_node_diagram_draws_one_line_per_connection():
    connections = {"out_1": [1, 2, 6, 7], "out_2": [2, 3, 7, 8]}
    fig = figures.show_node_diagram(connections, n_inputs=10, weight=0.5)
    (ax,) = fig.axes
    assert len(ax.lines) == 8
    assert (
        len({to_hex(line.get_color()) for line in ax.lines}) == 2
    )  # a colour per output
    labels = [t.get_text() for t in ax.texts]
    assert (
        labels[:2] == ["out_1", "out_2"]
        and [f"in_{i}" for i in range(1, 11)] == labels[2:]
    )
    unused = {t.get_text(): t.get_color() for t in ax.texts}
    assert unused["in_10"] != unused["in_1"]  # not connected: grey
    assert ax.get_title() == "every line has weight 0.5"


@pytest.mark.parametrize(
    "call, error, message",
    [
        (
            lambda: figures.show_node_diagram({"a": [7]}, n_inputs=3),
            ValueError,
            r"a connects to input nodes \[7\], outside 1\.\.3",
        ),
        (
            lambda: figures.show_node_diagram({"a": [0, 1]}, n_inputs=3),
            ValueError,
            r"nodes \[0\]",
        ),
        (
            lambda: figures.show_node_diagram({"a": [1]}, n_inputs=0),
            ValueError,
            r"n_inputs must be >= 1, got 0",
        ),
        (
            lambda: figures.show_node_diagram({"a": [1]}, n_inputs=2.0),
            TypeError,
            r"n_inputs must be a whole number, got 2\.0",
        ),
    ],
)
def test_show_node_diagram_refuses_by_name(call, error, message):
    with pytest.raises(error, match=message):
        call()
