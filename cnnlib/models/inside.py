"""Looking inside a trained network: feature maps, learned filters, favourite digits.

- :func:`feature_maps`: the output of every conv, ReLU and pooling layer for
  one digit, ``{layer name: (H, W, C)}``;
- :func:`conv_filters`: a conv layer's learned filters ``(C_out, k, k)``;
- :func:`top_activating`: the digits of a set that excite one filter most;
- :func:`background_mask`: the positions after a conv and a pool whose patch of the
  digit holds no ink (where a value is only its channel's bias).

:mod:`cnnlib.figures.inside` draws them.
"""

from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

from .. import ops
from ..core import checks
from ..core.tf import keras
from . import inputs

#: Layer kinds whose outputs are pictures (feature maps).
MAP_LAYERS = (keras.layers.Conv2D, keras.layers.ReLU, keras.layers.MaxPooling2D)


def map_layer_names(model: keras.Model) -> list[str]:
    """Names of the layers whose outputs are feature maps, in order."""
    return [layer.name for layer in model.layers if isinstance(layer, MAP_LAYERS)]


def conv_layer_names(model: keras.Model) -> list[str]:
    """Names of the convolution layers (those with filters to show), in order."""
    return [
        layer.name for layer in model.layers if isinstance(layer, keras.layers.Conv2D)
    ]


def check_layer(model: keras.Model, name: str, kinds=MAP_LAYERS) -> keras.layers.Layer:
    """The layer ``name`` of ``model`` if it is one of ``kinds``, else a
    ``ValueError``."""
    names = [layer.name for layer in model.layers if isinstance(layer, kinds)]
    if name not in names:
        raise ValueError(f"layer {name!r} is not one of this model's {names}")
    return model.get_layer(name)


def feature_maps(
    model: keras.Model, digits: np.ndarray, layers: Optional[Sequence[str]] = None
) -> dict[str, np.ndarray]:
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
        check_layer(model, name)
    single = np.ndim(digits) == 2
    batch = inputs.as_digit_batch(digits)
    probe = keras.Model(model.input, [model.get_layer(n).output for n in names])
    outs = probe(batch, training=False)
    outs = outs if isinstance(outs, (list, tuple)) else [outs]
    result = {n: np.asarray(o, dtype=np.float32) for n, o in zip(names, outs)}
    return {n: m[0] for n, m in result.items()} if single else result


def conv_filters(
    model: keras.Model, layer: str = "conv1", in_channel: Optional[int] = None
) -> np.ndarray:
    """A conv layer's learned filters as ``(C_out, k, k)``.

    The kernel is stored as ``(k, k, C_in, C_out)``. For the first layer
    ``C_in = 1``; for later layers pick ``in_channel`` or (default) average
    over the input channels.
    """
    conv = check_layer(model, layer, (keras.layers.Conv2D,))
    kernel = np.asarray(conv.get_weights()[0], dtype=np.float32)
    if in_channel is None:
        flat = kernel.mean(axis=2)
    else:
        checks.int_in(in_channel, "in_channel", 0, kernel.shape[2] - 1)
        flat = kernel[:, :, in_channel, :]
    return np.moveaxis(flat, -1, 0)


def channel_scores(model: keras.Model, digits: np.ndarray, layer: str) -> np.ndarray:
    """``(N, C)``: for each digit of a batch ``(N, 28, 28)``, the largest value of each
    of ``layer``'s ``C`` feature maps (how strongly the digit excites that channel)."""
    maps = feature_maps(model, digits, [layer])[layer]
    if maps.ndim != 4:
        raise ValueError(
            f"digits must be a batch (N, 28, 28), got shape {np.shape(digits)}"
        )
    return maps.reshape(len(maps), -1, maps.shape[-1]).max(axis=1)


def top_activating(
    model: keras.Model, digits: np.ndarray, layer: str, channel: int, k: int = 8
) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` digits whose strongest response in ``layer``'s ``channel`` is largest.

    Args:
        digits: ``(N, 28, 28)`` raw digits to search (e.g. the test set).
        layer, channel: which feature map.
        k: how many to return.

    Returns:
        ``(indices (k,), scores (k,))``, strongest first; the score is the
        maximum of the feature map over all positions.
    """
    all_scores = channel_scores(model, digits, layer)
    checks.int_in(channel, "channel", 0, all_scores.shape[1] - 1)
    checks.int_in(k, "k", 1, len(all_scores))
    scores = all_scores[:, channel]
    order = np.argsort(-scores, kind="stable")[:k]
    return order, scores[order]


def background_mask(digit: np.ndarray, kernel: int = 5, pool: int = 2) -> np.ndarray:
    """`(ceil(H/pool), ceil(W/pool))` bool of a digit `(H, W)`: no ink in the patch."""
    pixels = checks.pixel_array("digit", digit, ndim=2)
    checks.int_in(kernel, "kernel", 1)
    checks.int_in(pool, "pool", 1)
    ink = (pixels > 0).astype(np.float32)
    near = ops.max_pool2d(ink, kernel, 1, "SAME")  # the conv's SAME window
    near = ops.max_pool2d(near, pool, pool, "SAME")  # then the pool's
    return near == 0
