"""The architecture figure of a network (chapter 5), drawn from its layer table.

    architecture_figure(model)   every layer as a box of its output's shape

The layers come from :func:`cnnlib.models.architecture`, which reads them from the
model itself, so the figure cannot drift from the network; this module only draws.
"""

from __future__ import annotations

import math
import textwrap
from typing import Optional, Sequence

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, Polygon, Rectangle

from ..core import checks
from ..models import layout
from . import sizing

#: Face colour of each kind of layer (see :class:`cnnlib.models.LayerBox`).
COLOURS = {
    "input": "0.75",
    "scale": "0.88",
    "conv": "#4c72b0",
    "relu": "#dd8452",
    "pool": "#55a868",
    "flatten": "0.6",
    "dense": "#8172b3",
    "dropout": "#c4ad66",
    "other": "0.8",
}
SIDE_IN = 0.55  # height of a 28-pixel-high map, in inches; a map's box scales with it
BAR_IN = 0.14  # width of the bar of a vector (flatten, dense)
LINE_IN = sizing.LABEL_PT * 1.3 / 72  # one line of label text, in inches
WRAP = 21  # characters per label line; longer descriptions wrap at a space


def _shape_text(shape: Sequence[int]) -> str:
    """A layer's output shape as the figure writes it: ``"28x28x32"``, ``"3,136"``."""
    if len(shape) == 1:
        return f"{shape[0]:,}"
    return "x".join(str(d) for d in shape) or "1"


def _rows(model_or_rows) -> list[layout.LayerBox]:
    """The layer table of a Keras model, or the given rows checked."""
    if hasattr(model_or_rows, "layers"):
        return layout.architecture(model_or_rows)
    if isinstance(model_or_rows, (str, bytes)) or not isinstance(
        model_or_rows, Sequence
    ):
        raise TypeError(
            "model_or_rows must be a Keras model or a list of "
            f"models.LayerBox rows, got {type(model_or_rows).__name__}"
        )
    rows = list(model_or_rows)
    if not rows:
        raise ValueError("model_or_rows must hold at least one layer, got none")
    for i, row in enumerate(rows):
        if not isinstance(row, layout.LayerBox):
            raise TypeError(
                f"model_or_rows[{i}] must be a models.LayerBox, "
                f"got {type(row).__name__}"
            )
    return rows


def _extent(row: layout.LayerBox) -> tuple[float, float, float, float]:
    """``(width, height, depth_x, depth_y)`` of a layer's drawing, in inches.

    A map ``(H, W, C)`` is a box ``W`` by ``H`` (28 pixels = :data:`SIDE_IN`) whose
    depth grows with log2 of its channels; a vector ``(N,)`` is a bar whose height
    grows with log10 of its length.
    """
    if len(row.shape) >= 2:
        h, w = row.shape[0], row.shape[1]
        channels = row.shape[2] if len(row.shape) > 2 else 1
        depth = 0.05 * (1 + math.log2(max(channels, 1)))
        return SIDE_IN * w / 28, SIDE_IN * h / 28, depth, depth * 0.55
    n = row.shape[0] if row.shape else 1
    height = min(1.3 * SIDE_IN, 0.08 + 0.16 * math.log10(max(n, 1)))
    return BAR_IN, height, 0.0, 0.0


def _draw_layer(ax: Axes, row: layout.LayerBox, x: float, mid: float) -> float:
    """Draw one layer centred on ``(x, mid)``; return the x of its right edge."""
    w, h, dx, dy = _extent(row)
    x0, y0 = x - (w + dx) / 2, mid - (h + dy) / 2
    colour = COLOURS.get(row.kind, COLOURS["other"])
    edge = dict(edgecolor="0.25", linewidth=0.8)
    if dx:
        top = [(x0, y0 + h), (x0 + dx, y0 + h + dy), (x0 + w + dx, y0 + h + dy)]
        ax.add_patch(Polygon([*top, (x0 + w, y0 + h)], facecolor=colour, **edge))
        side = [(x0 + w, y0), (x0 + w + dx, y0 + dy), (x0 + w + dx, y0 + h + dy)]
        ax.add_patch(Polygon([*side, (x0 + w, y0 + h)], facecolor=colour, **edge))
        ax.add_patch(Polygon([*side, (x0 + w, y0 + h)], facecolor="black", alpha=0.25))
    ax.add_patch(Rectangle((x0, y0), w, h, facecolor=colour, **edge))
    return x0 + w + dx


