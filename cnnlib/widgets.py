"""Live-kernel explorers (ipywidgets) for the sliding-window chapters.

They redraw :func:`cnnlib.anim.draw_window_step` when a slider moves, so they
need a running Python kernel (Jupyter, Colab). The web page shows the same
drawing as a kernel-free animation (:func:`cnnlib.anim.window_animation`).
"""
from __future__ import annotations

from typing import Optional

import ipywidgets as W
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display

from . import anim


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
