"""Live-kernel widgets (ipywidgets) for using a trained network.

- :class:`DrawingGrid`: a grid of cells to click into a digit (ink on paper);
- :func:`digit_predictor`: the grid and a file upload; *Predict* shows every
  step of :func:`cnnlib.digits.prepare_digit` and the ten probabilities;
- :func:`layer_filter_chooser`: pick a layer and a channel, see its filter,
  its feature map and the digits that excite it most.

They need a running kernel (Jupyter, Colab). The web page shows the same
pipeline on prepared pictures, and :func:`.inside.filter_animation`
stands in for the chooser.
"""

from __future__ import annotations

from typing import Optional

import ipywidgets as W
import numpy as np

from .. import digits as cdigits
from .. import models
from . import explorers, images, inside

INK = "#1b1b3a"
PAPER = "#f5f0e1"


class DrawingGrid:
    """A ``size`` x ``size`` grid of buttons; clicking a cell paints it (or erases it).

    Attributes:
        size: cells per side.
        cells: ``(size, size)`` bool, True where there is ink.
        widget: the ``ipywidgets`` box to display.
    """

    def __init__(self, size: int = 16, cell_px: int = 18):
        if not 4 <= size <= 28:
            raise ValueError(f"size must be in 4..28 cells, got {size}")
        self.size = size
        self.cells = np.zeros((size, size), dtype=bool)
        self.erase = W.ToggleButton(value=False, description="eraser", icon="eraser")
        clear = W.Button(description="clear")
        clear.on_click(lambda _: self.clear())
        layout = W.Layout(
            width=f"{cell_px}px", height=f"{cell_px}px", padding="0", margin="0"
        )
        self.buttons = [
            [
                W.Button(layout=layout, style={"button_color": PAPER})
                for _ in range(size)
            ]
            for _ in range(size)
        ]
        for r, row in enumerate(self.buttons):
            for c, button in enumerate(row):
                button.on_click(lambda _b, r=r, c=c: self.paint(r, c))
        grid = W.GridBox(
            [b for row in self.buttons for b in row],
            layout=W.Layout(
                grid_template_columns=f"repeat({size}, {cell_px}px)", grid_gap="0px"
            ),
        )
        self.widget = W.VBox([grid, W.HBox([self.erase, clear])])

    def paint(self, row: int, col: int, ink: Optional[bool] = None) -> None:
        """Set cell ``(row, col)`` to ink (default: ink, or paper with the eraser
        on)."""
        value = (not self.erase.value) if ink is None else ink
        self.cells[row, col] = value
        self.buttons[row][col].style.button_color = INK if value else PAPER

    def clear(self) -> None:
        """Back to blank paper."""
        for r in range(self.size):
            for c in range(self.size):
                self.paint(r, c, ink=False)

    def picture(self, scale: int = 10) -> np.ndarray:
        """The drawing as an RGB picture, dark ink on light paper:
        ``(size*scale,)*2 + (3,)`` uint8."""
        ink = np.kron(
            self.cells.astype(np.uint8), np.ones((scale, scale), dtype=np.uint8)
        )
        rgb_ink = np.array([27, 27, 58], dtype=np.uint8)
        rgb_paper = np.array([245, 240, 225], dtype=np.uint8)
        return np.where(ink[..., np.newaxis] == 1, rgb_ink, rgb_paper)


def show_prediction(model, source: cdigits.Source, name: Optional[str] = None):
    """Draw the steps of :func:`cnnlib.digits.prepare_digit` and the probability bars.

    Returns:
        ``(steps figure, probabilities figure, prediction)``.
    """
    steps = cdigits.prepare_digit(source, name=name)
    (pred,) = models.predict_digits(model, steps.digit[np.newaxis], [steps.name])
    fig_steps = images.show_pipeline(steps.stages(), size=1.8)
    fig_probs = images.show_scores(
        pred.probabilities,
        highlight=pred.digit,
        title=f"{steps.name}: {pred.digit} ({pred.probability:.0%})",
    )
    return fig_steps, fig_probs, pred


def digit_predictor(model, size: int = 16) -> W.VBox:
    """Draw a digit or upload a picture, press *Predict*, see each step and the
    probabilities."""
    grid = DrawingGrid(size)
    upload = W.FileUpload(
        accept="image/*", multiple=False, description="upload picture"
    )
    go = W.Button(description="Predict", button_style="primary")
    out = W.Output()

    def predict(_=None) -> None:
        with out:
            out.clear_output(wait=True)
            files = list(upload.value)
            try:
                if files:
                    item = files[-1]
                    source, name = bytes(item["content"]), item["name"]
                else:
                    source, name = grid.picture(), "your drawing"
                figs = show_prediction(model, source, name)[:2]
            except cdigits.ImageError as err:
                print(f"Cannot use it: {err}")
                return
            for fig in figs:
                explorers.show(fig)

    def forget_upload(_=None) -> None:
        upload.value = ()

    go.on_click(predict)
    use_drawing = W.Button(description="use drawing")
    use_drawing.on_click(forget_upload)
    return W.VBox([W.HBox([grid.widget, W.VBox([upload, use_drawing, go])]), out])


def layer_filter_chooser(
    model, digit: np.ndarray, digits: np.ndarray, k: int = 4
) -> W.VBox:
    """Choose a layer and a channel; see the filter, the map of ``digit``, the top ``k``
    digits."""
    names = models.map_layer_names(model)
    maps = models.feature_maps(model, digit)
    layer_w = W.Dropdown(options=names, value=names[0], description="layer")
    channel_w = W.IntSlider(
        value=0, min=0, max=maps[names[0]].shape[-1] - 1, description="channel"
    )

    def fit_channels(change) -> None:
        channel_w.max = maps[change["new"]].shape[-1] - 1

    def draw(layer: str, channel: int) -> None:
        explorers.show(
            inside.draw_filter_view(
                model,
                digit,
                digits,
                layer,
                min(channel, maps[layer].shape[-1] - 1),
                k=k,
            )
        )

    layer_w.observe(fit_channels, names="value")
    out = W.interactive_output(draw, {"layer": layer_w, "channel": channel_w})
    return W.VBox([W.HBox([layer_w, channel_w]), out])
