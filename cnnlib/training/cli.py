"""``cnnlib train``: train a network on MNIST and save it (parses before TensorFlow
loads)."""

from __future__ import annotations

import argparse

from ..core import cli
from ..data import mnist
from ..models import architectures
from . import recipes

EXAMPLES = """examples:
  cnnlib train --out small.keras --arch small --epochs 3 --lr 1e-3 --data sample
  cnnlib train --out large.keras --recipe improved
  cnnlib train --out large.keras --resume        (continue an interrupted run)
"""


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
        description="Train article 000's (small) or 001's (large) CNN on MNIST; watch "
        "validation digits each epoch, score the test digits once at the end, "
        "save the model (float32) with a checkpoint after every epoch.",
    )
    p.add_argument(
        "--out",
        required=True,
        type=lambda t: cli.writable_path(t, ".keras"),
        help="where to save the model (PATH.keras); checkpoints go to PATH.keras.ckpt/",
    )
    p.add_argument(
        "--recipe", choices=tuple(recipes.RECIPES), default="article", help=names
    )
    p.add_argument(
        "--arch",
        choices=architectures.ARCHS,
        default=None,
        help=f"the network ({archs}); default: the recipe's (large)",
    )
    p.add_argument(
        "--epochs",
        type=cli.number(int, "a whole number >= 1", low=1),
        default=None,
        help="passes over the training digits; default: the recipe's (10)",
    )
    p.add_argument(
        "--batch-size",
        type=cli.number(int, "a whole number >= 1", low=1),
        default=None,
        help="digits per step; default: the recipe's (50)",
    )
    p.add_argument(
        "--lr",
        type=cli.number(
            float, "a learning rate between 0 and 1, such as 1e-4", 0, 1, True, True
        ),
        default=None,
        help="learning rate; default: the recipe's (1e-4). For --recipe improved "
        f"the base rate: warm-up over the first epoch to "
        f"{recipes.IMPROVED.peak_factor:g} x LR, then a cosine decay to 0",
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
        type=cli.number(int, "a whole number >= 0", low=0),
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
    p.add_argument("--log-dir", default=None, help="write TensorBoard logs here")
    p.add_argument(
        "--quiet", action="store_true", help="one line per epoch, no progress bar"
    )
    p.set_defaults(run=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Train as ``args`` say; 0 when saved, 1 with one line when something failed."""

    def work() -> int:
        from . import loop

        if args.log_dir is not None:
            loop.check_log_dir(args.log_dir, "--log-dir")
        result = loop.train(
            arch=args.arch,
            recipe=args.recipe,
            epochs=args.epochs,
            batch_size=args.batch_size,
            lr=args.lr,
            data=args.data,
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
