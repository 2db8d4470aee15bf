"""Predicting the digit in pictures: one :class:`Prediction` per picture.

Every picture goes through :func:`cnnlib.digits.prepare_digit` first
(grayscale, ink bright, crop, fit into 20x20, centre by mass), so photos and
scans of dark ink on light paper work as well as MNIST-style PNGs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Optional, Sequence, Union

import numpy as np

from .. import digits as cdigits
from ..core import checks
from ..core.tf import keras
from . import inference


@dataclass(frozen=True)
class Prediction:
    """What a model says about one picture.

    Attributes:
        name: the picture's file name or label.
        digit: the predicted class 0..9.
        probability: the model's probability of ``digit``.
        probabilities: ``(10,)`` float32, one per digit, summing to 1.
        steps: how the picture became a 28x28 digit (``None`` for raw digits).
    """

    name: str
    digit: int
    probability: float
    probabilities: np.ndarray = field(repr=False)
    steps: Optional[cdigits.DigitSteps] = field(default=None, repr=False)

    def line(self) -> str:
        """The command line's output line: ``"DIGIT PROBABILITY NAME"``."""
        return f"{self.digit} {self.probability:.4f} {self.name}"


def predict_digits(
    model: keras.Model, digits: np.ndarray, names: Optional[Sequence[str]] = None
) -> list[Prediction]:
    """Predict raw 28x28 digits ``(N, 28, 28)``; one :class:`Prediction` each."""
    probs = inference.probabilities(model, digits)
    names = (
        list(names) if names is not None else [f"digit[{i}]" for i in range(len(probs))]
    )
    if len(names) != len(probs):
        raise ValueError(f"got {len(probs)} digits but {len(names)} names")
    return [
        Prediction(n, int(p.argmax()), float(p.max()), p) for n, p in zip(names, probs)
    ]


def predict_image(
    model: keras.Model, source: cdigits.Source, name: Optional[str] = None
) -> Prediction:
    """Prepare one picture the MNIST way (:func:`cnnlib.digits.prepare_digit`) and
    predict it.

    Raises:
        cnnlib.digits.ImageError: the picture cannot be used; the message names it.
    """
    steps = cdigits.prepare_digit(source, name=name)
    (pred,) = predict_digits(model, steps.digit[np.newaxis], [steps.name])
    return Prediction(
        pred.name, pred.digit, pred.probability, pred.probabilities, steps
    )


def predict_files(
    model: keras.Model, paths: Sequence[Union[str, os.PathLike]]
) -> list[Union[Prediction, cdigits.ImageError]]:
    """Predict each picture file; a bad file gives its :class:`ImageError` in its place.

    All good pictures are predicted in one batch.
    """
    paths = checks.path_list(paths)
    results: list[Union[Prediction, cdigits.ImageError, cdigits.DigitSteps]] = []
    for path in paths:
        try:
            results.append(cdigits.prepare_digit(path, name=str(path)))
        except cdigits.ImageError as err:
            results.append(err)
    good = [r for r in results if isinstance(r, cdigits.DigitSteps)]
    if good:
        preds = iter(
            predict_digits(
                model, np.stack([s.digit for s in good]), [s.name for s in good]
            )
        )
    out: list[Union[Prediction, cdigits.ImageError]] = []
    for r in results:
        if isinstance(r, cdigits.DigitSteps):
            p = next(preds)
            out.append(Prediction(p.name, p.digit, p.probability, p.probabilities, r))
        else:
            out.append(r)
    return out
