"""Predict the digit in picture files with a trained model: library and command line.

::

    python -m cnnlib.predict MODEL.keras IMAGE [IMAGE ...]

prints one line per picture, in the order given: the predicted digit, its
probability, and the file::

    7 0.9981 seven.png
    2 0.9034 two_on_paper.jpg

Every picture goes through :func:`cnnlib.digits.prepare_digit` first
(grayscale, ink bright, crop, fit into 20x20, centre by mass), so photos and
scans of dark ink on light paper work as well as MNIST-style PNGs. A picture
that cannot be used gets one line on standard error naming the file and the
reason; the other pictures are still predicted, and the exit status is 1.
A model that cannot be loaded gives exit status 2.

Models are loaded with Keras ``safe_mode=True``: a ``.keras`` file from
someone else cannot run arbitrary Python code (``Lambda`` layers holding
pickled code are refused).
"""
from __future__ import annotations

import argparse
import os
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Sequence, Union

import numpy as np

from . import digits as cdigits
from ._checks import path_list
from .models import probabilities  # re-exported: predict.probabilities is models.probabilities

import keras  # noqa: E402


class ModelLoadError(RuntimeError):
    """A model file could not be loaded; the message names it and says why."""


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


def load_model(path: Union[str, os.PathLike], safe_mode: bool = True) -> keras.Model:
    """Load a ``.keras`` model, refusing unsafe code unless told otherwise.

    Args:
        path: a ``.keras`` file (as saved by ``model.save`` or ``cnnlib.train``).
        safe_mode: keep Keras' safe mode on (default): a file that needs to
            deserialize arbitrary Python code (a ``Lambda`` layer) is refused.
            Turn it off only for files you made yourself.

    Returns:
        The model.

    Raises:
        ModelLoadError: missing file, not a ``.keras`` archive, unsafe content,
            or any other loading failure; the message names the file.
    """
    p = Path(path)
    if not p.exists():
        raise ModelLoadError(f"{p}: no such model file")
    if p.is_dir():
        raise ModelLoadError(f"{p}: is a folder; expected a .keras file "
                             "(a SavedModel folder is loaded with tf.saved_model.load)")
    if p.suffix != ".keras" or not zipfile.is_zipfile(p):
        raise ModelLoadError(f"{p}: not a .keras model file (expected a .keras zip archive)")
    try:
        model = keras.models.load_model(p, safe_mode=safe_mode, compile=False)
    except ValueError as err:
        text = str(err)
        if "safe_mode" in text or "unsafe" in text.lower():
            raise ModelLoadError(
                f"{p}: refused by Keras safe mode: the file contains Python code (a Lambda "
                "layer) that would run when loaded. Load it with safe_mode=False only if you "
                "trust whoever made it.") from None
        raise ModelLoadError(f"{p}: cannot load the model ({text.splitlines()[0]})") from None
    except Exception as err:  # noqa: BLE001  (Keras raises many kinds; name the file)
        first = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise ModelLoadError(f"{p}: cannot load the model ({first})") from None
    shape = tuple(model.output_shape) if not isinstance(model.output_shape, list) else None
    if shape is None or shape[-1] != 10:
        raise ModelLoadError(f"{p}: the model outputs {model.output_shape}; expected (None, 10) logits")
    return model


def predict_digits(model: keras.Model, digits: np.ndarray,
                   names: Optional[Sequence[str]] = None) -> list[Prediction]:
    """Predict raw 28x28 digits ``(N, 28, 28)``; one :class:`Prediction` each."""
    probs = probabilities(model, digits)
    names = list(names) if names is not None else [f"digit[{i}]" for i in range(len(probs))]
    if len(names) != len(probs):
        raise ValueError(f"got {len(probs)} digits but {len(names)} names")
    return [Prediction(n, int(p.argmax()), float(p.max()), p) for n, p in zip(names, probs)]


def predict_image(model: keras.Model, source: cdigits.Source,
                  name: Optional[str] = None) -> Prediction:
    """Prepare one picture the MNIST way (:func:`cnnlib.digits.prepare_digit`) and predict it.

    Raises:
        cnnlib.digits.ImageError: the picture cannot be used; the message names it.
    """
    steps = cdigits.prepare_digit(source, name=name)
    (pred,) = predict_digits(model, steps.digit[np.newaxis], [steps.name])
    return Prediction(pred.name, pred.digit, pred.probability, pred.probabilities, steps)


def predict_files(model: keras.Model, paths: Sequence[Union[str, os.PathLike]]
                  ) -> list[Union[Prediction, cdigits.ImageError]]:
    """Predict each picture file; a bad file gives its :class:`ImageError` in its place.

    All good pictures are predicted in one batch.
    """
    paths = path_list(paths)
    results: list[Union[Prediction, cdigits.ImageError, cdigits.DigitSteps]] = []
    for path in paths:
        try:
            results.append(cdigits.prepare_digit(path, name=str(path)))
        except cdigits.ImageError as err:
            results.append(err)
    good = [r for r in results if isinstance(r, cdigits.DigitSteps)]
    if good:
        preds = iter(predict_digits(model, np.stack([s.digit for s in good]), [s.name for s in good]))
    out: list[Union[Prediction, cdigits.ImageError]] = []
    for r in results:
        if isinstance(r, cdigits.DigitSteps):
            p = next(preds)
            out.append(Prediction(p.name, p.digit, p.probability, p.probabilities, r))
        else:
            out.append(r)
    return out


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m cnnlib.predict",
        description="Predict the handwritten digit in each picture with a trained .keras model. "
                    "Prints one line per picture: DIGIT PROBABILITY FILE.")
    p.add_argument("model", help="a .keras model file (loaded with Keras safe_mode=True)")
    p.add_argument("images", nargs="+", metavar="image",
                   help="picture files (PNG, JPEG, ...): white-on-black or dark ink on light paper")
    p.add_argument("--all", action="store_true",
                   help="also print the probabilities of all ten digits")
    return p


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line; returns 0, 1 (some pictures failed) or 2 (no model)."""
    args = build_parser().parse_args(argv)
    try:
        model = load_model(args.model)
    except ModelLoadError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    failed = 0
    for result in predict_files(model, args.images):
        if isinstance(result, cdigits.ImageError):
            failed += 1
            print(f"error: {result}", file=sys.stderr, flush=True)
            continue
        extra = ""
        if args.all:
            extra = "  [" + " ".join(f"{d}:{q:.3f}" for d, q in enumerate(result.probabilities)) + "]"
        print(result.line() + extra, flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
