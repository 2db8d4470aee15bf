"""The two networks of the source articles (:mod:`.architectures`), each built two ways.

:func:`build_model` makes a Keras model; :class:`LowLevelCNN` computes the
same function with ``tf.nn`` ops and ``tf.Variable`` objects, the way article
001 writes it. ``LowLevelCNN.from_keras(model)`` copies a Keras model's weights,
and both then give the same logits.

Every model takes raw digits (:mod:`.inputs`) and outputs logits ``(N, 10)``.
"""

from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

from ..core import checks
from ..core.tf import keras, tf
from ..data import mnist
from . import architectures, inputs

layers = keras.layers


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
        return (lambda i: keras.initializers.HeNormal(seed=seed + i)), (
            lambda i, conv: "zeros"
        )
    checks.one_of(init, "init", architectures.INITS)

    def kernel(i: int):
        return keras.initializers.TruncatedNormal(stddev=0.03, seed=seed + i)

    def bias(i: int, conv: bool):
        return keras.initializers.TruncatedNormal(
            stddev=1.0 if conv else 0.01, seed=seed + 100 + i
        )

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
    spec = architectures.check_arch(arch)
    seed = checks.int_in(seed, "seed", 0)
    dropout = checks.number_in(dropout, "dropout", 0, 1, high_open=True)
    checks.one_of(dtype, "dtype", architectures.DTYPES)
    kernel_init, bias_init = _initializers(init, seed)
    digits = keras.Input(shape=(28, 28, 1), name="digits")
    x = layers.Rescaling(mnist.PIXEL_SCALE, name="scale_0_1", dtype=dtype)(digits)
    for i, filters in enumerate(spec.filters, start=1):
        x = layers.Conv2D(
            filters,
            spec.kernel[i - 1],
            padding="same",
            name=f"conv{i}",
            kernel_initializer=kernel_init(i),
            bias_initializer=bias_init(i, True),
            dtype=dtype,
        )(x)
        if spec.relu_before_pool:
            x = layers.ReLU(name=f"relu{i}", dtype=dtype)(x)
            x = layers.MaxPooling2D(2, 2, padding="same", name=f"pool{i}", dtype=dtype)(
                x
            )
        else:
            x = layers.MaxPooling2D(2, 2, padding="same", name=f"pool{i}", dtype=dtype)(
                x
            )
            x = layers.ReLU(name=f"relu{i}", dtype=dtype)(x)
    x = layers.Flatten(name="flatten", dtype=dtype)(x)
    x = layers.Dense(
        spec.hidden,
        activation="relu",
        name="dense1",
        kernel_initializer=kernel_init(3),
        bias_initializer=bias_init(3, False),
        dtype=dtype,
    )(x)
    if dropout:
        x = layers.Dropout(dropout, seed=seed, name="dropout", dtype=dtype)(x)
    logits = layers.Dense(
        10,
        name="logits",
        kernel_initializer=kernel_init(4),
        bias_initializer=bias_init(4, False),
        dtype="float32",
    )(x)
    return keras.Model(digits, logits, name=f"{arch}_cnn")


def float32_copy(model: keras.Model, keep_optimizer: bool = False) -> keras.Model:
    """The same network with every layer computing in float32, sharing no state.

    A ``mixed_bfloat16`` model keeps float32 variables and computes in
    bfloat16; the copy has the same architecture and a copy of the same
    weights, with the ``float32`` dtype policy in every layer. A float32 model
    is copied as it is.

    Args:
        model: a Keras model, raw digits ``(N, 28, 28, 1)`` -> logits ``(N, 10)``.
        keep_optimizer: also compile the copy with the same loss and a copy of the
            model's optimizer and its state (step count, moments), so a saved copy
            records how far training went.

    Returns:
        A new ``keras.Model`` with the same input and output shapes.
    """
    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a keras.Model, got {type(model).__name__}")

    def as_float32(layer):
        config = layer.get_config()
        config["dtype"] = "float32"
        return layer.__class__.from_config(config)

    copy = keras.models.clone_model(model, clone_function=as_float32)
    copy.set_weights([np.asarray(w, np.float32) for w in model.get_weights()])
    optimizer = getattr(model, "optimizer", None)
    if keep_optimizer and optimizer is not None and optimizer.built:
        twin = optimizer.__class__.from_config(optimizer.get_config())
        copy.compile(optimizer=twin, loss=model.loss)
        twin.build(copy.trainable_variables)
        if len(twin.variables) != len(optimizer.variables):
            raise ValueError(
                f"cannot copy the optimizer of {model.name!r}: its copy has "
                f"{len(twin.variables)} variables, the original "
                f"{len(optimizer.variables)}"
            )
        for mine, theirs in zip(twin.variables, optimizer.variables):
            mine.assign(theirs)
    return copy


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
        self.spec = spec = architectures.check_arch(arch)
        rng = tf.random.Generator.from_seed(seed)
        k1, k2 = spec.kernel
        c1, c2 = spec.filters
        flat = 7 * 7 * c2

        def var(shape: Sequence[int], stddev: float, name: str) -> tf.Variable:
            return tf.Variable(rng.truncated_normal(shape, stddev=stddev), name=name)

        self.w1 = var([k1, k1, 1, c1], 0.03, "w1")
        self.b1 = var([c1], 1.0, "b1")
        self.w2 = var([k2, k2, c1, c2], 0.03, "w2")
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
        x = tf.convert_to_tensor(inputs.as_digit_batch(digits)) * mnist.PIXEL_SCALE
        x = self._conv_block(x, self.w1, self.b1)  # (N, 14, 14, c1)
        x = self._conv_block(x, self.w2, self.b2)  # (N, 7, 7, c2)
        x = tf.reshape(x, [-1, 7 * 7 * self.spec.filters[1]])
        x = tf.nn.relu(tf.matmul(x, self.wd1) + self.bd1)
        return tf.matmul(x, self.wd2) + self.bd2

    @classmethod
    def from_keras(cls, model: keras.Model) -> "LowLevelCNN":
        """A low-level copy of a model made by :func:`build_model` (same weights)."""
        arch = model.name.replace("_cnn", "")
        net = cls(architectures.check_arch(arch) and arch)
        pairs = [
            ("conv1", net.w1, net.b1),
            ("conv2", net.w2, net.b2),
            ("dense1", net.wd1, net.bd1),
            ("logits", net.wd2, net.bd2),
        ]
        for name, w, b in pairs:
            kernel, bias = model.get_layer(name).get_weights()
            w.assign(kernel)
            b.assign(bias)
        return net
