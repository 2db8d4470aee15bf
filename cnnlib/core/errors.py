"""The one base of every error cnnlib raises on purpose.

Each concept defines its own errors next to its code (``DatasetError`` in
:mod:`cnnlib.data`, ``TrainError`` in :mod:`cnnlib.training`, ...), all
subclasses of :class:`CnnlibError`, so ``except CnnlibError`` catches any of
them. Where callers expect a built-in kind, an error is that kind as well
(``ImageError`` is a ``ValueError``, ``DatasetError`` a ``RuntimeError``).

An error whose message names Python arguments (``safe_mode=False``, ``arch=``)
says it in the command line's words too (``--arch``), by :meth:`CnnlibError.cli_words`,
which the ``cnnlib`` command prints (:func:`cnnlib.core.cli.run_reporting`).
"""

from __future__ import annotations


class CnnlibError(Exception):
    """A failure cnnlib detected and explained; the message says what and why."""

    def cli_words(self) -> str:
        """The message as the ``cnnlib`` command says it (flags, not Python
        arguments); the message itself where the two agree."""
        return str(self)
