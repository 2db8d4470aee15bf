"""How well a trained network does, in numbers and pictures.

Numbers::

    predict_labels(model, x)          -> (N,) predicted digits
    accuracy(model, x, y)             -> fraction correct
    confusion_matrix(y_true, y_pred)  -> (10, 10) counts, rows = true digit
    most_confused(cm, k)              -> the k largest off-diagonal cells

Figures (each returns the :class:`matplotlib.figure.Figure` it drew)::

    show_history(history)             cost and validation-accuracy curves per epoch
    show_confusion(cm)                the confusion matrix as a heat map
    show_predictions(x, y, pred)      a gallery of digits, mistakes in red
    show_first_layer_filters(model)   what the first conv layer learned

All functions take raw digits (0..255, ``(N, 28, 28)`` or ``(N, 28, 28, 1)``)
and the logits models of :mod:`cnnlib.models`.
"""
from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from ._checks import finite_array, label_array
from ._figures import LABEL_PT, MAX_WIDTH_IN, TITLE_PT, panel_grid
from .activations import conv_filters, show_filters
from .models import as_digit_batch, logits

import keras  # noqa: E402  (after cnnlib has imported TensorFlow quietly)

N_CLASSES = 10


def predict_labels(model: keras.Model, x: np.ndarray, batch_size: int = 500) -> np.ndarray:
    """Predicted digit ``(N,)`` int64 for raw digits ``x`` (the arg-max of the logits)."""
    return np.argmax(logits(model, x, batch_size), axis=1).astype(np.int64)


def accuracy(model: keras.Model, x: np.ndarray, y: np.ndarray) -> float:
    """Fraction of digits ``x (N, 28, 28)`` whose predicted digit equals ``y (N,)``."""
    batch = as_digit_batch(x)
    labels = label_array("y", y, len(batch))
    return float(np.mean(predict_labels(model, batch) == labels))


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """Counts ``(10, 10)``: entry ``[t, p]`` = digits of class ``t`` predicted as ``p``.

    Rows sum to the number of test digits of each class; the diagonal holds
    the correct predictions.
    """
    t = label_array("y_true", y_true)
    p = label_array("y_pred", y_pred, len(t))
    cm = np.zeros((N_CLASSES, N_CLASSES), dtype=np.int64)
    np.add.at(cm, (t, p), 1)
    return cm


