"""The error of loading data: :class:`DatasetError`."""

from __future__ import annotations

from ..core import errors


class DatasetError(errors.CnnlibError, RuntimeError):
    """The data set could not be loaded, and the message says which file or URL and why.

    Attributes:
        offline: True when the cause was a download of a file that was simply
            not cached (so ``load_mnist("auto")`` may fall back to the sample).
    """

    def __init__(self, message: str, offline: bool = False):
        super().__init__(message)
        self.offline = offline
