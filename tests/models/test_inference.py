"""cnnlib.models.inference: logits, probabilities, predicted digits and accuracy.

The ridge classifier of ``conftest.py`` (raw digits in, logits out, ~87% right)
lets predictions be checked for real without training a network.
"""

from __future__ import annotations

import numpy as np
import pytest

from cnnlib import models
from cnnlib.core.tf import tf

RNG = np.random.default_rng(0)
DIGITS = RNG.integers(0, 256, size=(6, 28, 28)).astype(np.uint8)


def test_probabilities_are_a_distribution_that_reads_digits(ridge_model, mnist):
    p = models.probabilities(ridge_model, mnist.x_test[:20])
    assert p.shape == (20, 10) and p.dtype == np.float32
    np.testing.assert_allclose(p.sum(1), 1.0, rtol=1e-5)
    acc = float(
        (
            models.probabilities(ridge_model, mnist.x_test).argmax(1) == mnist.y_test
        ).mean()
    )
    assert acc > 0.8


def test_probabilities_are_the_softmax_of_the_logits_in_any_chunking():
    model = models.build_model("small", seed=3)
    want = tf.nn.softmax(model(DIGITS[..., None].astype(np.float32))).numpy()
    whole = models.probabilities(model, DIGITS)
    assert whole.shape == (6, 10) and whole.dtype == np.float32
    np.testing.assert_allclose(whole, want, atol=1e-6)
    np.testing.assert_allclose(
        models.probabilities(model, DIGITS, batch_size=4), whole, atol=1e-6
    )
    np.testing.assert_allclose(whole.sum(axis=1), 1.0, rtol=1e-5)
    assert not np.allclose(whole, 0.1)  # an untrained model, but not uniform


def test_logits_run_with_dropout_off_in_chunks():
    model = models.build_model("small", seed=3, dropout=0.5)
    logits = models.logits(model, DIGITS, batch_size=4)
    assert logits.shape == (6, 10) and logits.dtype == np.float32
    np.testing.assert_allclose(
        logits, np.asarray(model(DIGITS[..., None], training=False)), atol=1e-5
    )
    np.testing.assert_array_equal(models.logits(model, DIGITS, batch_size=4), logits)
    # training=True would drop half the hidden units and change the logits
    assert (
        np.abs(np.asarray(model(DIGITS[..., None], training=True)) - logits).max()
        > 1e-3
    )


def test_predicted_labels_and_accuracy_agree_with_the_probabilities(ridge_model, mnist):
    probs = models.probabilities(ridge_model, mnist.x_test)
    labels = models.predict_labels(ridge_model, mnist.x_test, batch_size=64)
    assert labels.dtype == np.int64
    np.testing.assert_array_equal(labels, probs.argmax(1))
    acc = models.accuracy(ridge_model, mnist.x_test, mnist.y_test)
    assert acc == np.mean(labels == mnist.y_test)
    assert 0.8 < acc < 0.95  # the ridge classifier: about 87%
    assert models.accuracy(ridge_model, mnist.x_test, labels) == 1.0
    assert models.accuracy(ridge_model, mnist.x_test, (labels + 1) % 10) == 0.0


def test_accuracy_refuses_labels_of_another_length(ridge_model, mnist):
    with pytest.raises(ValueError, match="y"):
        models.accuracy(ridge_model, mnist.x_test[:10], mnist.y_test[:9])
