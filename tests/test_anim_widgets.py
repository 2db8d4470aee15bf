"""The sliding-window drawings: animation HTML and live widgets."""
from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from cnnlib import anim, ops, widgets

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


@pytest.fixture
def drawn(monkeypatch):
    """The figures the widgets hand to ``display``, in order (as images and titles)."""
    seen = []

    def record(fig):
        seen.append({"titles": [ax.get_title() for ax in fig.axes],
                     "suptitle": fig._suptitle.get_text() if fig._suptitle else "",
                     "images": [ax.images[0].get_array().data.copy() for ax in fig.axes
                                if ax.images]})
    monkeypatch.setattr(widgets, "display", record)
    return seen


def test_feature_map_explorer_redraws_the_chosen_filter(drawn):
    edge = np.array([[1.0, 0.0, -1.0]] * 3)
    filters = {"blur": np.full((3, 3), 1 / 9), "edge": edge}
    box = widgets.feature_map_explorer(GRID, filters)
    menu, relu = box.children[0].children
    assert menu.options == ("blur", "edge")
    assert len(drawn) == 1 and drawn[0]["titles"][2] == "feature map"
    np.testing.assert_allclose(drawn[0]["images"][2], ops.conv2d(GRID, filters["blur"]))

    menu.value = "edge"
    assert len(drawn) == 2
    signed = ops.conv2d(GRID, edge)
    assert signed.min() < 0                                   # the edge map has negatives...
    np.testing.assert_allclose(drawn[1]["images"][1], edge)
    np.testing.assert_allclose(drawn[1]["images"][2], signed)

    relu.value = True
    assert len(drawn) == 3 and drawn[2]["titles"][2] == "feature map after ReLU"
    np.testing.assert_allclose(drawn[2]["images"][2], np.maximum(signed, 0))  # ...ReLU drops them


def test_window_explorer_redraws_at_the_chosen_position(drawn):
    box = widgets.window_explorer(GRID, "max", size=2, stride=2, padding="VALID")
    step = box.children[2]
    assert len(drawn) == 1 and step.max == 3
    step.value = 3                                           # bottom-right window: max 18
    assert len(drawn) == 2 and drawn[0]["suptitle"] != drawn[1]["suptitle"]
    assert drawn[1]["suptitle"].startswith("out[1,1] = max(12, 13, 17, 18) = 18")
