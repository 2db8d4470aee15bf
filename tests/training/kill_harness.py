"""Run ``cnnlib train`` and SIGKILL it at a chosen moment of its checkpointing.

::

    python tests/training/kill_harness.py --kill-at before-pointer:2 -- --out m.keras

Everything after ``--`` goes to ``cnnlib train`` (``cnnlib.cli.main(["train",
...])``), unchanged. Moments (``N`` is the checkpoint's number, its epoch):

``before-pointer:N``
    checkpoint ``N`` is complete on disk and the pointer still names ``N - 1``:
    the process kills itself on entering ``CheckpointManager.write_pointer``.
``in-model:N``
    while checkpoint ``N``'s ``model.keras`` is written: the file is written,
    cut to half its size, then the process kills itself (a temporary folder
    holding a half-written model is left behind).

The library has no test hook of its own: this harness patches it, in its own
process only. If the moment never comes, training finishes normally.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import sys
from pathlib import Path


def kill_at(moment: str, number: int) -> None:
    """Patch cnnlib (this process only) to SIGKILL itself at ``moment:number``."""
    from cnnlib.core.tf import keras
    from cnnlib.training import checkpoints

    def die() -> None:
        sys.stdout.flush()
        os.kill(os.getpid(), signal.SIGKILL)

    if moment == "before-pointer":
        write_pointer = checkpoints.CheckpointManager.write_pointer

        def patched_pointer(self, name, n):
            if n == number:
                die()
            return write_pointer(self, name, n)

        checkpoints.CheckpointManager.write_pointer = patched_pointer
    elif moment == "in-model":
        save = keras.Model.save
        folder = re.compile(rf"^\.ckpt-{number:04d}\..*\.tmp$")  # atomic_folder's temp

        def patched_save(self, filepath, *args, **kwargs):
            result = save(self, filepath, *args, **kwargs)
            path = Path(filepath)
            if path.name == "model.keras" and folder.match(path.parent.name):
                os.truncate(path, path.stat().st_size // 2)
                die()
            return result

        keras.Model.save = patched_save
    else:
        raise SystemExit(f"unknown moment {moment!r}: before-pointer or in-model")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--kill-at",
        required=True,
        metavar="MOMENT:N",
        help="before-pointer:N or in-model:N",
    )
    parser.add_argument(
        "train_args",
        nargs=argparse.REMAINDER,
        help="-- then the arguments of cnnlib train",
    )
    args = parser.parse_args(argv)
    moment, _, number = args.kill_at.partition(":")
    train_args = (
        args.train_args[1:] if args.train_args[:1] == ["--"] else args.train_args
    )
    kill_at(moment, int(number))
    from cnnlib import cli

    return cli.main(["train", *train_args])


if __name__ == "__main__":
    sys.exit(main())
