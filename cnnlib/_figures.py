"""Sizes that keep cnnlib's figures readable on the book's page (private module).

The book shows a figure's PNG at its natural size, shrunk to fit the content
column (about 700 px at a 1280 px browser window). Text is readable at 11 px or
more on the page, that is::

    font points * dpi / 72 * min(1, COLUMN_PX / image width in px) >= 11

Figures here are at most :data:`MAX_WIDTH_IN` wide, so at the notebook's 100
dpi they are never shrunk, and their smallest text is :data:`LABEL_PT` points
(10 pt * 100 / 72 = 13.9 px).
"""
from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

#: Pixels per inch of figures shown in a notebook (matplotlib's default figure.dpi).
PAGE_DPI = 100
#: Width of the book's content column in pixels at a 1280 px window (conservative).
COLUMN_PX = 700
#: Widest figure, in inches, that the column shows without shrinking it.
MAX_WIDTH_IN = COLUMN_PX / PAGE_DPI
#: Smallest text: panel titles, tick labels, numbers in cells.
LABEL_PT = 10
#: Figure titles.
TITLE_PT = 11


def panel_grid(n: int, max_cols: int = 6, size: float = 1.1, title_lines: int = 1,
               dpi: int | None = None) -> tuple[Figure, np.ndarray]:
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
    head = title_lines * LABEL_PT * 1.6 / 72          # inches of title text per row
    fig, axes = plt.subplots(rows, cols, figsize=(side * cols, (side + head) * rows + 0.3),
                             squeeze=False, dpi=dpi)
    flat = axes.ravel()
    for ax in flat:
        ax.set_axis_off()
    return fig, flat[:n]


def smallest_text_px(fig: Figure, dpi: float = PAGE_DPI, width_px: float | None = None) -> float:
    """Height in page pixels of ``fig``'s smallest visible text (``inf`` if none).

    ``width_px``: the image's width (default: the figure's width at ``dpi``); an
    image wider than :data:`COLUMN_PX` is shrunk to fit, and its text with it.
    """
    width = width_px if width_px is not None else fig.get_figwidth() * dpi
    shrink = min(1.0, COLUMN_PX / width)
    sizes = [t.get_fontsize() for t in drawn_texts(fig)]
    return min(sizes, default=math.inf) * dpi / 72 * shrink


def drawn_texts(fig: Figure) -> list:
    """The non-empty text artists of ``fig`` that are drawn: figure and axes
    titles, texts, legends, and tick and axis labels of axes that are shown."""
    fig.canvas.draw()                   # tick labels exist once the figure is drawn
    texts = list(fig.texts)
    if fig._suptitle is not None:
        texts.append(fig._suptitle)
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        texts += [ax.title, ax._left_title, ax._right_title, *ax.texts]
        if ax.get_legend() is not None:
            texts += ax.get_legend().get_texts()
        if ax.axison:
            for axis in (ax.xaxis, ax.yaxis):
                if axis.get_visible():
                    texts += [axis.label, *axis.get_ticklabels()]
    return [t for t in texts if t.get_visible() and t.get_text().strip()]
