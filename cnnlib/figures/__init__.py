"""Every figure of the book: matplotlib pictures, kernel-free animations, ipywidgets
explorers.

    show_images, show_grid_values, show_pipeline, show_scores, show_node_diagram
    window_animation, feature_map_animation           animations for the web page
    show_history, show_confusion, show_predictions    how a trained network does
    show_feature_maps, show_filters, filter_animation what it computes inside
    architecture_figure                               a network's layers as boxes
    window_explorer, feature_map_explorer, digit_predictor, layer_filter_chooser
                                                      sliders for a live kernel

All sized by one policy (:mod:`.sizing`: the column's width, one font floor).
Figures sit on top of the library: they draw what :mod:`cnnlib.ops` and
:mod:`cnnlib.models` compute, and nothing below imports them. Modules:
:mod:`.sizing`, :mod:`.images`, :mod:`.windows`, :mod:`.evaluation`,
:mod:`.inside`, :mod:`.architecture`, :mod:`.explorers`, :mod:`.drawing`.
"""

from ..core.lazy import public_api

__getattr__, __dir__, __all__ = public_api(
    __name__,
    {
        "sizing": [
            "COLUMN_PX",
            "LABEL_PT",
            "MAX_WIDTH_IN",
            "MIN_TEXT_PX",
            "PAGE_DPI",
            "TITLE_PT",
            "drawn_texts",
            "panel_grid",
            "smallest_text_px",
        ],
        "images": [
            "show_grid_values",
            "show_images",
            "show_node_diagram",
            "show_pipeline",
            "show_scores",
        ],
        "windows": [
            "FIGSIZE",
            "FORMULA_WIDTH",
            "draw_window_step",
            "feature_map_animation",
            "window_animation",
        ],
        "evaluation": ["show_confusion", "show_history", "show_predictions"],
        "inside": [
            "draw_filter_view",
            "filter_animation",
            "show_feature_maps",
            "show_filters",
            "show_top_digits",
        ],
        "explorers": [
            "feature_map_explorer",
            "feature_map_figure",
            "show",
            "window_explorer",
        ],
        "architecture": ["architecture_figure"],
        "drawing": [
            "INK",
            "PAPER",
            "DrawingGrid",
            "digit_predictor",
            "layer_filter_chooser",
            "show_prediction",
        ],
    },
)
