"""Sliding-window pictures: one drawing, shown three ways.

:func:`draw_window_step` draws one step of a filter or pooling window moving
over a small grid: the input (pad cells grey), the window outlined, and the
output filled in up to this step. It is used by

- :func:`window_animation`: all steps as a ``FuncAnimation`` exported with
  ``to_jshtml()``, which plays in a static web page with no kernel;
- :mod:`cnnlib.widgets`: sliders that redraw one step in a live kernel.

Readable on the web page: the animations are drawn about as wide as the
book's content column (720 px at the default ``dpi=100``), so the page shows
them unscaled, with every text at least :data:`MIN_FONT_PX` image pixels
high. :func:`to_jshtml` writes the smallest text size of each frame into the
frame's PNG (text key :data:`FONT_KEY`); the browser test reads it back and
multiplies it by the displayed/natural width of the image.
"""
from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Optional

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import animation
from matplotlib.patches import Rectangle
from matplotlib.text import Text

from . import ops

OPS = ("conv", "max", "avg")
#: PNG text key holding the smallest text height of a frame, in image pixels.
FONT_KEY = "cnnlib-min-font-px"
#: Smallest text the animations draw, in image pixels (fontsize pt x dpi / 72).
MIN_FONT_PX = 12.0
#: Font sizes (points) of titles, formulas and cell values: 11 pt at 100 dpi is 15 px.
TITLE_PT, CELL_PT = 11, 11
#: The formula line wraps after this many characters (a 720 px wide figure).
FORMULA_WIDTH = 78
#: Size in inches of the sliding-window figure: 720 x 360 px at dpi 100, the column's width.
FIGSIZE = (7.2, 3.6)


def min_font_px(fig) -> float:
    """Height in image pixels of the smallest visible, non-empty text in ``fig``.

    ``fontsize`` (points) x ``fig.dpi`` / 72; ``inf`` when the figure has no text.
    """
    sizes = [t.get_fontsize() * fig.dpi / 72.0 for t in fig.findobj(Text)
             if t.get_visible() and t.get_text().strip()]
    return min(sizes, default=float("inf"))


class _FontRecordingWriter(animation.HTMLWriter):
    """``HTMLWriter`` that stores each frame's smallest text size in its PNG."""

    def grab_frame(self, **savefig_kwargs):
        savefig_kwargs["metadata"] = {FONT_KEY: f"{min_font_px(self.fig) * self.dpi / self.fig.dpi:.2f}"}
        super().grab_frame(**savefig_kwargs)


def to_jshtml(anim_: animation.Animation, fps: float, default_mode: str = "once") -> str:
    """``anim_.to_jshtml()``, with each frame's smallest text size in its PNG.

    Same HTML as :meth:`matplotlib.animation.Animation.to_jshtml` (frames
    embedded, play and step buttons); only the frame images differ by a PNG
    text chunk :data:`FONT_KEY`, so a test can check the page's text is readable.
    """
    with TemporaryDirectory() as tmp:
        path = Path(tmp, "animation.html")
        anim_.save(str(path), writer=_FontRecordingWriter(fps=fps, embed_frames=True,
                                                          default_mode=default_mode))
        return path.read_text()


@dataclass(frozen=True)
class WindowPlan:
    """Everything needed to draw a window sliding over a 2-D grid.

    Attributes:
        x: the input ``(H, W)``; padded: the input with its pad cells
            (NaN marks a pad cell); top, left: pad cells before.
        out: the finished output ``(H_out, W_out)``.
        k, stride: window and step (pairs); op: ``"conv"``, ``"max"`` or ``"avg"``.
        kernel: the filter for ``"conv"``, else ``None``.
    """

    x: np.ndarray
    padded: np.ndarray
    top: int
    left: int
    out: np.ndarray
    k: tuple[int, int]
    stride: tuple[int, int]
    op: str
    kernel: Optional[np.ndarray]

    @property
    def steps(self) -> int:
        return self.out.size


