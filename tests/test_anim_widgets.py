"""The sliding-window drawings: animation HTML and live widgets."""
from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from cnnlib import anim, widgets

GRID = np.arange(25.0).reshape(5, 5)


def test_animation_has_one_frame_per_output_cell_and_controls():
    plan = anim.plan_window(GRID, "max", size=2, stride=2, padding="SAME")
    html = anim.window_animation(plan)
    assert plan.steps == 9
    assert len(re.findall(r"frames\[\d+\] = \"data:image/png;base64,", html)) == 9
    for control in ("first_frame", "previous_frame", "play_animation", "next_frame"):
        assert control in html


def test_plan_pads_the_bottom_right_like_tensorflow():
    plan = anim.plan_window(GRID, "max", size=2, stride=2, padding="SAME")
    assert plan.padded.shape == (6, 6) and (plan.top, plan.left) == (0, 0)
    assert np.isnan(plan.padded[5]).all() and np.isnan(plan.padded[:, 5]).all()


def test_step_out_of_range_names_it():
    plan = anim.plan_window(GRID, "conv", np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"step must be in 0\.\.15, got 16"):
        anim.draw_window_step(plan, 16)


@pytest.mark.parametrize("call,message", [
    (lambda: anim.plan_window(GRID, "sum"), r"op must be one of .* got 'sum'"),
    (lambda: anim.plan_window(GRID, "conv"), r"needs a kernel"),
    (lambda: anim.plan_window(np.zeros(4), "max"), r"2-D grid .* got shape \(4,\)"),
])
def test_bad_plans(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_widget_updates_without_a_display():
    box = widgets.window_explorer(GRID, "conv", np.full((2, 2), 0.5))
    sliders = {c.description: c for row in box.children[:1] for c in row.children}
    position = box.children[2]
    assert position.max == 15               # 4x4 outputs of a 2x2 VALID filter
    sliders["stride"].value = 2
    assert position.max == 3                # 2x2 outputs
    box.children[1].value = "SAME"
    assert position.max == 8                # 3x3 outputs
