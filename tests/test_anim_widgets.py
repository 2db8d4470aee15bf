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
    (lambda: anim.window_animation(anim.plan_window(GRID, "max"), fps=0), r"fps must be a number > 0 .*got 0"),
    (lambda: anim.window_animation(anim.plan_window(GRID, "max"), dpi=0), r"dpi must be an int >= 1, got 0"),
    (lambda: anim.feature_map_animation(np.zeros((3, 4, 4)), np.ones((2, 2))), r"got shape \(3, 4, 4\)"),
    (lambda: anim.feature_map_animation(GRID, np.ones((2, 2)), rows_per_frame=0), r"rows_per_frame must be >= 1, got 0"),
    (lambda: widgets.feature_map_explorer(GRID, {}), r"at least one"),
    (lambda: widgets.feature_map_explorer(GRID, {"bad": np.ones((2, 2, 2))}), r"w must be .* got shape \(2, 2, 2\)"),
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


def test_feature_map_animation_has_a_frame_per_band_and_controls():
    html = anim.feature_map_animation(GRID, np.ones((3, 3)), rows_per_frame=2, dpi=40)
    assert len(re.findall(r"frames\[\d+\] = \"data:image/png;base64,", html)) == 3   # rows 0-1, 2-3, 4
    assert "play_animation" in html and "next_frame" in html


def test_feature_map_explorer_redraws_without_a_display(capsys):
    filters = {"blur": np.full((3, 3), 1 / 9), "edge": np.array([[1.0, 0.0, -1.0]] * 3)}
    box = widgets.feature_map_explorer(GRID, filters)
    menu, relu = box.children[0].children
    assert menu.options == ("blur", "edge")
    menu.value = "edge"
    relu.value = True
    # With no front end the Output widget captures nothing and display() prints the
    # figure's repr: one redraw at the start and one per change.
    assert capsys.readouterr().out.count("Figure(660x240)") == 3
