"""Looking inside a trained network: feature maps, learned filters, favourite digits.

- :func:`feature_maps`: the output of every conv, ReLU and pooling layer for
  one digit, ``{layer name: (H, W, C)}``;
- :func:`conv_filters`: a conv layer's learned filters ``(C_out, k, k)``;
- :func:`top_activating`: the digits of a set that excite one filter most;
- :func:`show_feature_maps`, :func:`show_filters`, :func:`show_top_digits`:
  matplotlib figures of them;
- :func:`filter_animation`: a kernel-free animation stepping through the
  filters of a layer, for the web page.
"""
from __future__ import annotations

from typing import Optional, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import animation
from matplotlib.figure import Figure

from ._checks import finite_array
from ._figures import LABEL_PT, TITLE_PT, panel_grid
from .anim import to_jshtml
from .models import as_digit_batch

import keras  # noqa: E402

#: Layer kinds whose outputs are pictures (feature maps).
MAP_LAYERS = (keras.layers.Conv2D, keras.layers.ReLU, keras.layers.MaxPooling2D)


def map_layer_names(model: keras.Model) -> list[str]:
    """Names of the layers whose outputs are feature maps, in order."""
    return [layer.name for layer in model.layers if isinstance(layer, MAP_LAYERS)]


def _check_layer(model: keras.Model, name: str, kinds=MAP_LAYERS) -> keras.layers.Layer:
    names = [layer.name for layer in model.layers if isinstance(layer, kinds)]
    if name not in names:
        raise ValueError(f"layer {name!r} is not one of this model's {names}")
    return model.get_layer(name)


def feature_maps(model: keras.Model, digits: np.ndarray,
                 layers: Optional[Sequence[str]] = None) -> dict[str, np.ndarray]:
    """The outputs of feature-map layers for raw digits.

    Args:
        model: a functional Keras model (as :func:`cnnlib.models.build_model`).
        digits: one digit ``(28, 28)`` or a batch ``(N, 28, 28)``, 0..255.
        layers: layer names (default: :func:`map_layer_names`).

    Returns:
        ``{name: maps}`` in layer order; ``maps`` is ``(H, W, C)`` float32 for
        one digit, ``(N, H, W, C)`` for a batch.
    """
    names = list(layers) if layers is not None else map_layer_names(model)
    for name in names:
        _check_layer(model, name)
    single = np.ndim(digits) == 2
    batch = as_digit_batch(digits)
    probe = keras.Model(model.input, [model.get_layer(n).output for n in names])
    outs = probe(batch, training=False)
    outs = outs if isinstance(outs, (list, tuple)) else [outs]
    result = {n: np.asarray(o, dtype=np.float32) for n, o in zip(names, outs)}
    return {n: m[0] for n, m in result.items()} if single else result


def conv_filters(model: keras.Model, layer: str = "conv1", in_channel: Optional[int] = None
                 ) -> np.ndarray:
    """A conv layer's learned filters as ``(C_out, k, k)``.

    The kernel is stored as ``(k, k, C_in, C_out)``. For the first layer
    ``C_in = 1``; for later layers pick ``in_channel`` or (default) average
    over the input channels.
    """
    conv = _check_layer(model, layer, (keras.layers.Conv2D,))
    kernel = np.asarray(conv.get_weights()[0], dtype=np.float32)
    if in_channel is None:
        flat = kernel.mean(axis=2)
    else:
        if not 0 <= in_channel < kernel.shape[2]:
            raise ValueError(f"in_channel must be in 0..{kernel.shape[2] - 1}, got {in_channel}")
        flat = kernel[:, :, in_channel, :]
    return np.moveaxis(flat, -1, 0)


