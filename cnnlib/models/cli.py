"""``cnnlib predict``: read the digit in picture files with a trained ``.keras`` model.

Prints one line per picture, in the order given: the predicted digit, its
probability, and the file (``7 0.9981 seven.png``). A picture that cannot be
used gets one line on standard error naming the file and the reason; the
other pictures are still predicted, and the exit status is 1.
"""

from __future__ import annotations

import argparse
import sys

from ..core import cli

EXAMPLES = """examples:
  cnnlib predict small.keras seven.png two_on_paper.jpg
  cnnlib predict small.keras scan.png --all      (all ten probabilities)
"""


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
        "per picture: DIGIT PROBABILITY FILE.",
    )
    p.add_argument(
        "model",
        type=cli.existing_file,
        help="a .keras model file (loaded with Keras safe_mode=True)",
    )
    p.add_argument(
        "images",
        nargs="+",
        metavar="IMAGE",
        help="picture files (PNG, JPEG, ...): white on black, or dark ink on "
        "light paper",
    )
    p.add_argument(
        "--all",
        action="store_true",
        help="also print the probabilities of all ten digits",
    )
    p.set_defaults(run=run)
    return p


def run(args: argparse.Namespace) -> int:
    """0 when every picture was read, 1 when some (or the model) could not be."""

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
