"""The error of training: :class:`TrainError`."""

from __future__ import annotations

from ..core import errors


class TrainError(errors.CnnlibError, RuntimeError):
    """Training could not start, resume or save; the message says why."""
