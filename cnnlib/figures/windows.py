"""Sliding-window pictures: one drawing, shown as an animation or under sliders.

:func:`draw_window_step` draws one step of a filter or pooling window moving
over a small grid (:func:`cnnlib.ops.plan_window` computes it): the input (pad
cells grey), the window outlined, and the output filled in up to this step.
It is used by

- :func:`window_animation`: all steps as a ``FuncAnimation`` exported with
  ``to_jshtml()``, which plays in a static web page with no kernel;
- :mod:`.explorers`: sliders that redraw one step in a live kernel.

:func:`feature_map_animation` sweeps a filter down a picture. The figures are
the column's width (:mod:`.sizing`), so the page shows them unscaled.
"""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import animation
from matplotlib.patches import Rectangle

from .. import ops
from ..core import checks
from . import sizing

#: The formula line wraps after this many characters (a column-wide figure).
FORMULA_WIDTH = 76
#: Size in inches of the sliding-window figure: the column's width, half as high.
FIGSIZE = (sizing.MAX_WIDTH_IN, sizing.MAX_WIDTH_IN / 2)


def _draw_grid(ax, values: np.ndarray, shown: np.ndarray, title: str, fmt: str) -> None:
    ax.clear()
    h, w = values.shape
    ax.set_xlim(-0.5, w - 0.5)
    ax.set_ylim(h - 0.5, -0.5)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title, fontsize=sizing.TITLE_PT)
    for (i, j), v in np.ndenumerate(values):
        pad = np.isnan(v)
        face = "#d9d9d9" if pad else ("#ffffff" if not shown[i, j] else "#e8f1fb")
        ax.add_patch(
            Rectangle(
                (j - 0.5, i - 0.5), 1, 1, facecolor=face, edgecolor="#888888", lw=0.8
            )
        )
        if shown[i, j]:
            ax.text(
                j,
                i,
                "pad" if pad else fmt.format(v),
                ha="center",
                va="center",
                fontsize=sizing.TITLE_PT,
                color="#777777" if pad else "black",
            )


def draw_window_step(plan: ops.WindowPlan, step: int, axes=None):
    """Draw step ``step`` (0-based, row by row) of ``plan`` into two axes.

    Returns:
        The figure.
    """
    i, j = plan.position(step)
    if axes is None:
        fig, axes = plt.subplots(
            1, 2, figsize=FIGSIZE, gridspec_kw={"width_ratios": [1.3, 1]}
        )
    ax_in, ax_out = axes
    _draw_grid(ax_in, plan.padded, np.ones_like(plan.padded, bool), "input", "{:g}")
    r0, c0 = i * plan.stride[0], j * plan.stride[1]
    ax_in.add_patch(
        Rectangle(
            (c0 - 0.5, r0 - 0.5),
            plan.k[1],
            plan.k[0],
            facecolor="#d62728",
            alpha=0.18,
            edgecolor="none",
        )
    )  # the cells under the window
    ax_in.add_patch(
        Rectangle(
            (c0 - 0.5, r0 - 0.5),
            plan.k[1],
            plan.k[0],
            fill=False,
            edgecolor="#d62728",
            lw=2.5,
        )
    )
    shown = np.zeros(plan.out.shape, bool)
    shown.flat[: step + 1] = True
    label = {"conv": "convolution", "max": "max pool", "avg": "average pool"}[plan.op]
    _draw_grid(ax_out, plan.out, shown, f"output ({label})", "{:.2f}")
    ax_out.add_patch(
        Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="#d62728", lw=2.5)
    )
    ax_in.figure.suptitle(
        _formula(plan, plan.window(step), plan.out[i, j], i, j),
        fontsize=sizing.TITLE_PT,
    )
    return ax_in.figure


def _formula(
    plan: ops.WindowPlan, window: np.ndarray, value: float, i: int, j: int
) -> str:
    cells = ["pad" if np.isnan(v) else f"{v:g}" for v in window.ravel()]
    if plan.op == "conv":
        terms = " + ".join(f"{w:g}*{c}" for w, c in zip(plan.kernel.ravel(), cells))
        text = f"out[{i},{j}] = {terms} = {value:.2f}"
    else:
        name = "max" if plan.op == "max" else "mean of real cells"
        text = f"out[{i},{j}] = {name}({', '.join(cells)}) = {value:.2f}"
    return "\n".join(textwrap.wrap(text, FORMULA_WIDTH, break_on_hyphens=False))


