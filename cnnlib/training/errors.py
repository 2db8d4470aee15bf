"""The errors of training: :class:`TrainError`, and :class:`ResumeError` for a
checkpoint made with other settings."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping, Union

from ..core import errors

#: The ``cnnlib train`` flag of each setting a checkpoint records (``data`` is the
#: name of the data, which ``--data`` picks).
RESUME_FLAGS = {
    "arch": "--arch",
    "recipe": "--recipe",
    "batch_size": "--batch-size",
    "lr": "--lr",
    "seed": "--seed",
    "data": "--data",
    "validation_split": "--validation-split",
}


class TrainError(errors.CnnlibError, RuntimeError):
    """Training could not start, resume or save; the message says why."""


class ResumeError(TrainError):
    """The checkpoint to resume was made with other settings.

    ``changed`` maps each setting (an argument of :func:`cnnlib.training.train`) to
    ``(what the checkpoint was trained with, what was asked now)``.
    """

    def __init__(
        self, folder: Union[str, os.PathLike], changed: Mapping[str, tuple]
    ) -> None:
        self.folder, self.changed = Path(folder), dict(changed)
        super().__init__(
            f"cannot resume {self.folder}: it was trained with different settings "
            + ", ".join(f"{k}={a!r} (now {b!r})" for k, (a, b) in self.changed.items())
        )

    def cli_words(self) -> str:
        """Said with ``cnnlib train``'s flags: ``--arch large (now small)``."""

        def text(value) -> str:
            return f"{value:g}" if isinstance(value, float) else str(value)

        settings = ", ".join(
            f"{RESUME_FLAGS.get(k, k)} {text(a)!r} (now {text(b)!r})"
            if k == "data"
            else f"{RESUME_FLAGS.get(k, k)} {text(a)} (now {text(b)})"
            for k, (a, b) in self.changed.items()
        )
        return (
            f"--resume: cannot resume {self.folder}: it was trained with {settings}; "
            "pass the flags it was trained with, or leave out --resume to start afresh"
        )
