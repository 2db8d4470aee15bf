"""How well a network does, counted: the confusion matrix and the largest mistakes.

    confusion_matrix(y_true, y_pred)  -> (10, 10) counts, rows = true digit
    most_confused(cm, k)              -> the k largest off-diagonal cells

NumPy only; :mod:`.inference` computes the predictions (``predict_labels``,
``accuracy``), :mod:`cnnlib.figures.evaluation` draws them.
"""

from __future__ import annotations

import numpy as np

from ..core import checks

N_CLASSES = 10


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """Counts ``(10, 10)``: entry ``[t, p]`` = digits of class ``t`` predicted as ``p``.

    Rows sum to the number of test digits of each class; the diagonal holds
    the correct predictions.
    """
    t = checks.label_array("y_true", y_true)
    p = checks.label_array("y_pred", y_pred, len(t))
    cm = np.zeros((N_CLASSES, N_CLASSES), dtype=np.int64)
    np.add.at(cm, (t, p), 1)
    return cm


def most_confused(cm: np.ndarray, k: int = 3) -> list[tuple[int, int, int]]:
    """The ``k`` largest mistakes as ``(true digit, predicted digit, count)``, largest
    first."""
    if np.shape(cm) != (N_CLASSES, N_CLASSES):
        raise ValueError(f"a confusion matrix has shape (10, 10), got {np.shape(cm)}")
    counts = checks.finite_array(cm, "cm")
    if (counts < 0).any() or (counts != np.round(counts)).any():
        raise ValueError(
            f"cm must hold counts (whole numbers >= 0), got values such as "
            f"{counts[(counts < 0) | (counts != np.round(counts))][0]:g}"
        )
    cm = counts.astype(np.int64)
    k = checks.int_in(k, "k", 1)
    off = cm.copy()
    np.fill_diagonal(off, 0)
    order = np.argsort(-off, axis=None, kind="stable")[:k]
    cells = [(int(i // N_CLASSES), int(i % N_CLASSES)) for i in order]
    return [(t, p, int(off[t, p])) for t, p in cells if off[t, p] > 0]
