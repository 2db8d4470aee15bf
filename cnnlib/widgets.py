"""Live-kernel explorers (ipywidgets) for the sliding-window chapters.

They redraw :func:`cnnlib.anim.draw_window_step` when a slider moves, so they
need a running Python kernel (Jupyter, Colab). The web page shows the same
drawing as a kernel-free animation (:func:`cnnlib.anim.window_animation`).

- :func:`window_explorer`: a filter or pooling window on a small grid
  (position, size, stride, padding);
- :func:`feature_map_explorer`: a menu of filters on a digit, and the feature map.
"""
from __future__ import annotations

from typing import Mapping, Optional

import ipywidgets as W
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display

from . import anim, ops


def window_explorer(x: np.ndarray, op: str = "conv", kernel: Optional[np.ndarray] = None,
                    size: int = 2, stride: int = 1, padding: str = "VALID") -> W.VBox:
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
    anim.plan_window(x, op, kernel, size, stride, padding)  # fail early on bad input
    fill = float(np.mean(kernel)) if kernel is not None else 0.0
    size_w = W.IntSlider(value=size if kernel is None else np.shape(kernel)[0], min=1, max=4,
                         description="size")
    stride_w = W.IntSlider(value=stride, min=1, max=3, description="stride")
    pad_w = W.ToggleButtons(options=["VALID", "SAME"], value=padding.upper(), description="padding")
    step_w = W.IntSlider(value=0, min=0, max=0, description="position")
    out = W.Output()

    def current_plan() -> anim.WindowPlan:
        k = size_w.value
        kern = None
        if op == "conv":
            kern = kernel if kernel is not None and np.shape(kernel) == (k, k) else np.full((k, k), fill)
        return anim.plan_window(x, op, kern, k, stride_w.value, pad_w.value)

    def redraw(*_):
        try:
            plan = current_plan()
        except ValueError as err:
            with out:
                out.clear_output(wait=True)
                print(f"Not possible: {err}")
            return
        step_w.max = plan.steps - 1
        with out:
            out.clear_output(wait=True)
            fig = anim.draw_window_step(plan, min(step_w.value, plan.steps - 1))
            display(fig)
            plt.close(fig)

    for control in (size_w, stride_w, pad_w, step_w):
        control.observe(redraw, names="value")
    redraw()
    return W.VBox([W.HBox([size_w, stride_w]), pad_w, step_w, out])


def feature_map_explorer(image: np.ndarray, filters: Mapping[str, np.ndarray]) -> W.VBox:
    """Pick a filter from a menu and see its feature map on ``image``, with or without ReLU.

    Args:
        image: ``(H, W)`` picture (e.g. a scaled MNIST digit, values 0..1).
        filters: ordered ``{name: (kh, kw) filter}``; at least one.

    Returns:
        The widget: a filter menu, a ReLU checkbox, and the picture, the
        filter and the ``(H, W)`` feature map (``ops.conv2d``, ``"SAME"``).
    """
    picture = np.asarray(image)
    if picture.ndim != 2:
        raise ValueError(f"image must be a 2-D picture (H, W), got shape {picture.shape}")
    if not filters:
        raise ValueError("filters must hold at least one {name: (kh, kw) filter}, got none")
    maps = {name: ops.conv2d(picture, k, padding="SAME") for name, k in filters.items()}  # checks all
    menu = W.Dropdown(options=list(filters), value=next(iter(filters)), description="filter")
    relu = W.Checkbox(value=False, description="apply ReLU")
    out = W.Output()

    def redraw(*_):
        fmap = maps[menu.value]
        if relu.value:
            fmap = np.maximum(fmap, 0.0)
        with out:
            out.clear_output(wait=True)
            fig, axes = plt.subplots(1, 3, figsize=(6.6, 2.4))
            axes[0].imshow(picture, cmap="gray")
            kern = np.asarray(filters[menu.value], dtype=float)
            lim = float(np.abs(kern).max()) or 1.0
            axes[1].imshow(kern, cmap="RdBu_r", vmin=-lim, vmax=lim)
            lim = float(np.abs(fmap).max()) or 1.0
            axes[2].imshow(fmap, cmap="RdBu_r", vmin=-lim, vmax=lim)
            for ax, title in zip(axes, ("input", f"filter {kern.shape[0]}x{kern.shape[1]}",
                                         "feature map" + (" after ReLU" if relu.value else ""))):
                ax.set_title(title, fontsize=9)
                ax.set_axis_off()
            display(fig)
            plt.close(fig)

    menu.observe(redraw, names="value")
    relu.observe(redraw, names="value")
    redraw()
    return W.VBox([W.HBox([menu, relu]), out])