def plan_window(x: np.ndarray, op: str = "conv", kernel: Optional[np.ndarray] = None,
                size: ops.IntOrPair = 2, stride: ops.IntOrPair = 1,
                padding: str = "VALID") -> WindowPlan:
    """Compute the output (with :mod:`cnnlib.ops`) and the padded grid to draw.

    Args:
        x: ``(H, W)`` input grid. op: ``"conv"``, ``"max"`` or ``"avg"``.
        kernel: ``(kh, kw)`` filter, required for ``"conv"`` (its shape is the window).
        size: pooling window, int or pair. stride: int or pair. padding: SAME/VALID.
    """
    if op not in OPS:
        raise ValueError(f"op must be one of {OPS}, got {op!r}")
    grid = np.asarray(x, dtype=float)
    if grid.ndim != 2:
        raise ValueError(f"x must be a 2-D grid (H, W), got shape {grid.shape}")
    if op == "conv":
        if kernel is None:
            raise ValueError("op='conv' needs a kernel (kh, kw), got None")
        kern = np.asarray(kernel, dtype=float)
        out = ops.conv2d(grid, kern, stride=stride, padding=padding)
        k = kern.shape
    else:
        kern = None
        out = (ops.max_pool2d if op == "max" else ops.avg_pool2d)(grid, size, stride, padding)
        k = ops._pair(size, "size")
    s = ops._pair(stride, "stride")
    pad = ops._check_padding(padding)
    h, w = grid.shape
    (top, bottom), (left, right) = ops._pad_amounts(h, w, k[0], k[1], s[0], s[1], pad)
    padded = np.pad(grid, ((top, bottom), (left, right)), constant_values=np.nan)
    return WindowPlan(grid, padded, top, left, np.atleast_2d(out), tuple(k), s, op, kern)


def _draw_grid(ax, values: np.ndarray, shown: np.ndarray, title: str, fmt: str) -> None:
    ax.clear()
    h, w = values.shape
    ax.set_xlim(-0.5, w - 0.5)
    ax.set_ylim(h - 0.5, -0.5)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title, fontsize=TITLE_PT)
    for (i, j), v in np.ndenumerate(values):
        pad = np.isnan(v)
        face = "#d9d9d9" if pad else ("#ffffff" if not shown[i, j] else "#e8f1fb")
        ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, facecolor=face, edgecolor="#888888", lw=0.8))
        if shown[i, j]:
            ax.text(j, i, "pad" if pad else fmt.format(v), ha="center", va="center", fontsize=CELL_PT,
                    color="#777777" if pad else "black")


def draw_window_step(plan: WindowPlan, step: int, axes=None):
    """Draw step ``step`` (0-based, row by row) of ``plan`` into two axes.

    Returns:
        The figure.
    """
    if not 0 <= step < plan.steps:
        raise ValueError(f"step must be in 0..{plan.steps - 1}, got {step!r}")
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=FIGSIZE, gridspec_kw={"width_ratios": [1.3, 1]})
    ax_in, ax_out = axes
    out_h, out_w = plan.out.shape
    i, j = divmod(step, out_w)
    _draw_grid(ax_in, plan.padded, np.ones_like(plan.padded, bool), "input", "{:g}")
    r0, c0 = i * plan.stride[0], j * plan.stride[1]
    ax_in.add_patch(Rectangle((c0 - 0.5, r0 - 0.5), plan.k[1], plan.k[0], facecolor="#d62728",
                              alpha=0.18, edgecolor="none"))      # the cells under the window
    ax_in.add_patch(Rectangle((c0 - 0.5, r0 - 0.5), plan.k[1], plan.k[0], fill=False,
                              edgecolor="#d62728", lw=2.5))
    shown = np.zeros(plan.out.shape, bool)
    shown.flat[: step + 1] = True
    label = {"conv": "convolution", "max": "max pool", "avg": "average pool"}[plan.op]
    _draw_grid(ax_out, plan.out, shown, f"output ({label})", "{:.2f}")
    ax_out.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="#d62728", lw=2.5))
    window = plan.padded[r0:r0 + plan.k[0], c0:c0 + plan.k[1]]
    ax_in.figure.suptitle(_formula(plan, window, plan.out[i, j], i, j), fontsize=TITLE_PT)
    return ax_in.figure


def _formula(plan: WindowPlan, window: np.ndarray, value: float, i: int, j: int) -> str:
    cells = ["pad" if np.isnan(v) else f"{v:g}" for v in window.ravel()]
    if plan.op == "conv":
        terms = " + ".join(f"{w:g}*{c}" for w, c in zip(plan.kernel.ravel(), cells))
        text = f"out[{i},{j}] = {terms} = {value:.2f}"
    else:
        name = "max" if plan.op == "max" else "mean of real cells"
        text = f"out[{i},{j}] = {name}({', '.join(cells)}) = {value:.2f}"
    return "\n".join(textwrap.wrap(text, FORMULA_WIDTH, break_on_hyphens=False))