def most_confused(cm: np.ndarray, k: int = 3) -> list[tuple[int, int, int]]:
    """The ``k`` largest mistakes as ``(true digit, predicted digit, count)``, largest first."""
    if np.shape(cm) != (N_CLASSES, N_CLASSES):
        raise ValueError(f"a confusion matrix has shape (10, 10), got {np.shape(cm)}")
    counts = finite_array(cm, "cm")
    if (counts < 0).any() or (counts != np.round(counts)).any():
        raise ValueError(f"cm must hold counts (whole numbers >= 0), got values such as "
                         f"{counts[(counts < 0) | (counts != np.round(counts))][0]:g}")
    cm = counts.astype(np.int64)
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    off = cm.copy()
    np.fill_diagonal(off, 0)
    order = np.argsort(-off, axis=None, kind="stable")[:k]
    cells = [(int(i // N_CLASSES), int(i % N_CLASSES)) for i in order]
    return [(t, p, int(off[t, p])) for t, p in cells if off[t, p] > 0]


# --------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------
def _history_columns(history) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(epochs, cost, accuracy) from a list of ``EpochLog`` or a dict of lists.

    The accuracy is ``val_accuracy`` (this book's runs) or, for a printed
    table such as article 001's, ``test_accuracy``.
    """
    if isinstance(history, dict):
        key = "val_accuracy" if "val_accuracy" in history else "test_accuracy"
        cost = np.asarray(history["cost"], float)
        acc = np.asarray(history[key], float)
        epochs = np.asarray(history.get("epoch", np.arange(1, len(cost) + 1)))
    else:
        rows = list(history)
        if not rows:
            raise ValueError("history is empty: train at least one epoch first")
        key = "val_accuracy" if hasattr(rows[0], "val_accuracy") else "test_accuracy"
        epochs = np.array([h.epoch for h in rows])
        cost = np.array([h.cost for h in rows], float)
        acc = np.array([getattr(h, key) for h in rows], float)
    if not len(cost) == len(acc) == len(epochs):
        raise ValueError(f"history columns differ in length: {len(epochs)}, {len(cost)}, {len(acc)}")
    return epochs, cost, acc


def show_history(history, reference=None, labels: Sequence[str] = ("this run", "article 001")) -> Figure:
    """Training cost and held-out accuracy per epoch, side by side.

    Args:
        history: a list of :class:`cnnlib.progress.EpochLog` (``TrainResult.history``:
            validation accuracy) or a dict with ``"cost"`` and ``"val_accuracy"``
            (or ``"test_accuracy"``) lists.
        reference: optional second history in the same form (e.g. the
            article's printed table of test accuracy), drawn dashed.
        labels: legend names of ``history`` and ``reference``.
    """
    fig, (ax_cost, ax_acc) = plt.subplots(1, 2, figsize=(MAX_WIDTH_IN, 3.0))
    runs = [(history, "-o", labels[0])]
    if reference is not None:
        runs.append((reference, "--s", labels[1]))
    for run, style, label in runs:
        epochs, cost, acc = _history_columns(run)
        ax_cost.plot(epochs, cost, style, label=label, markersize=4)
        ax_acc.plot(epochs, acc, style, label=label, markersize=4)
    ax_cost.set(xlabel="epoch", ylabel="cost (cross-entropy)")
    ax_acc.set(xlabel="epoch", ylabel="accuracy (held-out digits)")
    ax_cost.set_title("Training cost", fontsize=TITLE_PT)
    ax_acc.set_title("Accuracy", fontsize=TITLE_PT)
    for ax in (ax_cost, ax_acc):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=LABEL_PT)
        ax.tick_params(labelsize=LABEL_PT)
        ax.xaxis.label.set_size(LABEL_PT)
        ax.yaxis.label.set_size(LABEL_PT)
    fig.tight_layout()
    return fig


def show_confusion(cm: np.ndarray, title: str = "Confusion matrix") -> Figure:
    """The confusion matrix as a heat map, counts written in the cells."""
    cm = np.asarray(cm)
    if cm.shape != (N_CLASSES, N_CLASSES):
        raise ValueError(f"a confusion matrix has shape (10, 10), got {cm.shape}")
    fig, ax = plt.subplots(figsize=(5.5, 5))
    # log scale of the colours so the few mistakes are visible next to the diagonal
    ax.imshow(np.log1p(cm), cmap="Blues")
    top = cm.max() if cm.size else 1
    for t in range(N_CLASSES):
        for p in range(N_CLASSES):
            if cm[t, p]:
                colour = "white" if cm[t, p] > top / 2 else ("crimson" if t != p else "black")
                ax.text(p, t, str(cm[t, p]), ha="center", va="center", fontsize=LABEL_PT,
                        color=colour)
    ax.set(xticks=range(10), yticks=range(10), xlabel="predicted digit", ylabel="true digit",
           title=title)
    fig.tight_layout()
    return fig


def show_predictions(
    x: np.ndarray,
    y_true: np.ndarray,
    y_pred: np.ndarray,
    n: int = 24,
    ncols: int = 8,
    mistakes_first: bool = True,
    title: str = "",
) -> Figure:
    """A gallery of digits titled ``predicted (true)``; mistakes framed and titled in red.

    Args:
        x: raw digits ``(N, 28, 28)``.
        y_true, y_pred: ``(N,)`` labels.
        n: how many digits to show.
        mistakes_first: show every mistake (up to ``n``) before correct digits.
    """
    digits = as_digit_batch(x)[..., 0]
    t = label_array("y_true", y_true, len(digits))
    p = label_array("y_pred", y_pred, len(digits))
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    order = np.arange(len(digits))
    if mistakes_first:
        order = np.concatenate([order[t != p], order[t == p]])
    order = order[:n]
    fig, axes = panel_grid(len(order), ncols, 1.2)
    for ax, i in zip(axes, order):
        wrong = t[i] != p[i]
        ax.imshow(digits[i], cmap="gray_r", vmin=0, vmax=255)
        ax.set_title(f"{p[i]} ({t[i]})", color="crimson" if wrong else "black",
                     fontsize=LABEL_PT, fontweight="bold" if wrong else "normal")
        if wrong:
            ax.axis("on")
            ax.set(xticks=[], yticks=[])
            for spine in ax.spines.values():
                spine.set(color="crimson", linewidth=2.5)
    fig.suptitle(title or "predicted (true); mistakes in red", fontsize=TITLE_PT)
    fig.tight_layout()
    return fig


def show_first_layer_filters(model: keras.Model, layer: str = "conv1") -> Figure:
    """Each filter of ``layer`` as a small picture: red = positive weight, blue = negative.

    The figure is :func:`cnnlib.activations.show_filters` of
    :func:`cnnlib.activations.conv_filters`, titled with the layer and filter size.
    """
    filters = conv_filters(model, layer)
    return show_filters(filters, f"{layer}: {len(filters)} filters of "
                                 f"{filters.shape[1]}x{filters.shape[2]} (red +, blue -)")
