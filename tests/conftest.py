"""Fixtures shared by the library tests.

``mnist`` is the offline 5,000-digit sample (4,500 train / 500 test), loaded
once per worker. ``ridge_model`` is a linear classifier solved in closed form
(ridge regression on that sample) wrapped as a Keras model with the book's
contract: raw digits 0..255 in, logits out. It takes a tenth of a second and
gets ~87% of the sample's test digits right, so predictions can be checked for
real without training a network.
"""
from __future__ import annotations

import numpy as np
import pytest

import cnnlib  # noqa: F401  (imports TensorFlow quietly, first)
import keras
from cnnlib import data


@pytest.fixture(scope="session")
def mnist() -> data.MnistData:
    return data.load_mnist("sample", verbose=False)


@pytest.fixture(scope="session")
def ridge_model(mnist: data.MnistData) -> keras.Model:
    lam = 10.0
    x = mnist.x_train.reshape(len(mnist.x_train), -1).astype(np.float64) / 255
    x1 = np.hstack([x, np.ones((len(x), 1))])
    w = np.linalg.solve(x1.T @ x1 + lam * np.eye(x1.shape[1]), x1.T @ np.eye(10)[mnist.y_train])
    inp = keras.Input((28, 28, 1), name="digits")
    dense = keras.layers.Dense(10, name="logits")
    model = keras.Model(inp, dense(keras.layers.Flatten()(keras.layers.Rescaling(1 / 255)(inp))),
                        name="ridge")
    dense.set_weights([(w[:-1] * 10).astype(np.float32), (w[-1] * 10).astype(np.float32)])
    return model
