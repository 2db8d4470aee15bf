"""The ``cnnlib`` command: ``cnnlib train|predict|export|serve|web-weights ...``.

Also ``python -m cnnlib``. Every subcommand parses and checks its flags before
TensorFlow is imported, so ``--help`` and a mistake in a flag answer at once.
Exit statuses, the same for every subcommand: 0 done; 1 a failure while
running, reported in one line (``error: ...``); 2 a usage mistake (a bad flag
or value, a missing file), reported by argparse in one line after the usage.
"""

from __future__ import annotations

import argparse
import sys
from typing import Optional, Sequence

import cnnlib

from .core import cli
from .deploy import cli as deploy_cli
from .models import cli as models_cli
from .serve import cli as serve_cli
from .training import cli as training_cli

EXAMPLES = """examples:
  cnnlib train --out small.keras --arch small --epochs 3 --lr 1e-3 --data sample
  cnnlib predict small.keras seven.png
  cnnlib export small.keras models/digits
  cnnlib serve small.keras --port 8000
  cnnlib web-weights _static/webmodel

exit status: 0 done, 1 a failure while running, 2 a usage mistake.
"""


def build_parser() -> argparse.ArgumentParser:
    """The parser of ``cnnlib`` and its subcommands."""
    parser = argparse.ArgumentParser(
        prog="cnnlib",
        formatter_class=cli.HelpFormatter,
        epilog=EXAMPLES,
        description="The command line of the book 'CNNs in TensorFlow': train the "
        "articles' networks on MNIST, read digits in pictures, export and "
        "serve a trained model.",
    )
    parser.add_argument(
        "--version", action="version", version=f"cnnlib {cnnlib.__version__}"
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    training_cli.add_parser(commands)
    models_cli.add_parser(commands)
    deploy_cli.add_parsers(commands)
    serve_cli.add_parser(commands)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run ``cnnlib`` with ``argv`` (default ``sys.argv[1:]``); returns the exit
    status."""
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
