"""The one base of every error cnnlib raises on purpose.

Each concept defines its own errors next to its code (``DatasetError`` in
:mod:`cnnlib.data`, ``TrainError`` in :mod:`cnnlib.training`, ...), all
subclasses of :class:`CnnlibError`, so ``except CnnlibError`` catches any of
them. Where callers expect a built-in kind, an error is that kind as well
(``ImageError`` is a ``ValueError``, ``DatasetError`` a ``RuntimeError``).
"""

from __future__ import annotations


class CnnlibError(Exception):
    """A failure cnnlib detected and explained; the message says what and why."""
