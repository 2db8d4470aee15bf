"""The command line of :func:`cnnlib.train.train`::

    python -m cnnlib.train --arch large --recipe article --epochs 10 \\
        --batch-size 50 --lr 1e-4 --data sample --out m.keras
    cnnlib-train ...          (the same, installed as a script)
"""
from __future__ import annotations

import argparse
import math
import sys
from typing import Optional, Sequence

from . import data as cdata
from .hardware import PRECISIONS
from .models import ARCHS
from .recipes import IMPROVED, RECIPES


def _number(text: str, kind, example: str):
    try:
        value = kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {example}, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected {example}, got {text!r}")
    return value


def _positive_int(text: str) -> int:
    value = _number(text, int, "a whole number")
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return value


def _seed(text: str) -> int:
    value = _number(text, int, "a whole number")
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {text!r}")
    return value


def _learning_rate(text: str) -> float:
    value = _number(text, float, "a number such as 1e-4")
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"expected a learning rate between 0 and 1, got {text!r}")
    return value


def _fraction(text: str) -> float:
    value = _number(text, float, "a fraction such as 0.1")
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"expected a fraction 0 <= f < 1, got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m cnnlib.train",
        description="Train article 000's (small) or 001's (large) CNN on MNIST and save it.")
    p.add_argument("--arch", choices=ARCHS, default="large",
                   help="small = 6/16/128 (article 000), large = 32/64/1000 (article 001)")
    p.add_argument("--epochs", type=_positive_int, default=10)
    p.add_argument("--batch-size", type=_positive_int, default=50)
    p.add_argument("--lr", type=_learning_rate, default=None,
                   help="learning rate (default 1e-4). For --recipe improved it is the base "
                        f"rate: warm-up over the first epoch to {IMPROVED.peak_factor:g} x LR, "
                        "then a cosine decay to 0")
    p.add_argument("--data", choices=cdata.SOURCES, default="auto")
    p.add_argument("--recipe", choices=tuple(RECIPES), default="article")
    p.add_argument("--out", required=True, help="where to save the model (PATH.keras)")
    p.add_argument("--resume", action="store_true",
                   help="continue from the checkpoint of an interrupted run with the same --out")
    p.add_argument("--seed", type=_seed, default=0)
    p.add_argument("--precision", choices=PRECISIONS, default="auto",
                   help="auto: the CNNLIB_PRECISION environment variable if set, else "
                        "mixed_bfloat16 on CPUs with bfloat16, else float32")
    p.add_argument("--validation-split", type=_fraction, default=0.1,
                   help="share of the training digits held out to monitor each epoch "
                        "(default 0.1; 0 = none). The test digits are scored once, at the end")
    p.add_argument("--log-dir", default=None, help="write TensorBoard logs here")
    p.add_argument("--quiet", action="store_true", help="one line per epoch, no progress bar")
    return p


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line; returns the exit status (0 done, 1 a clear error, 2 bad flags)."""
    from . import train as training  # the module, looked up at call time

    args = build_parser().parse_args(argv)
    try:
        result = training.train(
            arch=args.arch, recipe=args.recipe, epochs=args.epochs,
            batch_size=args.batch_size, lr=args.lr, data=args.data, out=args.out,
            resume=args.resume, seed=args.seed, verbose=2 if args.quiet else 1,
            precision=args.precision, log_dir=args.log_dir,
            validation_split=args.validation_split)
    except (training.TrainError, cdata.DatasetError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"Trained on: {result.data_name}")
    print(f"Setup: {result.setup}; {result.images_per_second:,.0f} images/s")
    print(f"Saved {args.out} (test accuracy {result.test_accuracy:.4f}, scored once at the end)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
