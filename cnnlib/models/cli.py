"""``cnnlib predict``: read the digit in picture files with a trained ``.keras`` model.

Prints one line per picture, in the order given: the predicted digit, its
probability, and the file (``7 0.9981 seven.png``). A picture that cannot be
used gets one line on standard error naming the file and the reason; the
other pictures are still predicted, and the exit status is 1.

``cnnlib predict --about MODEL`` prints what the model says it is instead, one
fact a line (labels, input, output, training data, accuracy, seed, versions):
a ``.keras`` file's own facts, or the card of a SavedModel folder or a
``.tflite`` file (:func:`cnnlib.deploy.read_card`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..core import cli

EXAMPLES = """examples:
  cnnlib predict small.keras seven.png two_on_paper.jpg
  cnnlib predict small.keras scan.png --all      (all ten probabilities)
  cnnlib predict --about small.keras             (what the model says it is)
  cnnlib predict --about models/digits/1         (a SavedModel; or digits.tflite)
"""


def existing_model(text: str) -> str:
    """An argparse type: a file or folder that exists."""
    if not Path(text).exists():
        raise argparse.ArgumentTypeError(f"no such file: {text!r}")
    return text


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Add ``predict`` to ``subparsers``."""
    p = subparsers.add_parser(
        "predict",
        formatter_class=cli.HelpFormatter,
        epilog=EXAMPLES,
        help="predict the digit in picture files",
        description="Predict the handwritten digit in each picture with a trained "
        ".keras model. Every picture is prepared the MNIST way first (grayscale, "
        "ink bright, cropped, fitted into 20x20, centred by mass). Prints one line "
        "per picture: DIGIT PROBABILITY FILE. With --about, prints what the model "
        "says it is instead.",
    )
    p.add_argument(
        "model",
        type=existing_model,
        help="a .keras model file (loaded with Keras safe_mode=True); with --about "
        "also a SavedModel folder or a .tflite file",
    )
    p.add_argument(
        "images",
        nargs="*",
        metavar="IMAGE",
        help="picture files (PNG, JPEG, ...): white on black, or dark ink on "
        "light paper",
    )
    p.add_argument(
        "--all",
        action="store_true",
        help="also print the probabilities of all ten digits",
    )
    p.add_argument(
        "--about",
        action="store_true",
        help="print what MODEL says it is, one fact a line (labels, input, output, "
        "training data and sizes, recipe, seed, precision, validation and test "
        "accuracy, versions; for a SavedModel or .tflite, its card), then exit; "
        "takes no IMAGE (default: off, the pictures are predicted)",
    )
    p.set_defaults(run=run, usage_error=p.error)
    return p


def check_about_model(path: Path) -> "str | None":
    """Why ``path`` cannot be read by ``--about`` (``None`` if it can)."""
    if path.is_dir():
        if (path / "saved_model.pb").is_file():
            return None
        return (
            f"'{path}' is a folder without saved_model.pb; expected a SavedModel "
            "folder (such as models/digits/1)"
        )
    if path.suffix not in (".keras", ".tflite"):
        return (
            "expected a .keras file, a .tflite file or a SavedModel folder, "
            f"got '{path}'"
        )
    return None


def run(args: argparse.Namespace) -> int:
    """0 when every picture was read (or ``--about`` printed), 1 when some (or the
    model) could not be; a usage mistake exits 2 before TensorFlow loads."""
    model_path = Path(args.model)
    if args.about:
        if args.images:
            args.usage_error(
                f"argument --about: takes only MODEL, got IMAGE {args.images[0]!r} too"
            )
        problem = check_about_model(model_path)
        if problem:
            args.usage_error(f"argument model: {problem}")
        return cli.run_reporting(lambda: about(model_path))
    if model_path.is_dir():
        args.usage_error(f"argument model: {args.model!r} is a folder, expected a file")
    if not args.images:
        args.usage_error("the following arguments are required: IMAGE")

    def work() -> int:
        from .. import digits as cdigits
        from . import files, predict

        model = files.load_model(args.model)
        failed = 0
        for result in predict.predict_files(model, args.images):
            if isinstance(result, cdigits.ImageError):
                failed += 1
                print(f"error: {result}", file=sys.stderr, flush=True)
                continue
            extra = ""
            if args.all:
                extra = (
                    "  ["
                    + " ".join(
                        f"{d}:{q:.3f}" for d, q in enumerate(result.probabilities)
                    )
                    + "]"
                )
            print(result.line() + extra, flush=True)
        return cli.EXIT_FAILED if failed else cli.EXIT_OK

    return cli.run_reporting(work)


def about(path: Path) -> int:
    """Print what the model at ``path`` says it is, one fact a line; 0.

    A ``.keras`` file is read as the zip archive it is (:func:`~cnnlib.models.
    keras_card`); a SavedModel folder or a ``.tflite`` file is described by its
    card, and one without a card says so. None of them loads TensorFlow for a
    model cnnlib made.
    """
    if path.suffix == ".tflite" and not path.is_dir():
        with open(path, "rb") as f:  # before TensorFlow loads: any file may be named
            if f.read(8)[4:] != b"TFL3":  # the flatbuffer's file identifier
                raise ValueError(f"{path}: not a LiteRT (.tflite) model file")
    from ..deploy import deployable
    from . import files

    if path.suffix == ".keras" and not path.is_dir():
        card, kind, note = files.keras_card(path), "a .keras file", None
    else:
        kind = "a SavedModel folder" if path.is_dir() else "a LiteRT file"
        card_file, note = deployable.card_path(path), None
        if card_file.exists():
            card = deployable.read_card(path)
        else:
            card, note = {}, f"card: none (no {card_file})"
    lines = files.card_lines(card, model=f"{path} ({kind})")
    if note:
        lines.insert(1, note)
    for line in lines:
        print(line, flush=True)
    return cli.EXIT_OK
