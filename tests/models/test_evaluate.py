"""cnnlib.models.evaluate: the confusion matrix and the largest mistakes, by hand."""

from __future__ import annotations

import numpy as np
import pytest

from cnnlib import models


def test_confusion_matrix_and_most_confused_by_hand():
    y_true = np.array([3, 3, 3, 5, 5, 8, 8, 8, 8])
    y_pred = np.array([3, 5, 5, 3, 5, 8, 0, 0, 0])
    cm = models.confusion_matrix(y_true, y_pred)
    assert (
        cm.shape == (models.N_CLASSES, models.N_CLASSES) == (10, 10) and cm.sum() == 9
    )
    assert (cm[3, 3], cm[3, 5], cm[5, 3], cm[5, 5], cm[8, 8], cm[8, 0]) == (
        1,
        2,
        1,
        1,
        1,
        3,
    )
    assert cm.sum(axis=1).tolist() == [
        np.sum(y_true == d) for d in range(10)
    ]  # rows: truth
    assert models.most_confused(cm, k=5) == [(8, 0, 3), (3, 5, 2), (5, 3, 1)]
    assert models.most_confused(cm, k=1) == [(8, 0, 3)]
    assert models.most_confused(np.eye(10, dtype=int) * 7) == []  # no mistakes at all


def test_confusion_matrix_of_a_real_classifier(ridge_model, mnist):
    pred = models.predict_labels(ridge_model, mnist.x_test)
    cm = models.confusion_matrix(mnist.y_test, pred)
    assert cm.sum() == len(mnist.y_test)
    assert np.trace(cm) / cm.sum() == models.accuracy(
        ridge_model, mnist.x_test, mnist.y_test
    )
    t, p, count = models.most_confused(cm, k=1)[0]
    assert t != p and count == np.sum((mnist.y_test == t) & (pred == p)) > 0


def test_most_confused_refuses_what_is_not_a_matrix_of_counts():
    with pytest.raises(ValueError, match=r"shape \(10, 10\), got \(9, 9\)"):
        models.most_confused(np.zeros((9, 9)))
    bad = np.zeros((10, 10))
    bad[1, 2] = 0.5
    with pytest.raises(ValueError, match="counts"):
        models.most_confused(bad)
