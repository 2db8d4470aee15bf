"""Saving without ever leaving a half-written model, and resumable checkpoints.

    save_atomic(model, "m.keras")     a temporary file, then a rename over the target
    save_atomic(..., facts={...})     with what the run was, inside the file
    CheckpointManager(folder)         numbered checkpoints + a pointer written last

A checkpoint is one numbered folder ``ckpt-0003/`` holding ``model.keras``
(weights, optimizer and random-generator state) and ``state.json`` (settings
and history). It is written in full under a temporary name and renamed into
place (:func:`cnnlib.core.atomic_folder`); only then is the pointer file
``checkpoint`` (which names the newest folder) replaced, atomically, the way
``tf.train.CheckpointManager`` does it. A process killed at any instant
therefore leaves the pointer naming a complete checkpoint (or no pointer at
all, before the first one): resuming reads the pointer and never sees a
half-written or mismatched pair. The last ``keep`` checkpoints are kept;
older ones are removed after the pointer moves.

The final model of a run carries what the run was (data, recipe, seed,
accuracy; versions and date added) as ``cnnlib.json`` inside the ``.keras``
archive (:func:`cnnlib.models.files.write_facts`), added to the temporary file
before the rename, so the model and its facts appear together or not at all.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Mapping, Optional

import numpy as np

from ..core import files
from ..core.tf import keras
from ..models import files as model_files
from . import errors

POINTER = "checkpoint"
_NUMBERED = re.compile(r"^ckpt-(\d+)$")


def save_atomic(
    model: keras.Model, path: files.PathLike, facts: Optional[Mapping] = None
) -> Path:
    """Save ``model`` to ``path`` (``.keras``) without ever leaving a half-written file.

    ``facts`` go into the archive as :data:`cnnlib.models.files.CARD_MEMBER`, in
    the same temporary file (:func:`cnnlib.models.files.write_facts`).
    If writing fails (disk full, no permission) the previous file at ``path``
    is untouched and a :class:`TrainError` names the path and the reason.
    """
    target = Path(path)
    if target.suffix != ".keras":
        raise errors.TrainError(f"a model file must end in .keras, got {str(target)!r}")
    try:
        with files.atomic_write(target, suffix=".keras") as tmp:
            model.save(tmp)
            if facts is not None:
                model_files.write_facts(tmp, facts)
    except OSError as err:
        kept = " (the previous file there is kept intact)" if target.exists() else ""
        raise errors.TrainError(
            f"could not save the model to {target}: {err.strerror or err}{kept}"
        ) from err
    return target


def checkpoint_dir(out: files.PathLike) -> Path:
    """Where the per-epoch checkpoints of a run writing ``out`` live: ``OUT.ckpt/``."""
    return Path(str(out) + ".ckpt")


def check_writable(out: files.PathLike, what: str = "out") -> Path:
    """``out`` as a path if a model can be written there, else a :class:`TrainError`
    naming ``what`` (the argument or flag) and the reason."""
    target = Path(out)
    if target.suffix != ".keras":
        raise errors.TrainError(f"{what} must be a .keras file, got {str(out)!r}")
    problem = files.write_problem(target)
    if problem:
        raise errors.TrainError(f"cannot write the model to {target}: {problem}")
    if target.is_dir():
        raise errors.TrainError(f"cannot write the model to {target}: it is a folder")
    return target


class CheckpointManager:
    """Numbered checkpoints in ``folder`` and a pointer to the newest, written last.

    Args:
        folder: where the checkpoints live (created on the first save).
        keep: how many of the newest checkpoints to keep (>= 1).
    """

    def __init__(self, folder: files.PathLike, keep: int = 2):
        self.folder, self.keep = Path(folder), max(1, int(keep))

    def latest(self) -> Optional[Path]:
        """The folder the pointer names, or None when there is no pointer yet."""
        try:
            name = json.loads((self.folder / POINTER).read_text())["latest"]
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as err:
            raise errors.TrainError(
                f"cannot read the checkpoint pointer {self.folder / POINTER}: {err}"
            ) from err
        return self.folder / name

    def load(self, **load_kwargs) -> Optional[tuple[keras.Model, dict]]:
        """``(model, state)`` of the newest checkpoint, or None when there is none.

        The model's random generators are set to the saved ``state["random_states"]``.
        """
        latest = self.latest()
        if latest is None:
            return None
        try:
            state = json.loads((latest / "state.json").read_text())
            model = keras.models.load_model(latest / "model.keras", **load_kwargs)
        except (OSError, ValueError) as err:
            raise errors.TrainError(
                f"cannot load the checkpoint {latest}: {err}"
            ) from err
        restore_random_states(model, state.get("random_states", []))
        return model, state

    def save(self, model: keras.Model, state: dict, number: int) -> Path:
        """Write checkpoint ``number`` (model + ``state``) in full, then point to it.

        Raises:
            TrainError: a write failed (disk full, no permission); the message
                names the checkpoint, and the previous one stays the newest.
        """
        final = self.folder / f"ckpt-{number:04d}"
        try:
            self.folder.mkdir(exist_ok=True)
            self._remove_leftovers()
            if final.exists() and final == self.latest():
                raise errors.TrainError(f"checkpoint {final} exists and is the newest")
            # A complete checkpoint the pointer never named is replaced.
            with files.atomic_folder(final, replace=True) as tmp:
                model.save(tmp / "model.keras")
                (tmp / "state.json").write_text(json.dumps(state, indent=1))
            self.write_pointer(final.name, number)
        except OSError as err:
            raise errors.TrainError(
                f"could not write the checkpoint {final}: "
                f"{err.strerror or err} (the previous checkpoint is "
                "kept)"
            ) from err
        self._prune(final)
        return final

    def write_pointer(self, name: str, number: int) -> None:
        """Point at checkpoint folder ``name`` (number ``number``), atomically."""
        with files.atomic_write(self.folder / POINTER) as tmp:
            tmp.write_text(json.dumps({"latest": name, "number": number}))

    def remove(self) -> None:
        """Delete all checkpoints: the pointer first, so no pointer outlives its
        folder."""
        (self.folder / POINTER).unlink(missing_ok=True)
        shutil.rmtree(self.folder, ignore_errors=True)

    def _remove_leftovers(self) -> None:
        """Temporary folders and files of writes a kill interrupted."""
        for path in self.folder.glob(".*tmp*"):
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)

    def _prune(self, newest: Path) -> None:
        numbered = sorted(
            (p for p in self.folder.iterdir() if _NUMBERED.match(p.name)),
            key=lambda p: int(_NUMBERED.match(p.name).group(1)),
        )
        old = [p for p in numbered if p != newest][: max(len(numbered) - self.keep, 0)]
        for path in old:
            shutil.rmtree(path, ignore_errors=True)


def _random_state_variables(model: keras.Model) -> list:
    # Keras does not save a layer's random-generator state (dropout's) in
    # model.keras; without it a resumed run would draw the first epoch's
    # dropout masks again and end with different weights.
    return [
        v
        for v in model.non_trainable_variables
        if v.path.split("/")[-1] == "seed_generator_state"
    ]


def random_states(model: keras.Model) -> list[list[int]]:
    """The state of every random generator in ``model`` (e.g. dropout's), in order."""
    return [np.asarray(v.numpy()).tolist() for v in _random_state_variables(model)]


def restore_random_states(model: keras.Model, states: list[list[int]]) -> None:
    """Set ``model``'s random generators to ``states`` from :func:`random_states`."""
    variables = _random_state_variables(model)
    if len(states) != len(variables):
        raise errors.TrainError(
            f"the checkpoint holds {len(states)} random-generator "
            f"states, the model has {len(variables)}"
        )
    for v, state in zip(variables, states):
        v.assign(np.asarray(state, dtype=v.dtype))


class Checkpointer(keras.callbacks.Callback):
    """After every epoch, checkpoint the model with ``{"config", "epoch", "history"}``.

    ``history`` is read from ``logger`` (a :class:`cnnlib.training.EpochLogger`
    placed before this callback), so the state always matches the weights.
    """

    def __init__(self, manager: CheckpointManager, config: dict, logger):
        super().__init__()
        self.manager, self.config, self.logger = manager, config, logger

    def on_epoch_end(self, epoch, logs=None):
        state = {
            "config": self.config,
            "epoch": epoch + 1,
            "history": [h.as_dict() for h in self.logger.history],
            "random_states": random_states(self.model),
        }
        self.manager.save(self.model, state, epoch + 1)
