"""``cnnlib train``: train a network on MNIST and save it (parses before TensorFlow
loads)."""

from __future__ import annotations

import argparse
import os
import re
import sys
from typing import Callable, Optional

import numpy as np

from ..core import cli
from ..data import errors as data_errors
from ..data import mnist
from ..models import architectures
from . import recipes

EXAMPLES = """examples:
  cnnlib train --out small.keras --arch small --epochs 3 --lr 1e-3 --data sample
  cnnlib train --out large.keras --recipe improved
  cnnlib train --out fast.keras --recipe fast      (99% on full MNIST in seconds)
  cnnlib train --out large.keras --resume        (continue an interrupted run)
"""


#: How a failure to load full MNIST ends: the way on without it.
SAMPLE_HINT = "; pass --data sample to use the offline 5,000-digit sample"


def _defaults(field: str) -> str:
    """Each recipe's default of ``field``, in words: ``article 10, improved 10``."""
    return ", ".join(
        f"{r.name} {getattr(r, field):g}"
        if isinstance(getattr(r, field), float)
        else f"{r.name} {getattr(r, field)}"
        for r in recipes.RECIPES.values()
    )


def log_folder(text: str) -> str:
    """An argparse type: a folder TensorBoard logs can go to (it exists and is
    writable, or can be made inside the nearest folder that exists)."""
    probe = os.path.abspath(text)
    while not os.path.exists(probe):
        probe = os.path.dirname(probe)
    if not os.path.isdir(probe):
        where = "it" if probe == os.path.abspath(text) else repr(probe)
        raise argparse.ArgumentTypeError(
            f"{text!r} cannot be a folder of TensorBoard logs: {where} is a file"
        )
    if not os.access(probe, os.W_OK | os.X_OK):
        raise argparse.ArgumentTypeError(
            f"{text!r} cannot be a folder of TensorBoard logs: folder {probe!r} is "
            "not writable"
        )
    return text


def load_data(source: str, printer: Callable[[str], None] = print) -> mnist.MnistData:
    """:func:`cnnlib.data.load_mnist` for ``--data SOURCE``, its line said by
    ``printer`` (``--data sample``, where the library says ``source='sample'``); a
    failure is a ``DatasetError`` in the command line's words: it
    names ``--data``, what could not be loaded and why, and hints ``--data sample``
    (the offline sample, always there)."""
    try:
        return mnist.load_mnist(
            source, verbose=True, printer=lambda line: printer(_cli_words(line))
        )
    except data_errors.DatasetError as err:
        why = _cli_words(str(err).strip().rstrip("."))
        hint = "" if "--data sample" in why else SAMPLE_HINT
        raise data_errors.DatasetError(
            f"--data {source}: cannot load full MNIST: {why}{hint}"
        ) from None


def _cli_words(text: str) -> str:
    """``load_mnist``'s words for its argument in the command line's: ``--data``."""
    return re.sub(r"source='(\w+)'", r"--data \1", text)


def training_count(labels: np.ndarray, validation_split: float) -> int:
    """How many of the training digits with ``labels`` ``train`` trains on: all but
    the validation share, rounded per digit class (as ``pipeline.validation_indices``
    picks them)."""
    per_class = np.bincount(np.asarray(labels, np.int64), minlength=10)
    return int(
        len(labels) - sum(int(round(validation_split * n)) for n in per_class if n)
    )