def window_animation(plan: ops.WindowPlan, fps: float = 1.5, dpi: int = 100) -> str:
    """All steps of ``plan`` as a self-contained HTML animation (play, pause, step).

    Uses ``FuncAnimation(...).to_jshtml()``: the frames are embedded as PNG
    images, so it plays in a static page without a Python kernel.

    Returns:
        The HTML (display it with ``IPython.display.HTML``).
    """
    checks.number_in(fps, "fps", 0, low_open=True, example="1.5 frames per second")
    checks.int_in(dpi, "dpi", 1)
    fig, axes = plt.subplots(
        1, 2, figsize=FIGSIZE, dpi=dpi, gridspec_kw={"width_ratios": [1.3, 1]}
    )
    fig.subplots_adjust(
        left=0.02, right=0.98, bottom=0.02, top=0.76
    )  # room for the formula
    anim = animation.FuncAnimation(
        fig,
        lambda n: draw_window_step(plan, n, axes),
        frames=plan.steps,
        interval=1000 / fps,
    )
    try:
        return anim.to_jshtml(fps=fps, default_mode="once")
    finally:
        plt.close(fig)


def feature_map_animation(
    image: np.ndarray,
    kernel: np.ndarray,
    rows_per_frame: int = 2,
    fps: float = 4.0,
    dpi: int = 100,
) -> str:
    """A filter sweeping down a picture while its feature map fills in, as HTML.

    Frame ``t`` shows the input with the band of rows the filter covers
    highlighted, and the feature map (``ops.conv2d``, ``"SAME"``) filled in up
    to that output row; the filter is drawn beside them.

    Args:
        image: ``(H, W)`` picture. kernel: ``(kh, kw)`` filter.
        rows_per_frame: output rows added per frame (fewer frames, smaller page).
        fps: frames per second. dpi: resolution of the embedded PNG frames.

    Returns:
        The ``to_jshtml()`` HTML: ``ceil(H / rows_per_frame)`` frames with
        play and step controls.
    """
    picture = np.asarray(image)
    if picture.ndim != 2:
        raise ValueError(
            f"image must be a 2-D picture (H, W), got shape {picture.shape}"
        )
    kern = np.asarray(kernel)
    if kern.ndim != 2:
        raise ValueError(
            f"kernel must be a 2-D filter (kh, kw), got shape {kern.shape}"
        )
    fmap = ops.conv2d(picture, kern, padding="SAME")  # checks values, dtypes, sizes
    step = checks.int_in(rows_per_frame, "rows_per_frame", 1)
    checks.number_in(fps, "fps", 0, low_open=True, example="4 frames per second")
    h = picture.shape[0]
    top = ops.same_padding(h, kern.shape[0], 1)[0]
    lim = float(np.abs(fmap).max()) or 1.0
    klim = float(np.abs(kern).max()) or 1.0
    fig, axes = plt.subplots(
        1,
        3,
        figsize=(sizing.MAX_WIDTH_IN, 2.9),
        dpi=dpi,
        gridspec_kw={"width_ratios": [1, 0.45, 1]},
    )
    axes[0].imshow(picture, cmap="gray")
    axes[1].imshow(kern, cmap="RdBu_r", vmin=-klim, vmax=klim)
    axes[1].set_title(
        f"filter {kern.shape[0]}x{kern.shape[1]}", fontsize=sizing.TITLE_PT
    )
    shown = np.full(fmap.shape, np.nan)
    img = axes[2].imshow(shown, cmap="RdBu_r", vmin=-lim, vmax=lim)
    band = Rectangle(
        (-0.5, -0.5),
        picture.shape[1],
        kern.shape[0],
        facecolor="#d62728",
        alpha=0.35,
        edgecolor="#d62728",
        lw=1.5,
    )
    axes[0].add_patch(band)
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    frames = -(-h // step)

    def draw(t: int):
        last = min((t + 1) * step, h)  # output rows 0 .. last-1 are done
        shown[:last] = fmap[:last]
        img.set_data(shown)
        band.set_y(
            last - 1 - top - 0.5
        )  # the rows under the filter for output row last-1
        axes[0].set_title(f"input, output row {last - 1}", fontsize=sizing.TITLE_PT)
        axes[2].set_title(f"feature map, rows 0-{last - 1}", fontsize=sizing.TITLE_PT)
        return img, band

    draw(0)  # titles in place, so the layout leaves room for them
    fig.tight_layout()
    anim_ = animation.FuncAnimation(fig, draw, frames=frames, interval=1000 / fps)
    try:
        return anim_.to_jshtml(fps=fps, default_mode="once")
    finally:
        plt.close(fig)
