"""The two networks of the source articles, each built two ways.

``"small"`` is article 000's network, ``"large"`` article 001's::

    small: conv 5x5x6  -> max-pool 2x2/2 -> ReLU -> conv 5x5x16 -> max-pool -> ReLU
           -> flatten 7*7*16 = 784 -> dense 128 ReLU -> dense 10
    large: conv 5x5x32 -> ReLU -> max-pool 2x2/2 -> conv 5x5x64 -> ReLU -> max-pool
           -> flatten 7*7*64 = 3,136 -> dense 1000 ReLU -> dense 10

:func:`build_model` makes a Keras model; :class:`LowLevelCNN` computes the
same function with ``tf.nn`` ops and ``tf.Variable`` objects, the way article
001 writes it. ``LowLevelCNN.from_keras(model)`` copies a Keras model's weights,
and both then give the same logits (``tests/test_models.py``).

Every model takes **raw digits**: pixels 0..255 of shape ``(N, 28, 28)`` or
``(N, 28, 28, 1)``, any numeric dtype. It adds the channel axis and scales by
:data:`cnnlib.data.PIXEL_SCALE` itself, so a saved model needs no
preprocessing code. It outputs logits ``(N, 10)`` (:func:`logits`); :func:`probabilities`
turns them into probabilities.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np
import tensorflow as tf
import keras
from keras import layers

from ._checks import int_in, pixel_array
from .data import PIXEL_SCALE

ARCHS = ("small", "large")
INITS = ("article", "he", "keras")
#: Precision policies :func:`build_model` accepts (``None`` = float32).
DTYPES = (None, "float32", "mixed_bfloat16", "mixed_float16")


@dataclass(frozen=True)
class ArchSpec:
    """Sizes of one architecture.

    Attributes:
        filters: output channels of the two conv layers.
        kernel: conv kernel size (square).
        hidden: units of the hidden dense layer.
        relu_before_pool: article 001 applies ReLU before pooling, article 000 after.
    """

    filters: tuple[int, int]
    kernel: int
    hidden: int
    relu_before_pool: bool


SPECS = {
    "small": ArchSpec(filters=(6, 16), kernel=5, hidden=128, relu_before_pool=False),
    "large": ArchSpec(filters=(32, 64), kernel=5, hidden=1000, relu_before_pool=True),
}


def check_arch(arch: str) -> ArchSpec:
    """Return the :class:`ArchSpec` of ``arch`` or raise ``ValueError`` naming it."""
    if arch not in SPECS:
        raise ValueError(f"arch must be one of {ARCHS}, got {arch!r}")
    return SPECS[arch]


def _initializers(init: str, seed: int):
    """Kernel and bias initializers for conv and dense layers.

    ``"article"`` follows article 001: weights from a truncated normal with
    stddev 0.03; conv biases from a truncated normal with stddev 1.0 (TF1's
    default), dense biases with stddev 0.01. ``"he"`` keeps the truncated
    normal but scales it to each layer, stddev ``sqrt(2 / fan_in)`` (He et al.
    2015), with zero biases. ``"keras"`` uses Keras' defaults (Glorot-uniform
    weights, zero biases).
    """
    if init == "keras":
        return (lambda i: "glorot_uniform"), (lambda i, conv: "zeros")
    if init == "he":
        return (lambda i: keras.initializers.HeNormal(seed=seed + i)), (lambda i, conv: "zeros")
    if init != "article":
        raise ValueError(f"init must be one of {INITS}, got {init!r}")

    def kernel(i: int):
        return keras.initializers.TruncatedNormal(stddev=0.03, seed=seed + i)

    def bias(i: int, conv: bool):
        return keras.initializers.TruncatedNormal(stddev=1.0 if conv else 0.01, seed=seed + 100 + i)

    return kernel, bias


def build_model(
    arch: str = "large",
    *,
    init: str = "article",
    dropout: float = 0.0,
    seed: int = 0,
    dtype: Optional[str] = None,
) -> keras.Model:
    """Build article 000's (``"small"``) or 001's (``"large"``) network in Keras.

    Args:
        arch: ``"small"`` (6/16/128) or ``"large"`` (32/64/1000).
        init: ``"article"`` (truncated normal, stddev 0.03, as article 001),
            ``"he"`` (truncated normal scaled per layer) or ``"keras"``.
        dropout: dropout rate before the last layer (0 = none, as the articles).
        seed: seed of the initializers.
        dtype: a Keras dtype policy for the hidden layers, e.g.
            ``"mixed_bfloat16"``; ``None`` = float32. The logits are always float32.

    Returns:
        A ``keras.Model``: raw digits ``(N, 28, 28)`` or ``(N, 28, 28, 1)``,
        0..255 -> logits ``(N, 10)``.
    """
    spec = check_arch(arch)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be a whole number, got {seed!r}")
    if not isinstance(dropout, (int, float)) or not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout must be in [0, 1), got {dropout!r}")
    if dtype not in DTYPES:
        raise ValueError(f"dtype must be one of {DTYPES}, got {dtype!r}")
    seed = int(seed)
    kernel_init, bias_init = _initializers(init, seed)
    inputs = keras.Input(shape=(28, 28, 1), name="digits")
    x = layers.Rescaling(PIXEL_SCALE, name="scale_0_1", dtype=dtype)(inputs)
    for i, filters in enumerate(spec.filters, start=1):
        x = layers.Conv2D(filters, spec.kernel, padding="same", name=f"conv{i}",
                          kernel_initializer=kernel_init(i), bias_initializer=bias_init(i, True),
                          dtype=dtype)(x)
        if spec.relu_before_pool:
            x = layers.ReLU(name=f"relu{i}", dtype=dtype)(x)
            x = layers.MaxPooling2D(2, 2, padding="same", name=f"pool{i}", dtype=dtype)(x)
        else:
            x = layers.MaxPooling2D(2, 2, padding="same", name=f"pool{i}", dtype=dtype)(x)
            x = layers.ReLU(name=f"relu{i}", dtype=dtype)(x)
    x = layers.Flatten(name="flatten", dtype=dtype)(x)
    x = layers.Dense(spec.hidden, activation="relu", name="dense1",
                     kernel_initializer=kernel_init(3), bias_initializer=bias_init(3, False),
                     dtype=dtype)(x)
    if dropout:
        x = layers.Dropout(dropout, seed=seed, name="dropout", dtype=dtype)(x)
    logits = layers.Dense(10, name="logits", kernel_initializer=kernel_init(4),
                          bias_initializer=bias_init(4, False), dtype="float32")(x)
    return keras.Model(inputs, logits, name=f"{arch}_cnn")


def as_digit_batch(x: np.ndarray) -> np.ndarray:
    """Check raw digits and return them as float32 ``(N, 28, 28, 1)``.

    Accepts ``(28, 28)`` (one digit), ``(N, 28, 28)`` or ``(N, 28, 28, 1)``
    of numbers in 0..255. Raises ``ValueError``/``TypeError`` naming the
    shape, dtype or value that is wrong.
    """
    arr = np.asarray(x)
    if arr.dtype.kind in "uifb":
        if arr.ndim == 2:
            arr = arr[np.newaxis]
        if arr.ndim == 3:
            arr = arr[..., np.newaxis]
        if arr.ndim != 4 or arr.shape[1:] != (28, 28, 1):
            raise ValueError(f"digits must have shape (28, 28), (N, 28, 28) or (N, 28, 28, 1), "
                             f"got {np.shape(x)}")
    return pixel_array("digits", arr, shape=("N", 28, 28, 1), dtype=np.float32)


def logits(model: keras.Model, digits: np.ndarray, batch_size: int = 500) -> np.ndarray:
    """The model's raw scores ``(N, 10)`` float32 for raw digits (see :func:`as_digit_batch`).

    The one place cnnlib runs a model on digits: in chunks of ``batch_size``,
    with ``training=False`` (dropout off).
    """
    batch = as_digit_batch(digits)
    size = int_in(batch_size, "batch_size", 1)
    chunks = [model(tf.constant(batch[i:i + size]), training=False)
              for i in range(0, len(batch), size)]
    return tf.cast(tf.concat(chunks, axis=0), tf.float32).numpy()


def probabilities(model: keras.Model, digits: np.ndarray, batch_size: int = 500) -> np.ndarray:
    """Class probabilities ``(N, 10)`` float32 of raw digits ``(N, 28, 28)`` 0..255.

    The model gives logits (:func:`logits`); softmax turns them into
    probabilities. ``cnnlib.predict.probabilities`` is this function.
    """
    return tf.nn.softmax(logits(model, digits, batch_size)).numpy()


#: The name chapter 5 uses; the same function as :func:`probabilities`.
predict_proba = probabilities


def layer_table(model: keras.Model) -> list[tuple[str, tuple, int]]:
    """``(layer name, output shape without batch axis, parameters)`` for each layer."""
    rows = []
    for layer in model.layers:
        shape = tuple(layer.output.shape[1:])
        rows.append((layer.name, shape, int(layer.count_params())))
    return rows


class LowLevelCNN(tf.Module):
    """The same network written with ``tf.nn`` ops and ``tf.Variable`` s.

    This is article 001's formulation: ``tf.nn.conv2d`` with a filter of shape
    ``[height, width, in_channels, out_channels]``, ``tf.nn.max_pool2d``,
    ``tf.reshape`` to flatten, ``tf.matmul`` for the dense layers.

    Args:
        arch: ``"small"`` or ``"large"``.
        seed: seed of the truncated-normal initial weights (article 001's init).
    """

    def __init__(self, arch: str = "large", seed: int = 0):
        super().__init__(name=f"lowlevel_{arch}")
        self.arch = arch
        self.spec = spec = check_arch(arch)
        rng = tf.random.Generator.from_seed(seed)
        k = spec.kernel
        c1, c2 = spec.filters
        flat = 7 * 7 * c2

        def var(shape: Sequence[int], stddev: float, name: str) -> tf.Variable:
            return tf.Variable(rng.truncated_normal(shape, stddev=stddev), name=name)

        self.w1 = var([k, k, 1, c1], 0.03, "w1")
        self.b1 = var([c1], 1.0, "b1")
        self.w2 = var([k, k, c1, c2], 0.03, "w2")
        self.b2 = var([c2], 1.0, "b2")
        self.wd1 = var([flat, spec.hidden], 0.03, "wd1")
        self.bd1 = var([spec.hidden], 0.01, "bd1")
        self.wd2 = var([spec.hidden, 10], 0.03, "wd2")
        self.bd2 = var([10], 0.01, "bd2")

    def _conv_block(self, x: tf.Tensor, w: tf.Variable, b: tf.Variable) -> tf.Tensor:
        x = tf.nn.conv2d(x, w, strides=[1, 1, 1, 1], padding="SAME") + b
        if self.spec.relu_before_pool:
            return tf.nn.max_pool2d(tf.nn.relu(x), ksize=2, strides=2, padding="SAME")
        return tf.nn.relu(tf.nn.max_pool2d(x, ksize=2, strides=2, padding="SAME"))

    def __call__(self, digits) -> tf.Tensor:
        """Logits ``(N, 10)`` of raw digits ``(N, 28, 28)`` or ``(N, 28, 28, 1)``."""
        x = tf.convert_to_tensor(as_digit_batch(digits)) * PIXEL_SCALE
        x = self._conv_block(x, self.w1, self.b1)      # (N, 14, 14, c1)
        x = self._conv_block(x, self.w2, self.b2)      # (N, 7, 7, c2)
        x = tf.reshape(x, [-1, 7 * 7 * self.spec.filters[1]])
        x = tf.nn.relu(tf.matmul(x, self.wd1) + self.bd1)
        return tf.matmul(x, self.wd2) + self.bd2

    @classmethod
    def from_keras(cls, model: keras.Model) -> "LowLevelCNN":
        """A low-level copy of a model made by :func:`build_model` (same weights)."""
        arch = model.name.replace("_cnn", "")
        net = cls(check_arch(arch) and arch)
        pairs = [("conv1", net.w1, net.b1), ("conv2", net.w2, net.b2),
                 ("dense1", net.wd1, net.bd1), ("logits", net.wd2, net.bd2)]
        for name, w, b in pairs:
            kernel, bias = model.get_layer(name).get_weights()
            w.assign(kernel)
            b.assign(bias)
        return net
