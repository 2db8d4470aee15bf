"""Fixtures shared by the library tests (the folders below mirror cnnlib's packages).

``mnist`` is the offline 5,000-digit sample (4,500 train / 500 test), loaded
once per worker. ``tiny_mnist(per_class)`` makes a small slice of it, the same
digits every time. ``ridge_model`` is a linear classifier solved in closed form
(ridge regression on the sample) wrapped as a Keras model with the book's
contract: raw digits 0..255 in, logits out. It takes a tenth of a second and
gets ~87% of the sample's test digits right, so predictions can be checked for
real without training a network. ``small_network`` is the reference small
network of chapters 8-10 (``cnnlib.training.reference_network``): trained once,
cached under Keras' cache folder, and shared by every test that needs a
trained CNN.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import pytest

from cnnlib import data


@pytest.fixture(scope="session")
def mnist() -> "data.MnistData":
    return data.load_mnist("sample", verbose=False)


@pytest.fixture(scope="session")
def tiny_mnist(mnist) -> Callable[..., "data.MnistData"]:
    """``tiny_mnist(per_class=20, test_per_class=5)``: the first digits of each
    class."""

    def make(per_class: int = 20, test_per_class: int = 5) -> "data.MnistData":
        def first(x, y, k):
            idx = np.concatenate([np.flatnonzero(y == c)[:k] for c in range(10)])
            idx.sort()
            return x[idx], y[idx]

        x_train, y_train = first(mnist.x_train, mnist.y_train, per_class)
        x_test, y_test = first(mnist.x_test, mnist.y_test, test_per_class)
        return data.MnistData(
            x_train,
            y_train,
            x_test,
            y_test,
            source="sample",
            name=f"tiny sample: {len(x_train)} train / {len(x_test)} test",
        )

    return make


@pytest.fixture(scope="session")
def ridge_model(mnist):
    from cnnlib.core.tf import keras

    lam = 10.0
    x = mnist.x_train.reshape(len(mnist.x_train), -1).astype(np.float64) / 255
    x1 = np.hstack([x, np.ones((len(x), 1))])
    w = np.linalg.solve(
        x1.T @ x1 + lam * np.eye(x1.shape[1]), x1.T @ np.eye(10)[mnist.y_train]
    )
    inp = keras.Input((28, 28, 1), name="digits")
    dense = keras.layers.Dense(10, name="logits")
    model = keras.Model(
        inp,
        dense(keras.layers.Flatten()(keras.layers.Rescaling(1 / 255)(inp))),
        name="ridge",
    )
    dense.set_weights(
        [(w[:-1] * 10).astype(np.float32), (w[-1] * 10).astype(np.float32)]
    )
    return model


@pytest.fixture(scope="session")
def small_network():
    """The reference small network's TrainResult (trained once per machine, then
    cached)."""
    from cnnlib import training

    return training.reference_network(printer=lambda line: None)