def batch_size_problem(
    batch_size: Optional[int], labels: np.ndarray, validation_split: float
) -> Optional[str]:
    """Why ``--batch-size`` cannot be used on these digits (``None`` if it can)."""
    if batch_size is None:
        return None
    n = training_count(labels, validation_split)
    if batch_size > n:
        return (
            f"argument --batch-size: {batch_size} is larger than the {n:,} digits "
            f"it would train on ({len(labels):,} training digits, "
            f"--validation-split {validation_split:g} held out); use at most {n:,}"
        )
    return None


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Add ``train`` to ``subparsers``; its ``run`` trains when called."""
    archs = "; ".join(
        f"{name}: {spec.about}" for name, spec in architectures.SPECS.items()
    )
    names = "; ".join(f"{r.name}: {r.about}" for r in recipes.RECIPES.values())
    p = subparsers.add_parser(
        "train",
        formatter_class=cli.HelpFormatter,
        epilog=EXAMPLES,
        help="train a network on MNIST and save it as a .keras file",
        description="Train article 000's (small), 001's (large) or the fast recipe's "
        "CNN on MNIST; watch "
        "validation digits each epoch, score the test digits once at the end, "
        "save the model (float32) with a checkpoint after every epoch.",
    )
    p.add_argument(
        "--out",
        required=True,
        type=lambda t: cli.writable_path(t, ".keras"),
        help="where to save the model (PATH.keras); checkpoints go to "
        "PATH.keras.ckpt/. An existing file is refused unless --overwrite is given",
    )
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="replace an existing --out file (it is replaced only once the new "
        "model is saved in full)",
    )
    p.add_argument(
        "--recipe", choices=tuple(recipes.RECIPES), default="article", help=names
    )
    p.add_argument(
        "--arch",
        choices=recipes.ARCHS,
        default=None,
        help=f"the network ({archs}; fast: the fast recipe's, 24 filters of 5x5 "
        f"and 32 of 3x3, 256 hidden units); default: the recipe's "
        f"({_defaults('arch')})",
    )
    p.add_argument(
        "--epochs",
        type=cli.number(int, "a whole number >= 1", low=1),
        default=None,
        help="passes over the training digits; default: the recipe's "
        f"({_defaults('epochs')})",
    )
    p.add_argument(
        "--batch-size",
        type=cli.number(int, "a whole number >= 1", low=1),
        default=None,
        help="digits per step, at most the number of training digits; default: "
        f"the recipe's ({_defaults('batch_size')})",
    )
    p.add_argument(
        "--lr",
        type=cli.number(
            float, "a learning rate between 0 and 1, such as 1e-4", 0, 1, True, True
        ),
        default=None,
        help=f"learning rate; default: the recipe's ({_defaults('lr')}). For "
        "--recipe improved the base rate: warm-up over the first epoch to "
        f"{recipes.IMPROVED.peak_factor:g} x LR, then a cosine decay to 0; for "
        f"--recipe fast the one-cycle's start: up to {recipes.FAST.peak_factor:g} x "
        f"LR over the first {recipes.FAST.warmup_fraction * 100:.0f}%% of the "
        "steps, then a cosine to 0",
    )
    p.add_argument(
        "--data",
        choices=mnist.SOURCES,
        default="auto",
        help="auto: full MNIST if it can be had, else the 5,000-digit sample",
    )
    p.add_argument(
        "--resume",
        action="store_true",
        help="continue from the checkpoint of an interrupted run with the same --out",
    )
    p.add_argument(
        "--seed",
        type=cli.seed,
        default=0,
        help="seeds the validation split, initial weights, shuffling, augmentation "
        "and dropout",
    )
    p.add_argument(
        "--precision",
        choices=recipes.PRECISIONS,
        default="auto",
        help=f"auto: ${recipes.PRECISION_ENV} if set, else mixed_bfloat16 on CPUs "
        "with bfloat16, else float32",
    )
    p.add_argument(
        "--validation-split",
        default=0.1,
        type=cli.number(
            float, "a fraction 0 <= f < 1, such as 0.1", 0, 1, high_open=True
        ),
        help="share of the training digits held out to watch each epoch "
        "(0 = none); the test digits are scored once, at the end",
    )
    p.add_argument(
        "--log-dir",
        default=None,
        type=log_folder,
        help="write TensorBoard logs into this folder (made if missing)",
    )
    p.add_argument(
        "--quiet", action="store_true", help="one line per epoch, no progress bar"
    )
    p.set_defaults(run=run, usage_error=p.error)
    return p


def run(args: argparse.Namespace) -> int:
    """Train as ``args`` say; 0 when saved, 1 with one line when something failed,
    2 (before the data or TensorFlow load) for an existing ``--out`` without
    ``--overwrite``."""
    if os.path.lexists(args.out) and not args.overwrite:
        args.usage_error(
            f"argument --out: {args.out!r} already exists; pass --overwrite to "
            "replace it"
        )

    def work() -> int:
        # The data are read (NumPy only) before TensorFlow loads, so a batch
        # larger than the training digits is a usage mistake found in seconds.
        data = load_data(args.data)
        problem = batch_size_problem(
            args.batch_size, data.y_train, args.validation_split
        )
        if problem:
            return cli.usage_mistake("train", problem)
        from . import checkpoints, loop

        if args.log_dir is not None:
            loop.check_log_dir(args.log_dir, "--log-dir")
        folder = checkpoints.checkpoint_dir(args.out)
        if args.resume and not (folder / checkpoints.POINTER).is_file():
            print(  # not a mistake (a first run may pass it too), but said
                f"--resume: no checkpoint of an interrupted run in {str(folder)!r} "
                "(a finished run leaves none), so training starts at epoch 1",
                file=sys.stderr,
                flush=True,
            )
        result = loop.train(
            arch=args.arch,
            recipe=args.recipe,
            epochs=args.epochs,
            batch_size=args.batch_size,
            lr=args.lr,
            data=data,
            out=args.out,
            resume=args.resume,
            seed=args.seed,
            verbose=2 if args.quiet else 1,
            precision=args.precision,
            log_dir=args.log_dir,
            validation_split=args.validation_split,
        )
        print(f"Trained on: {result.data_name}")
        print(f"Setup: {result.setup}; {result.images_per_second:,.0f} images/s")
        print(
            f"Saved {args.out} (test accuracy {result.test_accuracy:.4f}, scored once "
            "at the end)"
        )
        return cli.EXIT_OK

    return cli.run_reporting(work)