def top_activating(model: keras.Model, digits: np.ndarray, layer: str, channel: int,
                   k: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` digits whose strongest response in ``layer``'s ``channel`` is largest.

    Args:
        digits: ``(N, 28, 28)`` raw digits to search (e.g. the test set).
        layer, channel: which feature map.
        k: how many to return.

    Returns:
        ``(indices (k,), scores (k,))``, strongest first; the score is the
        maximum of the feature map over all positions.
    """
    maps = feature_maps(model, digits, [layer])[layer]
    if maps.ndim != 4:
        raise ValueError(f"digits must be a batch (N, 28, 28), got shape {np.shape(digits)}")
    channels = maps.shape[-1]
    if not 0 <= channel < channels:
        raise ValueError(f"channel must be in 0..{channels - 1} for layer {layer!r}, got {channel}")
    if not 1 <= k <= len(maps):
        raise ValueError(f"k must be in 1..{len(maps)}, got {k}")
    scores = maps[..., channel].reshape(len(maps), -1).max(axis=1)
    order = np.argsort(-scores, kind="stable")[:k]
    return order, scores[order]


def show_feature_maps(maps: np.ndarray, title: str = "", max_channels: int = 16,
                      ncols: int = 6, size: float = 1.1) -> Figure:
    """One layer's maps ``(H, W, C)`` as a grid of pictures (the first ``max_channels``).

    Rows of at most ``ncols`` panels of at most ``size`` inches, narrower when
    needed to fit the page's column (see :mod:`cnnlib._figures`).
    """
    arr = np.asarray(maps)
    if arr.ndim != 3:
        raise ValueError(f"maps must be (H, W, C) for one digit, got shape {arr.shape}")
    n = min(arr.shape[-1], max_channels)
    fig, axes = panel_grid(n, ncols, size)
    lim = float(np.abs(arr[..., :n]).max()) or 1.0
    signed = arr[..., :n].min() < 0
    for c, ax in enumerate(axes):
        if signed:
            ax.imshow(arr[..., c], cmap="RdBu_r", vmin=-lim, vmax=lim)
        else:
            ax.imshow(arr[..., c], cmap="magma", vmin=0, vmax=lim)
        ax.set_title(str(c), fontsize=LABEL_PT)
    shown = f"{n} of {arr.shape[-1]}" if n < arr.shape[-1] else f"all {n}"
    fig.suptitle(f"{title} {arr.shape[0]}x{arr.shape[1]}x{arr.shape[-1]} ({shown} channels)".strip(),
                 fontsize=TITLE_PT)
    fig.tight_layout()
    return fig


def show_filters(filters: np.ndarray, title: str = "", size: float = 1.1,
                 ncols: int = 6) -> Figure:
    """Filters ``(C, k, k)`` in rows of up to ``ncols``: red positive, blue negative.

    Each filter has its own colour scale, symmetric about 0 (white).
    """
    arr = np.asarray(filters)
    if arr.ndim != 3:
        raise ValueError(f"filters must be (C, k, k), got shape {arr.shape}")
    fig, axes = panel_grid(arr.shape[0], ncols, size)
    for c, ax in enumerate(axes):
        lim = float(np.abs(arr[c]).max()) or 1.0
        ax.imshow(arr[c], cmap="RdBu_r", vmin=-lim, vmax=lim)
        ax.set_title(str(c), fontsize=LABEL_PT)
    if title:
        fig.suptitle(title, fontsize=TITLE_PT)
    fig.tight_layout()
    return fig


def show_top_digits(digits: np.ndarray, indices: np.ndarray, scores: np.ndarray,
                    labels: Optional[np.ndarray] = None, title: str = "",
                    size: float = 1.1) -> Figure:
    """The digits ``digits[indices]`` in rows of up to 6, titled with their scores (and labels)."""
    idx = np.asarray(indices)
    vals = finite_array(scores, "scores", ndim=1, shape_hint="(k,)")
    n = len(digits)
    if idx.ndim != 1 or idx.dtype.kind not in "ui" or idx.size == 0:
        raise ValueError(f"indices must be a 1-D array of whole numbers, got {indices!r}")
    if len(idx) != len(vals):
        raise ValueError(f"got {len(idx)} indices but {len(vals)} scores; give one score per index")
    if idx.min() < 0 or idx.max() >= n:
        raise ValueError(f"indices must lie in 0..{n - 1} (there are {n} digits), "
                         f"got {idx[(idx < 0) | (idx >= n)].tolist()}")
    if labels is not None and len(labels) != n:
        raise ValueError(f"got {n} digits but {len(labels)} labels")
    fig, axes = panel_grid(len(idx), 6, size, title_lines=2 if labels is not None else 1)
    for ax, i, s in zip(axes, idx, vals):
        ax.imshow(digits[i], cmap="gray")
        lab = f"label {labels[i]}\n" if labels is not None else ""
        ax.set_title(f"{lab}max {s:.1f}", fontsize=LABEL_PT)
    if title:
        fig.suptitle(title, fontsize=TITLE_PT)
    fig.tight_layout()
    return fig


def _filter_view_axes(k: int, dpi: Optional[int] = None) -> tuple[Figure, np.ndarray]:
    """Axes for :func:`draw_filter_view`: ``2 + k`` panels in rows of 3, 1.8 inches each,
    with room for one line of title above each (no ``tight_layout``: animation
    frames must keep one layout)."""
    fig, axes = panel_grid(2 + k, 3, 1.8, dpi=dpi)
    head = 0.3                                   # inches for a panel title
    fig.subplots_adjust(left=0.02, right=0.98, bottom=0.02, top=1 - head / fig.get_figheight(),
                        wspace=0.12, hspace=head / 1.8 + 0.05)
    return fig, axes


def draw_filter_view(model: keras.Model, digit: np.ndarray, digits: np.ndarray, layer: str,
                     channel: int, axes: Optional[Sequence[plt.Axes]] = None,
                     top: Optional[tuple[np.ndarray, np.ndarray]] = None, k: int = 4,
                     digit_maps: Optional[np.ndarray] = None) -> Figure:
    """One filter at a glance: its weights, its map for ``digit``, its ``k`` favourite digits.

    ``axes`` (``2 + k`` of them) lets an animation redraw into the same figure;
    ``top`` passes precomputed :func:`top_activating` results and ``digit_maps``
    the ``(H, W, C)`` maps of ``digit`` in ``layer``.
    """
    if axes is None:
        _, axes = _filter_view_axes(k)
    fig = axes[0].figure
    for ax in axes:
        ax.clear()
        ax.set_axis_off()
    conv_name = layer if isinstance(model.get_layer(layer), keras.layers.Conv2D) else None
    if conv_name:
        w = conv_filters(model, conv_name)[channel]
        lim = float(np.abs(w).max()) or 1.0
        axes[0].imshow(w, cmap="RdBu_r", vmin=-lim, vmax=lim)
        axes[0].set_title(f"{layer} filter {channel}", fontsize=LABEL_PT)
    if digit_maps is None:
        digit_maps = feature_maps(model, digit, [layer])[layer]
    fmap = digit_maps[..., channel]
    axes[1].imshow(fmap, cmap="magma")
    axes[1].set_title(f"map {channel}", fontsize=LABEL_PT)
    idx, scores = top if top is not None else top_activating(model, digits, layer, channel, k)
    for ax, i, s in zip(axes[2:], idx[:k], scores[:k]):
        ax.imshow(digits[i], cmap="gray")
        ax.set_title(f"top: {s:.1f}", fontsize=LABEL_PT)
    return fig


def filter_animation(model: keras.Model, digit: np.ndarray, digits: np.ndarray,
                     layer: str = "conv1", k: int = 4, fps: float = 1.0, dpi: int = 90) -> str:
    """Every channel of ``layer``, one frame each, as kernel-free HTML (``to_jshtml``).

    Each frame is :func:`draw_filter_view`: filter, feature map of ``digit``,
    the ``k`` digits of ``digits`` that excite it most, in rows of 3 panels
    (5.4 x 4.34 inches for ``k = 4``: 486 x 391 px at the default ``dpi``, with
    10 pt = 12.5 px text at 90 dpi, never shrunk by the page's column).
    """
    digit_maps = feature_maps(model, digit, [layer])[layer]
    channels = digit_maps.shape[-1]
    maps = feature_maps(model, digits, [layer])[layer]
    scores = maps.reshape(len(maps), -1, channels).max(axis=1)
    fig, axes = _filter_view_axes(k, dpi)

    def frame(c: int):
        order = np.argsort(-scores[:, c], kind="stable")[:k]
        draw_filter_view(model, digit, digits, layer, c, axes, (order, scores[order, c]), k,
                         digit_maps)
        return []

    anim = animation.FuncAnimation(fig, frame, frames=channels, interval=1000 / fps)
    try:
        return to_jshtml(anim, fps=fps)
    finally:
        plt.close(fig)
