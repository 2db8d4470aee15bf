"""One sizing policy for every figure of the book: the column's width, one font floor.

The book shows a figure's PNG at its natural size, shrunk to fit the content
column (:data:`COLUMN_PX`, about 700 px at a 1280 px browser window). Text is
readable at :data:`MIN_TEXT_PX` or more on the page, that is::

    font points * dpi / 72 * min(1, COLUMN_PX / image width in px) >= MIN_TEXT_PX

Figures are at most :data:`MAX_WIDTH_IN` wide, so at the notebook's
:data:`PAGE_DPI` they are never shrunk, and their smallest text is
:data:`LABEL_PT` points (10 pt * 100 / 72 = 13.9 px). :func:`smallest_text_px`
measures a figure against the policy; the tests measure every figure with it.
"""

from __future__ import annotations

import math
from typing import Optional

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.text import Text

#: Pixels per inch of figures shown in a notebook (matplotlib's default figure.dpi).
PAGE_DPI = 100
#: Width of the book's content column in pixels at a 1280 px window (conservative).
COLUMN_PX = 700
#: Widest figure, in inches, that the column shows without shrinking it.
MAX_WIDTH_IN = COLUMN_PX / PAGE_DPI
#: Smallest text: panel titles, tick labels, numbers in cells (points).
LABEL_PT = 10
#: Figure and panel titles (points).
TITLE_PT = 11
#: The font floor: no text on the page smaller than this many pixels.
MIN_TEXT_PX = 11.0


def panel_grid(
    n: int,
    max_cols: int = 6,
    size: float = 1.1,
    title_lines: int = 1,
    dpi: Optional[int] = None,
) -> tuple[Figure, np.ndarray]:
    """A figure of ``n`` square panels in balanced rows of at most ``max_cols``.

    Panels are ``size`` inches, smaller if needed so the figure stays within
    :data:`MAX_WIDTH_IN`; ``title_lines`` lines of :data:`LABEL_PT` text above
    each panel are allowed for. Unused panels are hidden.

    Returns:
        ``(figure, axes)``: ``axes`` is a flat array of ``n`` axes, axis lines off.
    """
    rows = math.ceil(n / max_cols)
    cols = math.ceil(n / rows)
    side = min(size, MAX_WIDTH_IN / cols)
    head = title_lines * LABEL_PT * 1.6 / 72  # inches of title text per row
    fig, axes = plt.subplots(
        rows,
        cols,
        figsize=(side * cols, (side + head) * rows + 0.3),
        squeeze=False,
        dpi=dpi,
    )
    flat = axes.ravel()
    for ax in flat:
        ax.set_axis_off()
    return fig, flat[:n]


def drawn_texts(fig: Figure) -> list[Text]:
    """The visible, non-empty texts of ``fig`` that are drawn (tick labels of axes that
    are switched off, or of hidden axes, are not)."""
    fig.canvas.draw()  # tick labels exist once the figure is drawn
    hidden: set[int] = set()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if not (ax.get_visible() and ax.axison and axis.get_visible()):
                hidden.update(id(t) for t in axis.get_ticklabels())
                hidden.add(id(axis.label))
        if not ax.get_visible():
            hidden.update(id(t) for t in ax.findobj(Text))
    return [
        t
        for t in fig.findobj(Text)
        if id(t) not in hidden and t.get_visible() and t.get_text().strip()
    ]


def smallest_text_px(
    fig: Figure, dpi: Optional[float] = None, width_px: Optional[float] = None
) -> float:
    """Height in page pixels of ``fig``'s smallest drawn text (``inf`` if none).

    ``dpi``: the resolution the figure is shown at (default: its own);
    ``width_px``: the image's width (default: the figure's width at ``dpi``). An
    image wider than :data:`COLUMN_PX` is shrunk to fit, and its text with it.
    """
    dpi = fig.dpi if dpi is None else dpi
    width = width_px if width_px is not None else fig.get_figwidth() * dpi
    shrink = min(1.0, COLUMN_PX / width)
    sizes = [t.get_fontsize() for t in drawn_texts(fig)]
    return min(sizes, default=math.inf) * dpi / 72 * shrink
