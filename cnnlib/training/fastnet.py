"""The fast recipe's network, in ordinary Keras: small enough to reach 99% in one epoch.

    build_fast_model(seed=0, dtype=None)   raw digits (N, 28, 28, 1) -> logits (N, 10)

The shape of tuomaso/train_mnist_fast's final network, rebuilt from its
description::

    normalise (mean 0.1307, std 0.3081)
    conv 5x5x24 (no padding: 28 -> 24) -> max-pool 2x2 -> ReLU     (12 x 12 x 24)
    conv 3x3x32 (no padding: 12 -> 10) -> max-pool 2x2 -> ReLU     (5 x 5 x 32)
    flatten 800 -> dense 256 ReLU -> dense 10 (logits, float32)

About 1.2 million multiply-adds per digit, a tenth of article 001's network
(about 14 million): it is the network, more than anything else, that makes the
fast recipe fast. Pooling before ReLU gives the same result as after (both
keep the largest value) on a quarter of the values.
"""

from __future__ import annotations

from typing import Optional

from ..core import checks
from ..core.tf import keras
from ..models import architectures

#: MNIST's pixel mean and standard deviation (on the 0..1 scale), as in
#: train_mnist_fast and PyTorch's MNIST example.
MEAN, STD = 0.1307, 0.3081

layers = keras.layers


def build_fast_model(
    seed: int = 0,
    dtype: Optional[str] = None,
    init: str = "keras",
    dropout: float = 0.0,
) -> keras.Model:
    """The fast recipe's network (see the module docstring).

    Args:
        seed: seed of the initial weights (and of dropout).
        dtype: a Keras dtype policy for the hidden layers, e.g. ``"mixed_bfloat16"``;
            ``None`` = float32. The logits are always float32.
        init: ``"keras"`` (Glorot-uniform, the fast recipe's) or ``"he"`` (He-normal)
            initial weights; biases start at 0.
        dropout: rate of a dropout layer before the logits (0, the recipe's: none).

    Returns:
        ``keras.Model`` named ``fast_cnn``: raw digits ``(N, 28, 28, 1)``, 0..255 ->
        logits ``(N, 10)``.
    """
    seed = checks.int_in(seed, "seed", 0)
    checks.one_of(dtype, "dtype", architectures.DTYPES)
    checks.one_of(init, "init", ("keras", "he"))
    dropout = checks.number_in(dropout, "dropout", 0, 1, high_open=True)
    kind = (
        keras.initializers.GlorotUniform
        if init == "keras"
        else keras.initializers.HeNormal
    )

    def weights(i: int):
        return kind(seed=seed + i)

    digits = keras.Input(shape=(28, 28, 1), name="digits")
    x = layers.Rescaling(
        1 / (255 * STD), offset=-MEAN / STD, name="normalise", dtype=dtype
    )(digits)
    x = layers.Conv2D(24, 5, name="conv1", kernel_initializer=weights(1), dtype=dtype)(
        x
    )
    x = layers.MaxPooling2D(2, name="pool1", dtype=dtype)(x)
    x = layers.ReLU(name="relu1", dtype=dtype)(x)
    x = layers.Conv2D(32, 3, name="conv2", kernel_initializer=weights(2), dtype=dtype)(
        x
    )
    x = layers.MaxPooling2D(2, name="pool2", dtype=dtype)(x)
    x = layers.ReLU(name="relu2", dtype=dtype)(x)
    x = layers.Flatten(name="flatten", dtype=dtype)(x)
    x = layers.Dense(
        256,
        activation="relu",
        name="dense1",
        kernel_initializer=weights(3),
        dtype=dtype,
    )(x)
    if dropout:
        x = layers.Dropout(dropout, seed=seed, name="dropout", dtype=dtype)(x)
    logits = layers.Dense(
        10, name="logits", kernel_initializer=weights(4), dtype="float32"
    )(x)
    return keras.Model(digits, logits, name="fast_cnn")
