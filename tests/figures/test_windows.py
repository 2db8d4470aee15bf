"""Tests of cnnlib.figures.windows: the sliding-window drawing and the kernel-free
animations (to_jshtml HTML) built from it. (The plan it draws: tests/ops/test_window.py;
the sliders: test_explorers.py; text sizes: test_sizing.py.)"""

from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from cnnlib import figures, ops  # noqa: E402

GRID = np.arange(25.0).reshape(5, 5)
FRAME = re.compile(r"frames\[\d+\] = \"data:image/png;base64,")


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_animation_has_one_frame_per_output_cell_and_controls():
    plan = ops.plan_window(GRID, "max", size=2, stride=2, padding="SAME")
    html = figures.window_animation(plan)
    assert plan.steps == 9
    assert len(FRAME.findall(html)) == 9
    for control in ("first_frame", "previous_frame", "play_animation", "next_frame"):
        assert control in html
    assert plt.get_fignums() == []  # the figure is freed


def test_draw_window_step_shows_the_formula_and_fills_the_output_so_far():
    plan = ops.plan_window(GRID, "conv", np.full((2, 2), 0.5))
    fig = figures.draw_window_step(plan, 5)
    ax_in, ax_out = fig.axes
    assert ax_in.get_title() == "input" and ax_out.get_title() == "output (convolution)"
    formula = fig._suptitle.get_text()
    assert formula.replace("\n", " ") == (
        "out[1,1] = 0.5*6 + 0.5*7 + 0.5*11 + 0.5*12 = 18.00"
    )
    assert [t.get_text() for t in ax_out.texts] == [
        f"{v:.2f}" for v in plan.out.ravel()[:6]
    ]
    assert len(ax_in.texts) == 25  # every input value is written


def test_pad_cells_are_drawn_as_pad():
    plan = ops.plan_window(GRID, "avg", size=2, stride=2, padding="SAME")
    fig = figures.draw_window_step(plan, 8)
    assert sum(t == "pad" for t in (x.get_text() for x in fig.axes[0].texts)) == 11
    assert fig._suptitle.get_text().startswith(
        "out[2,2] = mean of real cells(24, pad, pad, pad)"
    )


def test_a_long_formula_wraps_within_the_figure():
    plan = ops.plan_window(np.arange(36.0).reshape(6, 6), "conv", np.full((4, 4), 0.25))
    formula = figures.draw_window_step(plan, 0)._suptitle.get_text()
    assert "\n" in formula
    assert max(len(line) for line in formula.splitlines()) <= figures.FORMULA_WIDTH


def test_draw_window_step_draws_into_given_axes():
    fig, axes = plt.subplots(1, 2)
    plan = ops.plan_window(GRID, "max")
    assert figures.draw_window_step(plan, 0, axes) is fig
    assert figures.draw_window_step(plan, 1, axes) is fig
    assert len(fig.axes) == 2  # redrawn, not added to


def test_step_out_of_range_names_it():
    plan = ops.plan_window(GRID, "conv", np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"step must be 0\.\.15, got 16"):
        figures.draw_window_step(plan, 16)


def test_feature_map_animation_has_a_frame_per_band_and_controls():
    html = figures.feature_map_animation(
        GRID, np.ones((3, 3)), rows_per_frame=2, dpi=40
    )
    assert len(FRAME.findall(html)) == 3  # rows 0-1, 2-3, 4
    assert "play_animation" in html and "next_frame" in html
    assert plt.get_fignums() == []


@pytest.mark.parametrize(
    "call,message",
    [
        (
            lambda: figures.window_animation(ops.plan_window(GRID, "max"), fps=0),
            r"fps must be 0 < fps \(e\.g\. 1\.5 frames per second\), got 0",
        ),
        (
            lambda: figures.window_animation(
                ops.plan_window(GRID, "max"), fps=float("nan")
            ),
            r"fps must be a finite number .*got nan",
        ),
        (
            lambda: figures.window_animation(ops.plan_window(GRID, "max"), dpi=0),
            r"dpi must be >= 1, got 0",
        ),
        (
            lambda: figures.feature_map_animation(np.zeros((3, 4, 4)), np.ones((2, 2))),
            r"image must be a 2-D picture \(H, W\), got shape \(3, 4, 4\)",
        ),
        (
            lambda: figures.feature_map_animation(GRID, np.ones(2)),
            r"kernel must be a 2-D filter \(kh, kw\), got shape \(2,\)",
        ),
        (
            lambda: figures.feature_map_animation(
                GRID, np.ones((2, 2)), rows_per_frame=0
            ),
            r"rows_per_frame must be >= 1, got 0",
        ),
        (
            lambda: figures.feature_map_animation(GRID, np.ones((2, 2)), fps=-1),
            r"fps must be 0 < fps",
        ),
        (
            lambda: figures.feature_map_animation(
                np.full((4, 4), np.nan), np.ones((2, 2))
            ),
            r"x contains NaN",
        ),
    ],
)
def test_bad_animations_name_the_value(call, message):
    with pytest.raises(ValueError, match=message):
        call()
    assert plt.get_fignums() == []  # nothing left open by a refusal
