"""Live-kernel explorers (ipywidgets) for the sliding-window chapters.

They redraw :func:`.windows.draw_window_step` when a slider moves, so they
need a running Python kernel (Jupyter, Colab). The web page shows the same
drawing as a kernel-free animation (:func:`.windows.window_animation`).

- :func:`window_explorer`: a filter or pooling window on a small grid
  (position, size, stride, padding);
- :func:`feature_map_explorer`: a menu of filters on a digit, and the feature map
  (:func:`feature_map_figure`).

Both hand their drawing function to ``ipywidgets.interactive_output``, which
calls it again, in the widget's own output area, whenever a control changes.
"""

from __future__ import annotations

from typing import Mapping, Optional

import ipywidgets as W
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display
from matplotlib.figure import Figure

from .. import ops
from . import sizing, windows


def window_explorer(
    x: np.ndarray,
    op: str = "conv",
    kernel: Optional[np.ndarray] = None,
    size: int = 2,
    stride: int = 1,
    padding: str = "VALID",
) -> W.VBox:
    """Sliders for the window's position, size, stride and padding over grid ``x``.

    Args:
        x: ``(H, W)`` input grid.
        op: ``"conv"`` (uses ``kernel``; the size slider then makes a filter of
            that size filled with ``kernel``'s mean), ``"max"`` or ``"avg"``.
        kernel: ``(kh, kw)`` filter for ``"conv"``.
        size, stride, padding: starting values of the controls.

    Returns:
        The widget (display it, or make it the cell's last expression).
    """
    ops.plan_window(x, op, kernel, size, stride, padding)  # fail early on bad input
    fill = float(np.mean(kernel)) if kernel is not None else 0.0
    size_w = W.IntSlider(
        value=size if kernel is None else np.shape(kernel)[0],
        min=1,
        max=4,
        description="size",
    )
    stride_w = W.IntSlider(value=stride, min=1, max=3, description="stride")
    pad_w = W.ToggleButtons(
        options=["VALID", "SAME"], value=padding.upper(), description="padding"
    )
    step_w = W.IntSlider(value=0, min=0, max=0, description="position")

    def plan_for(k: int, s: int, pad: str) -> ops.WindowPlan:
        kern = None
        if op == "conv":
            kern = (
                kernel
                if kernel is not None and np.shape(kernel) == (k, k)
                else np.full((k, k), fill)
            )
        return ops.plan_window(x, op, kern, k, s, pad)

    def update_positions(*_):
        try:
            step_w.max = plan_for(size_w.value, stride_w.value, pad_w.value).steps - 1
        except ValueError:
            step_w.max = 0

    def draw(size: int, stride: int, padding: str, step: int) -> None:
        try:
            plan = plan_for(size, stride, padding)
        except ValueError as err:
            print(f"Not possible: {err}")
            return
        show(windows.draw_window_step(plan, min(step, plan.steps - 1)))

    for control in (size_w, stride_w, pad_w):
        control.observe(update_positions, names="value")
    update_positions()
    out = W.interactive_output(
        draw, {"size": size_w, "stride": stride_w, "padding": pad_w, "step": step_w}
    )
    return W.VBox([W.HBox([size_w, stride_w]), pad_w, step_w, out])


def feature_map_figure(
    picture: np.ndarray, kernel: np.ndarray, relu: bool = False
) -> Figure:
    """Picture ``(H, W)``, filter ``(kh, kw)`` and its ``"SAME"`` feature map
    ``(H, W)``.

    The map is :func:`cnnlib.ops.conv2d` of the two, clipped at 0 when ``relu``.
    """
    kern = np.asarray(kernel, dtype=float)
    fmap = ops.conv2d(picture, kern, padding="SAME")
    if relu:
        fmap = np.maximum(fmap, 0.0)
    fig, axes = plt.subplots(1, 3, figsize=(6.6, 2.4))
    axes[0].imshow(picture, cmap="gray")
    for ax, arr in ((axes[1], kern), (axes[2], fmap)):
        lim = float(np.abs(arr).max()) or 1.0
        ax.imshow(arr, cmap="RdBu_r", vmin=-lim, vmax=lim)
    for ax, title in zip(
        axes,
        (
            "input",
            f"filter {kern.shape[0]}x{kern.shape[1]}",
            "feature map" + (" after ReLU" if relu else ""),
        ),
    ):
        ax.set_title(title, fontsize=sizing.LABEL_PT)
        ax.set_axis_off()
    return fig


def feature_map_explorer(
    image: np.ndarray, filters: Mapping[str, np.ndarray]
) -> W.VBox:
    """Pick a filter from a menu and see its feature map on ``image``, with or without
    ReLU.

    Args:
        image: ``(H, W)`` picture (e.g. a scaled MNIST digit, values 0..1).
        filters: ordered ``{name: (kh, kw) filter}``; at least one.

    Returns:
        The widget: a filter menu, a ReLU checkbox, and :func:`feature_map_figure`
        of the chosen filter, redrawn on every change.
    """
    picture = np.asarray(image)
    if picture.ndim != 2:
        raise ValueError(
            f"image must be a 2-D picture (H, W), got shape {picture.shape}"
        )
    if not filters:
        raise ValueError(
            "filters must hold at least one {name: (kh, kw) filter}, got none"
        )
    for k in filters.values():
        ops.conv2d(picture, k, padding="SAME")  # fail early on a bad filter
    menu = W.Dropdown(
        options=list(filters), value=next(iter(filters)), description="filter"
    )
    relu = W.Checkbox(value=False, description="apply ReLU")

    def draw(name: str, relu: bool) -> None:
        show(feature_map_figure(picture, filters[name], relu))

    out = W.interactive_output(draw, {"name": menu, "relu": relu})
    return W.VBox([W.HBox([menu, relu]), out])


def show(fig: Figure) -> None:
    """Display ``fig`` in the current output (the widget's) and free it."""
    display(fig)
    plt.close(fig)
