"""Figures and animations are readable on the web page (issue 12).

The book's content column is about 740 CSS px wide at a 1280 px window
(``tests/test_site.py`` measures it); a figure wider than that is shrunk.
Each ``cnnlib.viz`` figure, saved as the notebook's inline backend saves it
(100 dpi, tight bounding box), must keep its smallest text at least 11 px high
after that shrinking. The browser test checks the pages themselves.
"""
from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

from cnnlib import anim, viz  # noqa: E402

COLUMN_PX = 740
MIN_PX = 11.0
DPI = 100


def displayed_min_font(fig) -> tuple[float, int]:
    """(smallest text in CSS px as the page shows it, the PNG's width in px)."""
    fig.set_dpi(DPI)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight")
    width = Image.open(io.BytesIO(buf.getvalue())).size[0]
    scale = min(1.0, COLUMN_PX / width)
    return anim.min_font_px(fig) * scale, width


rng = np.random.default_rng(0)
DIGITS = rng.integers(0, 256, size=(10, 28, 28))
FIGURES = {
    "show_images 10 digits": lambda: viz.show_images(DIGITS, titles=[f"label {d}" for d in range(10)]),
    "show_images 10 in a row asked": lambda: viz.show_images(DIGITS, titles=list("0123456789"), ncols=10),
    "show_images symmetric": lambda: viz.show_images(rng.normal(size=(4, 5, 5)), titles=list("abcd"),
                                                     size=1.6, symmetric=True),
    "show_grid_values 5x5": lambda: viz.show_grid_values(rng.random((5, 5)), title="grid"),
    "show_grid_values 12x12": lambda: viz.show_grid_values(rng.random((12, 12)), title="grid"),
    "show_pipeline 6 stages": lambda: viz.show_pipeline({f"step {k}": rng.random((28, 28)) for k in range(6)}),
    "show_scores": lambda: viz.show_scores(rng.random(10), title="probabilities", highlight=3),
    "show_node_diagram": lambda: viz.show_node_diagram({"out_1": [1, 2, 6, 7], "out_2": [2, 3, 7, 8]},
                                                       n_inputs=10, weight=0.5),
}


@pytest.mark.parametrize("name", list(FIGURES))
def test_viz_figures_keep_text_readable_in_the_column(name):
    fig = FIGURES[name]()
    try:
        px, width = displayed_min_font(fig)
    finally:
        plt.close(fig)
    assert px >= MIN_PX, f"{name}: smallest text {px:.1f} px on the page (figure {width} px wide)"


def test_animation_frames_record_a_readable_text_size():
    grid = rng.random((5, 5)).round(1)
    html = anim.window_animation(anim.plan_window(grid, "conv", np.full((3, 3), 0.5), padding="SAME"))
    import base64
    import re

    first = re.search(r"data:image/png;base64,([A-Za-z0-9+/=\\\n]+)", html).group(1)
    png = Image.open(io.BytesIO(base64.b64decode(first.replace("\\\n", "").replace("\n", ""))))
    assert png.size[0] <= COLUMN_PX
    assert float(png.text[anim.FONT_KEY]) >= MIN_PX