def _arrow(ax: Axes, points: list[tuple[float, float]]) -> None:
    """A grey line through ``points`` with an arrow head at the last one."""
    xs, ys = zip(*points[:-1])
    ax.plot(xs, ys, color="0.35", linewidth=1.0, solid_capstyle="butt")
    ax.add_patch(
        FancyArrowPatch(
            points[-2],
            points[-1],
            arrowstyle="-|>",
            mutation_scale=10,
            color="0.35",
            linewidth=1.0,
            shrinkA=0,
            shrinkB=1,
        )
    )


def architecture_figure(
    model_or_rows, per_row: int = 4, title: Optional[str] = None
) -> Figure:
    """Draw a network as the classic CNN diagram: its layers left to right, each a
    box of its output's shape, labelled with its name, what it does and that shape.

    A map ``(H, W, C)`` is drawn as a box ``W`` wide and ``H`` high (to scale: 14x14
    is half of 28x28) with a depth that grows with the logarithm of its ``C``
    channels; a vector ``(N,)`` (flatten, dense layers) as a bar whose height grows
    with the logarithm of ``N``. Each layer gets three labels: its name above the
    box; below it, what it does (``"conv 5x5, 32 filters"``) and its output shape
    (``"→ 28x28x32"``, ``"→ 3,136"``). Rows of ``per_row`` layers fill the page's
    column; an arrow leads from each row to the next.

    Args:
        model_or_rows: a built Keras model (read by
            :func:`cnnlib.models.architecture`) or the list of
            :class:`cnnlib.models.LayerBox` rows it returns.
        per_row: layers per row (4 keeps every label on the column's width).
        title: a title over the figure, or ``None``.

    Returns:
        The figure; saved with a tight bounding box (as the notebook shows it), it is
        :data:`~.sizing.MAX_WIDTH_IN` wide.

    Raises:
        TypeError: ``model_or_rows`` is neither a model nor a list of ``LayerBox``.
        ValueError: no layers, or ``per_row`` below 1.
    """
    rows = _rows(model_or_rows)
    per_row = checks.int_in(per_row, "per_row", 1)
    lines = [rows[i : i + per_row] for i in range(0, len(rows), per_row)]
    texts = [textwrap.fill(r.what, WRAP, break_long_words=False) for r in rows]
    n_text = max(t.count("\n") + 1 for t in texts) + 1  # + the shape line
    boxes_in = [max(_extent(r)[1] + _extent(r)[3] for r in line) for line in lines]
    name_in, gap_in = LINE_IN + 0.06, 0.22
    rows_in = [name_in + b + 0.08 + n_text * LINE_IN + gap_in for b in boxes_in]
    head_in = 0.35 if title else 0.0
    width = sizing.MAX_WIDTH_IN - 0.2  # a saved PNG adds 0.1 inch on each side
    height = head_in + sum(rows_in) - gap_in
    fig = plt.figure(figsize=(width, height))
    ax = fig.add_axes((0, 0, 1, 1))  # data coordinates are inches
    ax.set(xlim=(0, width), ylim=(0, height))
    ax.set_axis_off()
    if title:
        _text(ax, width / 2, height - 0.05, title, sizing.TITLE_PT, weight="bold")
    cell = (width - 0.3) / per_row
    top, texts_left, came_from = height - head_in, iter(texts), None
    for line, box_in, row_in in zip(lines, boxes_in, rows_in):
        mid = top - name_in - box_in / 2
        for j, row in enumerate(line):
            x = 0.15 + cell * (j + 0.5)
            w, _, dx, _ = _extent(row)
            into = (x - (w + dx) / 2 - 0.04, mid)
            if j > 0:
                _arrow(ax, [came_from, into])
            elif came_from is not None:  # round from the end of the row above
                py, below = came_from[1], top + gap_in / 2
                edges = [(width - 0.05, py), (width - 0.05, below), (0.05, below)]
                _arrow(ax, [came_from, *edges, (0.05, mid), into])
            came_from = (_draw_layer(ax, row, x, mid), mid)
            _text(ax, x, top - 0.02, row.name, weight="bold")
            what, below_box = next(texts_left), top - name_in - box_in - 0.08
            _text(ax, x, below_box, what, linespacing=LINE_IN * 72 / sizing.LABEL_PT)
            below_what = below_box - (what.count("\n") + 1) * LINE_IN
            _text(ax, x, below_what, f"→ {_shape_text(row.shape)}")
        top -= row_in
    return fig


def _text(
    ax: Axes, x: float, y: float, text: str, size: float = sizing.LABEL_PT, **style
) -> None:
    """``text`` centred on ``x``, hanging from ``y``."""
    ax.text(x, y, text, ha="center", va="top", fontsize=size, **style)
