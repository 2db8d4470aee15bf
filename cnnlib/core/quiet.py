"""Keeping TensorFlow's start-up quiet, and checking its version (no TensorFlow needed).

:func:`quiet_stderr` points file descriptor 2 at ``/dev/null`` for a block:
TensorFlow's and LiteRT's C++ runtimes log there directly, past Python's
``sys.stderr``. :func:`check_tensorflow_version` refuses a TensorFlow older
than :data:`MIN_TENSORFLOW` with a message that says how to upgrade.
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import Iterator

from packaging.version import InvalidVersion, Version

#: Oldest TensorFlow this book is tested against (Keras 3 is required).
MIN_TENSORFLOW = "2.16"


@contextlib.contextmanager
def quiet_stderr() -> Iterator[None]:
    """Send file descriptor 2 to ``/dev/null`` inside the ``with`` block.

    Python's ``sys.stderr`` is flushed first and fd 2 is restored on exit,
    even when the body raises.
    """
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):  # no real fd 2 (rare hosts)
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def check_tensorflow_version(version: str, minimum: str = MIN_TENSORFLOW) -> None:
    """Raise ``ImportError`` naming both versions when ``version`` is older than
    ``minimum``.

    Compared as PEP 440 versions: ``2.16.0rc0`` is older than ``2.16``,
    ``2.17.0rc1`` newer.
    """
    try:
        too_old = Version(version) < Version(minimum)
    except InvalidVersion:
        raise ImportError(
            f"cnnlib cannot read TensorFlow's version {version!r}; it needs "
            f"TensorFlow >= {minimum} (with Keras 3)"
        ) from None
    if too_old:
        raise ImportError(
            f"cnnlib needs TensorFlow >= {minimum} (with Keras 3), but TensorFlow "
            f"{version} is installed. Upgrade it with: "
            f"pip install -U 'tensorflow>={minimum}'"
        )
