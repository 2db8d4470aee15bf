"""Pictures of what a trained network computes: feature maps, filters, favourite digits.

    show_feature_maps(maps)          one layer's maps (H, W, C) as a grid
    show_filters(filters)            filters (C, k, k): red positive, blue negative
    show_top_digits(digits, idx, s)  the digits that excite a filter most
    draw_filter_view(model, ...)     a filter, its map of a digit, its favourite digits
    filter_animation(model, ...)     every filter of a layer, one frame each (web page)

The numbers come from :mod:`cnnlib.models` (``feature_maps``, ``conv_filters``,
``channel_scores``).
"""

from __future__ import annotations

from typing import Optional, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import animation
from matplotlib.figure import Figure

from .. import models
from ..core import checks
from . import sizing


def show_feature_maps(
    maps: np.ndarray,
    title: str = "",
    max_channels: int = 16,
    ncols: int = 6,
    size: float = 1.1,
) -> Figure:
    """One layer's maps ``(H, W, C)`` as a grid of pictures (the first
    ``max_channels``).

    Rows of at most ``ncols`` panels of at most ``size`` inches, narrower when
    needed to fit the page's column (see :mod:`.sizing`).
    """
    arr = np.asarray(maps)
    if arr.ndim != 3:
        raise ValueError(f"maps must be (H, W, C) for one digit, got shape {arr.shape}")
    n = min(arr.shape[-1], max_channels)
    fig, axes = sizing.panel_grid(n, ncols, size)
    lim = float(np.abs(arr[..., :n]).max()) or 1.0
    signed = arr[..., :n].min() < 0
    for c, ax in enumerate(axes):
        if signed:
            ax.imshow(arr[..., c], cmap="RdBu_r", vmin=-lim, vmax=lim)
        else:
            ax.imshow(arr[..., c], cmap="magma", vmin=0, vmax=lim)
        ax.set_title(str(c), fontsize=sizing.LABEL_PT)
    shown = f"{n} of {arr.shape[-1]}" if n < arr.shape[-1] else f"all {n}"
    fig.suptitle(
        (
            f"{title} {arr.shape[0]}x{arr.shape[1]}x{arr.shape[-1]} ({shown} channels)"
        ).strip(),
        fontsize=sizing.TITLE_PT,
    )
    fig.tight_layout()
    return fig


def show_filters(
    filters: np.ndarray, title: str = "", size: float = 1.1, ncols: int = 6
) -> Figure:
    """Filters ``(C, k, k)`` in rows of up to ``ncols``: red positive, blue negative.

    Each filter has its own colour scale, symmetric about 0 (white).
    """
    arr = np.asarray(filters)
    if arr.ndim != 3:
        raise ValueError(f"filters must be (C, k, k), got shape {arr.shape}")
    fig, axes = sizing.panel_grid(arr.shape[0], ncols, size)
    for c, ax in enumerate(axes):
        lim = float(np.abs(arr[c]).max()) or 1.0
        ax.imshow(arr[c], cmap="RdBu_r", vmin=-lim, vmax=lim)
        ax.set_title(str(c), fontsize=sizing.LABEL_PT)
    if title:
        fig.suptitle(title, fontsize=sizing.TITLE_PT)
    fig.tight_layout()
    return fig


def show_top_digits(
    digits: np.ndarray,
    indices: np.ndarray,
    scores: np.ndarray,
    labels: Optional[np.ndarray] = None,
    title: str = "",
    size: float = 1.1,
) -> Figure:
    """The digits ``digits[indices]`` in rows of up to 6, titled with their scores (and
    labels)."""
    idx = np.asarray(indices)
    vals = checks.finite_array(scores, "scores", ndim=1, shape_hint="(k,)")
    n = len(digits)
    if idx.ndim != 1 or idx.dtype.kind not in "ui" or idx.size == 0:
        raise ValueError(
            f"indices must be a 1-D array of whole numbers, got {indices!r}"
        )
    if len(idx) != len(vals):
        raise ValueError(
            f"got {len(idx)} indices but {len(vals)} scores; give one score per index"
        )
    if idx.min() < 0 or idx.max() >= n:
        raise ValueError(
            f"indices must lie in 0..{n - 1} (there are {n} digits), "
            f"got {idx[(idx < 0) | (idx >= n)].tolist()}"
        )
    if labels is not None and len(labels) != n:
        raise ValueError(f"got {n} digits but {len(labels)} labels")
    fig, axes = sizing.panel_grid(
        len(idx), 6, size, title_lines=2 if labels is not None else 1
    )
    for ax, i, s in zip(axes, idx, vals):
        ax.imshow(digits[i], cmap="gray")
        lab = f"label {labels[i]}\n" if labels is not None else ""
        ax.set_title(f"{lab}max {s:.1f}", fontsize=sizing.LABEL_PT)
    if title:
        fig.suptitle(title, fontsize=sizing.TITLE_PT)
    fig.tight_layout()
    return fig


