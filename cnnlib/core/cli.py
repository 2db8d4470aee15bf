"""Pieces every ``cnnlib`` subcommand uses: argument types, help layout, error
reporting.

Argument types check a flag's value while argparse parses it, before
TensorFlow is imported, so a mistake answers at once, as one line naming the
flag and the value (exit status 2). :func:`run_reporting` runs the work and
turns an error cnnlib explains (:class:`CnnlibError`, in its command-line words,
``ValueError``, ``TypeError``, ``OSError``) into one line on standard error
(exit status 1).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
from pathlib import Path
from typing import Callable

from . import errors, files

#: Exit statuses of every subcommand.
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class HelpFormatter(
    argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter
):
    """Shows each flag's default (unless it is None or a switch's False) and keeps the
    examples' line breaks."""

    def _get_help_string(self, action: argparse.Action) -> str:
        # ``is``, not ``in (None, False)``: a default of 0 (``--seed``) == False.
        hidden = action.default is None or action.default is False
        if hidden or action.default is argparse.SUPPRESS:
            return action.help or ""
        return super()._get_help_string(action) or ""


def number(
    kind: Callable, example: str, low=None, high=None, low_open=False, high_open=False
) -> Callable[[str], float]:
    """An argparse type: ``kind(text)`` within ``low..high``, else a message with
    ``example``."""

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected {example}, got {text!r}"
            ) from None
        if isinstance(value, float) and not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"expected {example}, got {text!r}")
        bad_low = low is not None and (value <= low if low_open else value < low)
        bad_high = high is not None and (value >= high if high_open else value > high)
        if bad_low or bad_high:
            raise argparse.ArgumentTypeError(f"expected {example}, got {text!r}")
        return value

    return parse


#: The largest seed: NumPy's seeds are 32-bit, so a larger one would fail only once
#: TensorFlow had loaded and the data were read.
SEED_MAX = 2**32 - 1


def seed(text: str) -> int:
    """An argparse type: a seed, a whole number ``0..SEED_MAX``."""
    return number(int, f"a whole number 0..{SEED_MAX}", low=0, high=SEED_MAX)(text)


def existing_file(text: str) -> str:
    """An argparse type: a file that exists (not a folder)."""
    path = Path(text)
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} is a folder, expected a file")
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"no such file: {text!r}")
    return text


def writable_path(text: str, suffix: str = "") -> str:
    """A path whose folder exists and is writable, not a folder itself (and, with
    ``suffix``, that ends in it)."""
    path = Path(text)
    if path.is_dir():
        wanted = f"a {suffix} file" if suffix else "a file"
        raise argparse.ArgumentTypeError(
            f"cannot write {text!r}: {text!r} is a folder, expected {wanted}"
        )
    if suffix and path.suffix != suffix:
        raise argparse.ArgumentTypeError(f"expected a {suffix} file name, got {text!r}")
    problem = files.write_problem(path) or probe_folder(path.parent)
    if problem:
        raise argparse.ArgumentTypeError(f"cannot write {text!r}: {problem}")
    return text


def probe_folder(folder: Path) -> "str | None":
    """Why the existing ``folder`` refuses a new entry when really tried (``None`` if
    it takes one): permission bits do not tell root that ``/proc`` or a read-only
    mount refuses new files. Makes and removes one empty folder in it."""
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".cnnlib-probe-", dir=folder))
    except OSError as err:
        return files.refusal_reason(folder, err)
    return None


def folder_problem(text: str) -> "str | None":
    """Why ``text`` cannot be an output folder (``None`` if it can): every command
    writes into a folder that exists, or creates one whose parent exists."""
    path = Path(text)
    if path.is_dir():
        if not os.access(path, os.W_OK | os.X_OK):
            return f"folder {text!r} is not writable"
        return None
    if path.exists():
        return f"{text!r} is a file, expected a folder"
    return files.write_problem(path)


def writable_folder(text: str) -> str:
    """An argparse type: an output folder, existing and writable, or new in a
    folder that exists (see :func:`folder_problem`), and really tried
    (:func:`probe_folder`)."""
    problem = folder_problem(text)
    if problem:
        raise argparse.ArgumentTypeError(f"cannot write into {text!r}: {problem}")
    exists = Path(text).is_dir()
    refused = probe_folder(Path(text) if exists else Path(text).parent)
    if refused:
        what = f"write into {text!r}" if exists else f"create folder {text!r}"
        raise argparse.ArgumentTypeError(f"cannot {what}: {refused}")
    return text


def usage_mistake(command: str, message: str) -> int:
    """A usage mistake found once the data a flag depends on are read (a batch larger
    than the training digits): one line ``cnnlib COMMAND: error: message`` on
    standard error, as argparse words it; returns :data:`EXIT_USAGE`."""
    print(f"cnnlib {command}: error: {message}", file=sys.stderr, flush=True)
    return EXIT_USAGE


def fail(message: str) -> int:
    """Print ``error: message`` on standard error; return :data:`EXIT_FAILED`."""
    print(f"error: {message}", file=sys.stderr, flush=True)
    return EXIT_FAILED


def run_reporting(work: Callable[[], int]) -> int:
    """``work()``, with an error cnnlib explains printed as one line (exit status 1).

    Ctrl+C ends it with status 130 and one line, no traceback.
    """
    try:
        return work()
    except (errors.CnnlibError, ValueError, TypeError, OSError) as err:
        said = err.cli_words() if isinstance(err, errors.CnnlibError) else str(err)
        text = said.strip() or type(err).__name__
        return fail(
            text.splitlines()[0]
            if len(text.splitlines()) == 1
            else " ".join(line.strip() for line in text.splitlines())
        )
    except KeyboardInterrupt:
        print("stopped (Ctrl+C)", file=sys.stderr)
        return 130