def window_animation(plan: WindowPlan, fps: float = 1.5, dpi: int = 100) -> str:
    """All steps of ``plan`` as a self-contained HTML animation (play, pause, step).

    Uses ``FuncAnimation(...).to_jshtml()``: the frames are embedded as PNG
    images, so it plays in a static page without a Python kernel.

    Returns:
        The HTML (display it with ``IPython.display.HTML``).
    """
    if isinstance(fps, bool) or not isinstance(fps, (int, float)) or not fps > 0:
        raise ValueError(f"fps must be a number > 0 (frames per second), got {fps!r}")
    if isinstance(dpi, bool) or not isinstance(dpi, int) or dpi < 1:
        raise ValueError(f"dpi must be an int >= 1, got {dpi!r}")
    fig, axes = plt.subplots(1, 2, figsize=FIGSIZE, dpi=dpi,
                             gridspec_kw={"width_ratios": [1.3, 1]})
    fig.subplots_adjust(left=0.02, right=0.98, bottom=0.02, top=0.76)  # room for the formula
    anim = animation.FuncAnimation(fig, lambda n: draw_window_step(plan, n, axes),
                                   frames=plan.steps, interval=1000 / fps)
    try:
        return to_jshtml(anim, fps=fps)
    finally:
        plt.close(fig)


def feature_map_animation(image: np.ndarray, kernel: np.ndarray, rows_per_frame: int = 2,
                          fps: float = 4.0, dpi: int = 100) -> str:
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
        raise ValueError(f"image must be a 2-D picture (H, W), got shape {picture.shape}")
    kern = np.asarray(kernel)
    if kern.ndim != 2:
        raise ValueError(f"kernel must be a 2-D filter (kh, kw), got shape {kern.shape}")
    fmap = ops.conv2d(picture, kern, padding="SAME")  # checks values, dtypes, sizes
    step = ops._positive_int(rows_per_frame, "rows_per_frame")
    if isinstance(fps, bool) or not isinstance(fps, (int, float)) or not fps > 0:
        raise ValueError(f"fps must be a number > 0 (frames per second), got {fps!r}")
    h = picture.shape[0]
    top = ops.same_padding(h, kern.shape[0], 1)[0]
    lim = float(np.abs(fmap).max()) or 1.0
    klim = float(np.abs(kern).max()) or 1.0
    fig, axes = plt.subplots(1, 3, figsize=(7.2, 2.9), dpi=dpi,
                             gridspec_kw={"width_ratios": [1, 0.45, 1]})
    axes[0].imshow(picture, cmap="gray")
    axes[1].imshow(kern, cmap="RdBu_r", vmin=-klim, vmax=klim)
    axes[1].set_title(f"filter {kern.shape[0]}x{kern.shape[1]}", fontsize=TITLE_PT)
    shown = np.full(fmap.shape, np.nan)
    img = axes[2].imshow(shown, cmap="RdBu_r", vmin=-lim, vmax=lim)
    band = Rectangle((-0.5, -0.5), picture.shape[1], kern.shape[0], facecolor="#d62728",
                     alpha=0.35, edgecolor="#d62728", lw=1.5)
    axes[0].add_patch(band)
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    frames = -(-h // step)

    def draw(t: int):
        last = min((t + 1) * step, h)            # output rows 0 .. last-1 are done
        shown[:last] = fmap[:last]
        img.set_data(shown)
        band.set_y(last - 1 - top - 0.5)       # the rows under the filter for output row last-1
        axes[0].set_title(f"input, output row {last - 1}", fontsize=TITLE_PT)
        axes[2].set_title(f"feature map, rows 0-{last - 1}", fontsize=TITLE_PT)
        return img, band

    draw(0)                 # titles in place, so the layout leaves room for them
    fig.tight_layout()
    anim_ = animation.FuncAnimation(fig, draw, frames=frames, interval=1000 / fps)
    try:
        return to_jshtml(anim_, fps=fps)
    finally:
        plt.close(fig)
