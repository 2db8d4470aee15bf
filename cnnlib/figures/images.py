"""Static figures of digits, grids, pipelines and scores (chapters 1-4).

Every function returns the :class:`matplotlib.figure.Figure` it drew, so a
notebook can show it (``plt.show()``) or save it, sized by :mod:`.sizing`.
"""

from __future__ import annotations

from typing import Mapping, Optional, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from ..core import checks
from . import sizing


def _as_2d(image: np.ndarray, what: str = "image") -> np.ndarray:
    """Return ``image`` as a 2-D float array; accept (H, W), (H, W, 1) or
    (1, H, W, 1)."""
    arr = np.asarray(image)
    if arr.dtype.kind not in "uifb":
        raise TypeError(f"{what} must hold numbers, got dtype {arr.dtype}")
    squeezed = np.squeeze(arr)
    if squeezed.ndim != 2 or squeezed.size == 0:
        raise ValueError(
            f"{what} must be one 2-D picture (H, W), (H, W, 1) or (1, H, W, 1); "
            f"got shape {arr.shape}"
        )
    return checks.finite_array(squeezed, what)


def show_images(
    images: Sequence[np.ndarray] | np.ndarray,
    titles: Optional[Sequence[str]] = None,
    ncols: Optional[int] = None,
    cmap: str = "gray",
    size: float = 1.5,
    suptitle: Optional[str] = None,
    symmetric: bool = False,
) -> Figure:
    """Show pictures in a grid, one per panel.

    Args:
        images: ``N`` pictures, each ``(H, W)`` (or ``(H, W, 1)``); an array
            ``(N, H, W)`` works too.
        titles: ``N`` panel titles, or ``None``.
        ncols: panels per row (default: as many as fit in the column
            inches; with more, the panels get smaller so the figure stays
            that wide).
        cmap: matplotlib colour map; ``"gray"`` shows ink white on black as
            MNIST stores it.
        size: inches per panel.
        suptitle: a title over the whole figure.
        symmetric: centre the colour scale on 0 (for filters and feature maps
            with negative values); uses the ``"RdBu_r"`` map unless ``cmap``
            says otherwise.

    Returns:
        The figure.
    """
    pictures = [_as_2d(im, f"images[{i}]") for i, im in enumerate(images)]
    if not pictures:
        raise ValueError("show_images needs at least one picture, got none")
    if titles is not None and len(titles) != len(pictures):
        raise ValueError(f"got {len(pictures)} pictures but {len(titles)} titles")
    n = len(pictures)
    ncols = min(n, max(1, int(sizing.MAX_WIDTH_IN // size))) if ncols is None else ncols
    ncols = checks.int_in(ncols, "ncols", 1)
    size = min(size, sizing.MAX_WIDTH_IN / ncols)
    nrows = -(-n // ncols)
    height = (size + 0.25) * nrows + (0.3 if suptitle else 0)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(size * ncols, height), squeeze=False
    )
    if symmetric and cmap == "gray":
        cmap = "RdBu_r"
    for k, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if k >= n:
            continue
        pic = pictures[k]
        if symmetric:
            lim = float(np.abs(pic).max()) or 1.0
            ax.imshow(pic, cmap=cmap, vmin=-lim, vmax=lim)
        else:
            ax.imshow(pic, cmap=cmap)
        if titles is not None:
            ax.set_title(titles[k], fontsize=sizing.TITLE_PT)
    if suptitle:
        fig.suptitle(suptitle, fontsize=sizing.TITLE_PT + 1)
    fig.tight_layout()
    return fig


def show_grid_values(
    array: np.ndarray,
    ax: Optional[plt.Axes] = None,
    fmt: str = "{:.1f}",
    cmap: str = "Blues",
    title: Optional[str] = None,
) -> Figure:
    """Draw a small 2-D array as coloured cells with each value written in.

    Args:
        array: ``(H, W)`` numbers; meant for small grids (a filter, a pooled
            map), up to about 12 x 12.
        ax: axes to draw into (default: a new figure).
        fmt: format of each value.
        cmap: colour map of the cells.
        title: axes title.

    Returns:
        The figure that holds ``ax``.
    """
    grid = _as_2d(array, "array")
    if ax is None:
        h, w = grid.shape
        cell = min(0.6, (sizing.MAX_WIDTH_IN - 0.6) / w)
        _, ax = plt.subplots(figsize=(cell * w + 0.6, cell * h + 0.6))
    ax.imshow(grid, cmap=cmap)
    lo, hi = float(grid.min()), float(grid.max())
    middle = (lo + hi) / 2
    for (i, j), value in np.ndenumerate(grid):
        colour = "white" if value > middle and hi > lo else "black"
        ax.text(
            j,
            i,
            fmt.format(value),
            ha="center",
            va="center",
            fontsize=sizing.TITLE_PT,
            color=colour,
        )
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=sizing.TITLE_PT)
    return ax.figure


def show_pipeline(stages: Mapping[str, np.ndarray], size: float = 2.0) -> Figure:
    """Show a digit passing through layers, one panel per stage.

    Args:
        stages: ordered ``{title: picture}``; each picture ``(H, W)``. Shapes
            may differ (pooling shrinks them); each panel title gets the shape
            appended. Pictures with negative values get a blue-white-red scale
            centred on 0, the others a grey scale.
        size: inches per panel; as many panels per row as fit in
            the column's width, the rest on further rows.

    Returns:
        The figure.
    """
    if not stages:
        raise ValueError("show_pipeline needs at least one stage, got none")
    n = len(stages)
    ncols = min(n, max(1, int(sizing.MAX_WIDTH_IN // size)))
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(
        nrows,
        ncols,
        squeeze=False,
        figsize=(min(size, sizing.MAX_WIDTH_IN) * ncols, (size + 0.6) * nrows),
    )
    for ax in axes.flat[n:]:
        ax.set_axis_off()
    for ax, (title, picture) in zip(axes.flat, stages.items()):
        pic = _as_2d(picture, f"stage {title!r}")
        if pic.min() < 0:
            lim = float(np.abs(pic).max())
            ax.imshow(pic, cmap="RdBu_r", vmin=-lim, vmax=lim)
        else:
            ax.imshow(pic, cmap="gray")
        ax.set_title(
            f"{title}\n{pic.shape[0]}x{pic.shape[1]}", fontsize=sizing.TITLE_PT
        )
        # A thin grey frame instead of no axes: ink that touches the edge of a
        # cropped picture would otherwise melt into the white page.
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_edgecolor("0.6")
            spine.set_linewidth(0.8)
    fig.tight_layout()
    return fig


def show_scores(
    scores: np.ndarray, title: str = "", highlight: Optional[int] = None
) -> Figure:
    """Bar chart of ten class scores (logits or probabilities).

    Args:
        scores: ``(10,)`` numbers, one per digit 0..9.
        title: axes title.
        highlight: a digit whose bar is drawn in a second colour.

    Returns:
        The figure.
    """
    values = checks.finite_array(scores, "scores").reshape(-1)
    if values.shape != (10,):
        raise ValueError(
            f"scores must hold 10 values (one per digit), got shape {np.shape(scores)}"
        )
    if highlight is not None and (
        isinstance(highlight, bool) or highlight not in range(10)
    ):
        raise ValueError(f"highlight must be a digit 0..9 (or None), got {highlight!r}")
    fig, ax = plt.subplots(figsize=(4.2, 2.2))
    colours = ["tab:orange" if d == highlight else "tab:blue" for d in range(10)]
    ax.bar(range(10), values, color=colours)
    ax.set_xticks(range(10))
    ax.set_xlabel("digit")
    if title:
        ax.set_title(title, fontsize=sizing.TITLE_PT)
    fig.tight_layout()
    return fig


def show_node_diagram(
    connections: Mapping[str, Sequence[int]],
    n_inputs: int,
    weight: Optional[float] = None,
) -> Figure:
    """Draw which input nodes feed which output nodes, as a neural-network diagram.

    Args:
        connections: ordered ``{output name: input node numbers (1-based)}``,
            e.g. ``{"out_1": [1, 2, 6, 7], "out_2": [2, 3, 7, 8]}``.
        n_inputs: how many input nodes to draw (``in_1 .. in_n``).
        weight: if given, written on the figure as the weight of every line.

    Returns:
        The figure: inputs in a column on the left, outputs on the right, one
        colour of lines per output.
    """
    n_inputs = checks.int_in(n_inputs, "n_inputs", 1)
    for name, nodes in connections.items():
        bad = [n for n in nodes if not 1 <= n <= n_inputs]
        if bad:
            raise ValueError(
                f"{name} connects to input nodes {bad}, outside 1..{n_inputs}"
            )
    outs = list(connections)
    fig, ax = plt.subplots(figsize=(4.2, 0.32 * n_inputs + 0.6))
    ys_in = np.linspace(1, 0, n_inputs)
    ys_out = np.linspace(0.75, 0.25, len(outs)) if len(outs) > 1 else np.array([0.5])
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for k, (name, y_out) in enumerate(zip(outs, ys_out)):
        for node in connections[name]:
            ax.plot(
                [0, 1],
                [ys_in[node - 1], y_out],
                color=colours[k % len(colours)],
                lw=1.6,
                zorder=1,
            )
        ax.scatter([1], [y_out], s=420, color="white", edgecolor="black", zorder=2)
        ax.text(1.08, y_out, name, va="center", fontsize=sizing.TITLE_PT)
    used = {n for nodes in connections.values() for n in nodes}
    for i, y in enumerate(ys_in, start=1):
        ax.scatter(
            [0],
            [y],
            s=260,
            color="white",
            edgecolor="black" if i in used else "#bbbbbb",
            zorder=2,
        )
        ax.text(
            -0.08,
            y,
            f"in_{i}",
            va="center",
            ha="right",
            fontsize=sizing.TITLE_PT,
            color="black" if i in used else "#999999",
        )
    if weight is not None:
        ax.set_title(f"every line has weight {weight:g}", fontsize=sizing.TITLE_PT)
    ax.set_xlim(-0.35, 1.35)
    ax.set_axis_off()
    fig.tight_layout()
    return fig
