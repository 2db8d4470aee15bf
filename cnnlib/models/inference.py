"""Running a network on digits: logits, probabilities, predicted digits, accuracy.

    logits(model, x)          raw scores (N, 10), the one place cnnlib runs a model
    probabilities(model, x)   softmax of the logits (N, 10)
    predict_labels(model, x)  arg-max (N,)
    accuracy(model, x, y)     fraction of digits read right

``x`` is raw digits (see :mod:`.inputs`).
"""

from __future__ import annotations

import numpy as np

from ..core import checks
from ..core.tf import keras, tf
from . import inputs


def logits(model: keras.Model, digits: np.ndarray, batch_size: int = 500) -> np.ndarray:
    """The model's raw scores ``(N, 10)`` float32 for raw digits ``(N, 28, 28)``.

    The one place cnnlib runs a model on digits: in chunks of ``batch_size``,
    with ``training=False`` (dropout off).
    """
    batch = inputs.as_digit_batch(digits)
    size = checks.int_in(batch_size, "batch_size", 1)
    chunks = [
        model(tf.constant(batch[i : i + size]), training=False)
        for i in range(0, len(batch), size)
    ]
    return tf.cast(tf.concat(chunks, axis=0), tf.float32).numpy()


def probabilities(
    model: keras.Model, digits: np.ndarray, batch_size: int = 500
) -> np.ndarray:
    """Class probabilities ``(N, 10)`` float32 of raw digits ``(N, 28, 28)`` 0..255.

    The model gives logits (:func:`logits`); softmax turns them into probabilities.
    """
    return tf.nn.softmax(logits(model, digits, batch_size)).numpy()


def predict_labels(
    model: keras.Model, x: np.ndarray, batch_size: int = 500
) -> np.ndarray:
    """Predicted digit ``(N,)`` int64 for raw digits ``x`` (the arg-max of the
    logits)."""
    return np.argmax(logits(model, x, batch_size), axis=1).astype(np.int64)


def accuracy(model: keras.Model, x: np.ndarray, y: np.ndarray) -> float:
    """Fraction of digits ``x (N, 28, 28)`` whose predicted digit equals ``y (N,)``."""
    batch = inputs.as_digit_batch(x)
    labels = checks.label_array("y", y, len(batch))
    return float(np.mean(predict_labels(model, batch) == labels))
