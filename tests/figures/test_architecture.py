"""cnnlib.figures.architecture_figure draws the layer table it is given, box by box."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402
from PIL import Image  # noqa: E402

from cnnlib import figures, models  # noqa: E402
from tests.clear_errors import assert_clear_error  # noqa: E402

ROWS = [
    models.LayerBox("digits", "input", "input", (28, 28, 1), 0),
    models.LayerBox("c", "conv", "conv 3x3, 24 filters, ReLU", (28, 28, 24), 240),
    models.LayerBox("p", "pool", "max pool 2x2 / 2", (14, 14, 24), 0),
    models.LayerBox("drop", "dropout", "dropout 0.25", (14, 14, 24), 0),
    models.LayerBox("f", "flatten", "flatten", (4704,), 0),
    models.LayerBox("out", "dense", "dense 10", (10,), 47050),
]


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def labels(fig) -> list[str]:
    """Every text the figure draws, in drawing order, line breaks read as spaces."""
    return [" ".join(t.get_text().split()) for t in figures.drawn_texts(fig)]


def table_labels(rows) -> list[str]:
    """What the figure must write for each layer: name, what it does, output shape."""
    out = []
    for r in rows:
        shape = f"{r.shape[0]:,}" if len(r.shape) == 1 else "x".join(map(str, r.shape))
        out += [r.name, r.what, f"→ {shape}"]
    return out


def boxes(fig) -> list[Rectangle]:
    """The front face of each layer's drawing, in the layers' order."""
    return [p for p in fig.axes[0].patches if isinstance(p, Rectangle)]


@pytest.mark.parametrize("arch", models.ARCHS)
def test_the_labels_are_the_layer_table(arch):
    model = models.build_model(arch)
    rows = models.architecture(model)
    assert labels(figures.architecture_figure(rows)) == table_labels(rows)
    assert labels(figures.architecture_figure(model)) == table_labels(rows)
    assert "→ 28x28x1" in labels(figures.architecture_figure(model))


def test_long_descriptions_wrap_but_say_the_same():
    fig = figures.architecture_figure(ROWS, per_row=3, title="a net")
    assert labels(fig) == ["a net", *table_labels(ROWS)]
    assert any("\n" in t.get_text() for t in figures.drawn_texts(fig))
    png = io.BytesIO()
    fig.savefig(png, format="png", dpi=figures.PAGE_DPI, bbox_inches="tight")
    assert Image.open(png).size[0] == figures.COLUMN_PX  # shown unshrunk, full width


def test_box_sizes_follow_the_shapes():
    heights = [b.get_height() for b in boxes(figures.architecture_figure(ROWS))]
    assert len(heights) == len(ROWS)
    digits, conv, pool, drop, flat, dense = heights
    assert digits == conv == pytest.approx(2 * pool)  # 28 rows vs 14 rows
    assert drop == pytest.approx(pool)
    assert flat > dense > 0  # 4,704 values draw a longer bar than 10


def test_more_layers_per_row_make_fewer_rows():
    tall = figures.architecture_figure(ROWS, per_row=2).get_figheight()
    short = figures.architecture_figure(ROWS, per_row=6).get_figheight()
    assert short < tall


BAD = {
    "not a model": (
        lambda: figures.architecture_figure("small"),
        TypeError,
        r"^model_or_rows must be a Keras model .* got str$",
    ),
    "no layers": (
        lambda: figures.architecture_figure([]),
        ValueError,
        r"^model_or_rows must hold at least one layer, got none$",
    ),
    "not rows": (
        lambda: figures.architecture_figure([ROWS[0], (1, 2)]),
        TypeError,
        r"^model_or_rows\[1\] must be a models.LayerBox, got tuple$",
    ),
    "per_row 0": (
        lambda: figures.architecture_figure(ROWS, per_row=0),
        ValueError,
        r"^per_row must be >= 1, got 0$",
    ),
    "per_row float": (
        lambda: figures.architecture_figure(ROWS, per_row=2.5),
        TypeError,
        r"^per_row must be a whole number, got 2.5$",
    ),
}


@pytest.mark.parametrize("case", list(BAD))
def test_a_bad_argument_is_a_one_line_error_naming_it(case):
    call, error, match = BAD[case]
    assert_clear_error(call, error, match)
    assert plt.get_fignums() == []  # refused before anything was drawn
