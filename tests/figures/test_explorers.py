"""Tests of cnnlib.figures.explorers: the ipywidgets explorers of chapters 2-3, driven
like a reader drives them (setting the controls' values), with the figures they hand
to ``display`` recorded instead of shown."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from cnnlib import figures, ops  # noqa: E402
from cnnlib.figures import explorers  # noqa: E402

GRID = np.arange(25.0).reshape(5, 5)


@pytest.fixture
def drawn(monkeypatch):
    """The figures the widgets hand to ``display``, in order (as images and titles)."""
    seen = []

    def record(fig):
        seen.append(
            {
                "titles": [ax.get_title() for ax in fig.axes],
                "suptitle": fig._suptitle.get_text() if fig._suptitle else "",
                "images": [
                    ax.images[0].get_array().data.copy() for ax in fig.axes if ax.images
                ],
            }
        )

    monkeypatch.setattr(explorers, "display", record)
    yield seen
    plt.close("all")


def test_window_explorer_positions_follow_size_stride_and_padding(drawn):
    box = figures.window_explorer(GRID, "conv", np.full((2, 2), 0.5))
    sliders = {c.description: c for c in box.children[0].children}
    padding, position = box.children[1], box.children[2]
    assert position.max == 15  # 4x4 outputs of a 2x2 VALID filter
    sliders["stride"].value = 2
    assert position.max == 3  # 2x2 outputs
    padding.value = "SAME"
    assert position.max == 8  # 3x3 outputs
    sliders["size"].value = 3
    assert position.max == 8  # SAME: ceil(5 / 2) squared, whatever the size


def test_window_explorer_redraws_at_the_chosen_position(drawn):
    box = figures.window_explorer(GRID, "max", size=2, stride=2, padding="VALID")
    step = box.children[2]
    assert len(drawn) == 1 and step.max == 3
    step.value = 3  # bottom-right window: max 18
    assert len(drawn) == 2 and drawn[0]["suptitle"] != drawn[1]["suptitle"]
    assert drawn[1]["suptitle"].startswith("out[1,1] = max(12, 13, 17, 18) = 18")
    assert plt.get_fignums() == []  # each shown figure is freed


def test_window_explorer_says_when_a_setting_is_impossible(drawn, capsys):
    box = figures.window_explorer(np.ones((3, 3)), "max", size=2, padding="VALID")
    size = box.children[0].children[0]
    size.value = 4  # a 4x4 window on a 3x3 grid
    assert box.children[2].max == 0
    out = box.children[3]
    printed = "".join(o.get("text", "") for o in out.outputs) + capsys.readouterr().out
    assert (
        "Not possible: with VALID padding the window (4) must fit in the input (3)"
        in printed
    )


def test_window_explorer_refuses_a_bad_grid_at_once():
    with pytest.raises(
        ValueError, match=r"x must have shape .*\(H, W\).* got shape \(4,\)"
    ):
        figures.window_explorer(np.zeros(4), "max")
    with pytest.raises(ValueError, match=r"op must be one of"):
        figures.window_explorer(GRID, "median")


def test_feature_map_explorer_redraws_the_chosen_filter(drawn):
    edge = np.array([[1.0, 0.0, -1.0]] * 3)
    filters = {"blur": np.full((3, 3), 1 / 9), "edge": edge}
    box = figures.feature_map_explorer(GRID, filters)
    menu, relu = box.children[0].children
    assert menu.options == ("blur", "edge")
    assert len(drawn) == 1 and drawn[0]["titles"][2] == "feature map"
    np.testing.assert_allclose(drawn[0]["images"][2], ops.conv2d(GRID, filters["blur"]))

    menu.value = "edge"
    assert len(drawn) == 2
    signed = ops.conv2d(GRID, edge)
    assert signed.min() < 0  # the edge map has negatives...
    np.testing.assert_allclose(drawn[1]["images"][1], edge)
    np.testing.assert_allclose(drawn[1]["images"][2], signed)
    assert drawn[1]["titles"][1] == "filter 3x3"

    relu.value = True
    assert len(drawn) == 3 and drawn[2]["titles"][2] == "feature map after ReLU"
    np.testing.assert_allclose(
        drawn[2]["images"][2], np.maximum(signed, 0)
    )  # ...ReLU drops them


def test_feature_map_figure_is_input_filter_and_map():
    fig = figures.feature_map_figure(GRID, np.ones((2, 2)), relu=False)
    assert [ax.get_title() for ax in fig.axes] == ["input", "filter 2x2", "feature map"]
    np.testing.assert_allclose(
        fig.axes[2].images[0].get_array(), ops.conv2d(GRID, np.ones((2, 2)))
    )


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: figures.feature_map_explorer(GRID, {}), r"at least one"),
        (
            lambda: figures.feature_map_explorer(
                np.zeros((2, 5, 5)), {"a": np.ones((2, 2))}
            ),
            r"image must be a 2-D picture \(H, W\), got shape \(2, 5, 5\)",
        ),
        (
            lambda: figures.feature_map_explorer(GRID, {"bad": np.ones((2, 2, 2))}),
            r"w must be .* got shape \(2, 2, 2\)",
        ),
        (
            lambda: figures.feature_map_explorer(
                GRID, {"nan": np.full((2, 2), np.nan)}
            ),
            r"w contains NaN",
        ),
    ],
)
def test_bad_explorers_name_the_value(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_show_displays_and_frees_the_figure(monkeypatch):
    shown = []
    monkeypatch.setattr(explorers, "display", shown.append)
    fig = plt.figure()
    figures.show(fig)
    assert shown == [fig] and not plt.fignum_exists(fig.number)
