"""How well a network does, in pictures: learning curves, confusion matrix, mistakes.

    show_history(history)             cost and validation-accuracy curves per epoch
    show_confusion(cm)                the confusion matrix as a heat map
    show_predictions(x, y, pred)      a gallery of digits, mistakes in red

The numbers come from :mod:`cnnlib.models` (``confusion_matrix``,
``predict_labels``); every function returns the figure it drew.
"""

from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from ..core import checks
from ..models import evaluate, inputs
from . import sizing


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
        raise ValueError(
            f"history columns differ in length: {len(epochs)}, {len(cost)}, {len(acc)}"
        )
    return epochs, cost, acc


def show_history(
    history, reference=None, labels: Sequence[str] = ("this run", "article 001")
) -> Figure:
    """Training cost and held-out accuracy per epoch, side by side.

    Args:
        history: a list of :class:`cnnlib.training.EpochLog` (``TrainResult.history``:
            validation accuracy) or a dict with ``"cost"`` and ``"val_accuracy"``
            (or ``"test_accuracy"``) lists.
        reference: optional second history in the same form (e.g. the
            article's printed table of test accuracy), drawn dashed.
        labels: legend names of ``history`` and ``reference``.
    """
    fig, (ax_cost, ax_acc) = plt.subplots(1, 2, figsize=(sizing.MAX_WIDTH_IN, 3.0))
    runs = [(history, "-o", labels[0])]
    if reference is not None:
        runs.append((reference, "--s", labels[1]))
    for run, style, label in runs:
        epochs, cost, acc = _history_columns(run)
        ax_cost.plot(epochs, cost, style, label=label, markersize=4)
        ax_acc.plot(epochs, acc, style, label=label, markersize=4)
    ax_cost.set(xlabel="epoch", ylabel="cost (cross-entropy)")
    ax_acc.set(xlabel="epoch", ylabel="accuracy (held-out digits)")
    ax_cost.set_title("Training cost", fontsize=sizing.TITLE_PT)
    ax_acc.set_title("Accuracy", fontsize=sizing.TITLE_PT)
    for ax in (ax_cost, ax_acc):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=sizing.LABEL_PT)
        ax.tick_params(labelsize=sizing.LABEL_PT)
        ax.xaxis.label.set_size(sizing.LABEL_PT)
        ax.yaxis.label.set_size(sizing.LABEL_PT)
    fig.tight_layout()
    return fig


def show_confusion(cm: np.ndarray, title: str = "Confusion matrix") -> Figure:
    """The confusion matrix as a heat map, counts written in the cells."""
    cm = np.asarray(cm)
    if cm.shape != (evaluate.N_CLASSES, evaluate.N_CLASSES):
        raise ValueError(f"a confusion matrix has shape (10, 10), got {cm.shape}")
    fig, ax = plt.subplots(figsize=(5.5, 5))
    # log scale of the colours so the few mistakes are visible next to the diagonal
    ax.imshow(np.log1p(cm), cmap="Blues")
    top = cm.max() if cm.size else 1
    for t in range(evaluate.N_CLASSES):
        for p in range(evaluate.N_CLASSES):
            if cm[t, p]:
                colour = (
                    "white"
                    if cm[t, p] > top / 2
                    else ("crimson" if t != p else "black")
                )
                ax.text(
                    p,
                    t,
                    str(cm[t, p]),
                    ha="center",
                    va="center",
                    fontsize=sizing.LABEL_PT,
                    color=colour,
                )
    ax.set(
        xticks=range(10),
        yticks=range(10),
        xlabel="predicted digit",
        ylabel="true digit",
        title=title,
    )
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
    """A gallery of digits titled ``predicted (true)``; mistakes framed and titled in
    red.

    Args:
        x: raw digits ``(N, 28, 28)``.
        y_true, y_pred: ``(N,)`` labels.
        n: how many digits to show.
        mistakes_first: show every mistake (up to ``n``) before correct digits.
    """
    digits = inputs.as_digit_batch(x, "x")[..., 0]
    t = checks.label_array("y_true", y_true, len(digits))
    p = checks.label_array("y_pred", y_pred, len(digits))
    n = checks.int_in(n, "n", 1)
    order = np.arange(len(digits))
    if mistakes_first:
        order = np.concatenate([order[t != p], order[t == p]])
    order = order[:n]
    fig, axes = sizing.panel_grid(len(order), ncols, 1.2)
    for ax, i in zip(axes, order):
        wrong = t[i] != p[i]
        ax.imshow(digits[i], cmap="gray_r", vmin=0, vmax=255)
        ax.set_title(
            f"{p[i]} ({t[i]})",
            color="crimson" if wrong else "black",
            fontsize=sizing.LABEL_PT,
            fontweight="bold" if wrong else "normal",
        )
        if wrong:
            ax.axis("on")
            ax.set(xticks=[], yticks=[])
            for spine in ax.spines.values():
                spine.set(color="crimson", linewidth=2.5)
    fig.suptitle(title or "predicted (true); mistakes in red", fontsize=sizing.TITLE_PT)
    fig.tight_layout()
    return fig