def _filter_view_axes(k: int, dpi: Optional[int] = None) -> tuple[Figure, np.ndarray]:
    """Axes for :func:`draw_filter_view`: ``2 + k`` panels in rows of 3, 1.8 inches
    each, with room for one line of title above each (no ``tight_layout``: animation
    frames must keep one layout)."""
    fig, axes = sizing.panel_grid(2 + k, 3, 1.8, dpi=dpi)
    head = 0.3  # inches for a panel title
    fig.subplots_adjust(
        left=0.02,
        right=0.98,
        bottom=0.02,
        top=1 - head / fig.get_figheight(),
        wspace=0.12,
        hspace=head / 1.8 + 0.05,
    )
    return fig, axes


def draw_filter_view(
    model,
    digit: np.ndarray,
    digits: np.ndarray,
    layer: str,
    channel: int,
    axes: Optional[Sequence[plt.Axes]] = None,
    top: Optional[tuple[np.ndarray, np.ndarray]] = None,
    k: int = 4,
    digit_maps: Optional[np.ndarray] = None,
) -> Figure:
    """One filter at a glance: its weights, its map for ``digit``, its ``k`` favourite
    digits.

    ``axes`` (``2 + k`` of them) lets an animation redraw into the same figure;
    ``top`` passes precomputed :func:`top_activating` results and ``digit_maps``
    the ``(H, W, C)`` maps of ``digit`` in ``layer``.
    """
    if axes is None:
        _, axes = _filter_view_axes(k)
    fig = axes[0].figure
    for ax in axes:
        ax.clear()
        ax.set_axis_off()
    if layer in models.conv_layer_names(model):
        w = models.conv_filters(model, layer)[channel]
        lim = float(np.abs(w).max()) or 1.0
        axes[0].imshow(w, cmap="RdBu_r", vmin=-lim, vmax=lim)
        axes[0].set_title(f"{layer} filter {channel}", fontsize=sizing.LABEL_PT)
    if digit_maps is None:
        digit_maps = models.feature_maps(model, digit, [layer])[layer]
    fmap = digit_maps[..., channel]
    axes[1].imshow(fmap, cmap="magma")
    axes[1].set_title(f"map {channel}", fontsize=sizing.LABEL_PT)
    idx, scores = (
        top
        if top is not None
        else models.top_activating(model, digits, layer, channel, k)
    )
    for ax, i, s in zip(axes[2:], idx[:k], scores[:k]):
        ax.imshow(digits[i], cmap="gray")
        ax.set_title(f"top: {s:.1f}", fontsize=sizing.LABEL_PT)
    return fig


def filter_animation(
    model,
    digit: np.ndarray,
    digits: np.ndarray,
    layer: str = "conv1",
    k: int = 4,
    fps: float = 1.0,
    dpi: int = 90,
) -> str:
    """Every channel of ``layer``, one frame each, as kernel-free HTML (``to_jshtml``).

    Each frame is :func:`draw_filter_view`: filter, feature map of ``digit``,
    the ``k`` digits of ``digits`` that excite it most, in rows of 3 panels
    (5.4 x 4.34 inches for ``k = 4``: 486 x 391 px at the default ``dpi``, with
    10 pt = 12.5 px text at 90 dpi, never shrunk by the page's column).
    """
    digit_maps = models.feature_maps(model, digit, [layer])[layer]
    channels = digit_maps.shape[-1]
    scores = models.channel_scores(model, digits, layer)
    fig, axes = _filter_view_axes(k, dpi)

    def frame(c: int):
        order = np.argsort(-scores[:, c], kind="stable")[:k]
        draw_filter_view(
            model,
            digit,
            digits,
            layer,
            c,
            axes,
            (order, scores[order, c]),
            k,
            digit_maps,
        )
        return []

    anim = animation.FuncAnimation(fig, frame, frames=channels, interval=1000 / fps)
    try:
        return anim.to_jshtml(fps=fps, default_mode="once")
    finally:
        plt.close(fig)
