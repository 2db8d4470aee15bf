"""Saving without ever leaving a half-written model, and resumable checkpoints.

    save_atomic(model, "m.keras")     temporary file, then a rename over the target
    CheckpointManager(folder)         numbered checkpoints + a pointer written last

A checkpoint is one numbered folder ``ckpt-0003/`` holding ``model.keras``
(weights, optimizer and random-generator state) and ``state.json`` (settings
and history). It is written in full under a temporary name and renamed into
place; only then is the pointer file ``checkpoint`` (which names the newest
folder) replaced, atomically, the way ``tf.train.CheckpointManager`` does it.
A process killed at any instant therefore leaves the pointer naming a
complete checkpoint (or no pointer at all, before the first one): resuming
reads the pointer and never sees a half-written or mismatched pair. The last
``keep`` checkpoints are kept; older ones are removed after the pointer moves.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import tempfile
from pathlib import Path
from typing import Optional, Union

import numpy as np
import keras  # after cnnlib has imported TensorFlow quietly

POINTER = "checkpoint"
#: Test hook: ``"before-pointer:N"`` makes the process SIGKILL itself after
#: checkpoint N is complete and before the pointer names it (the moment that
#: matters); ``"in-model:N"`` kills it while checkpoint N's model is written.
KILL_ENV = "CNNLIB_TEST_KILL_AT"
_NUMBERED = re.compile(r"^ckpt-(\d+)$")


class TrainError(RuntimeError):
    """Training could not start or could not save; the message says why."""


def _fsync(path: Union[str, Path], directory: bool = False) -> None:
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if directory else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _kill_here(moment: str, number: int) -> None:
    if os.environ.get(KILL_ENV) == f"{moment}:{number}":
        os.kill(os.getpid(), signal.SIGKILL)


def _save_to_temp(model: keras.Model, target: Path) -> str:
    """Write ``model`` to a temporary ``.keras`` file beside ``target``; return its name.

    Raises :class:`TrainError` naming ``target`` (the temporary file is removed).
    """
    folder = target.parent if str(target.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=".tmp.keras", dir=folder)
        os.close(fd)
    except OSError as err:
        raise TrainError(f"cannot write the model to {target}: {err.strerror or err}") from err
    try:
        model.save(tmp)
        _fsync(tmp)
    except OSError as err:
        os.unlink(tmp)
        kept = " (the previous file there is kept intact)" if target.exists() else ""
        raise TrainError(f"could not save the model to {target}: {err.strerror or err}{kept}") from err
    except BaseException:
        os.unlink(tmp)
        raise
    return tmp


def save_atomic(model: keras.Model, path: Union[str, os.PathLike]) -> Path:
    """Save ``model`` to ``path`` (``.keras``) without ever leaving a half-written file.

    The model is written to a temporary file in the same folder and renamed
    over ``path`` only when complete; if writing fails (disk full, no
    permission) the previous file at ``path`` is untouched and a
    :class:`TrainError` names the path and the reason.
    """
    target = Path(path)
    if target.suffix != ".keras":
        raise TrainError(f"a model file must end in .keras, got {str(target)!r}")
    tmp = _save_to_temp(model, target)
    try:
        os.replace(tmp, target)
    except OSError as err:
        raise TrainError(f"could not save the model to {target}: {err.strerror or err}") from err
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target


def checkpoint_dir(out: Union[str, os.PathLike]) -> Path:
    """Where the per-epoch checkpoints of a run writing ``out`` live: ``OUT.ckpt/``."""
    return Path(str(out) + ".ckpt")


def check_writable(out: Union[str, os.PathLike]) -> Path:
    """Fail fast, naming the path, if a model cannot be written to ``out``."""
    target = Path(out)
    if target.suffix != ".keras":
        raise TrainError(f"--out must be a .keras file, got {str(out)!r}")
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise TrainError(f"cannot write the model to {target}: folder {str(folder)!r} does not exist")
    if not os.access(folder, os.W_OK):
        raise TrainError(f"cannot write the model to {target}: folder {str(folder)!r} is not writable")
    if target.is_dir():
        raise TrainError(f"cannot write the model to {target}: it is a folder")
    return target


class CheckpointManager:
    """Numbered checkpoints in ``folder`` and a pointer to the newest, written last.

    Args:
        folder: where the checkpoints live (created on the first save).
        keep: how many of the newest checkpoints to keep (>= 1).
    """

    def __init__(self, folder: Union[str, os.PathLike], keep: int = 2):
        self.folder, self.keep = Path(folder), max(1, int(keep))

    def latest(self) -> Optional[Path]:
        """The folder the pointer names, or None when there is no pointer yet."""
        try:
            name = json.loads((self.folder / POINTER).read_text())["latest"]
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as err:
            raise TrainError(f"cannot read the checkpoint pointer {self.folder / POINTER}: "
                             f"{err}") from err
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
            raise TrainError(f"cannot load the checkpoint {latest}: {err}") from err
        restore_random_states(model, state.get("random_states", []))
        return model, state

    def save(self, model: keras.Model, state: dict, number: int) -> Path:
        """Write checkpoint ``number`` (model + ``state``) in full, then point to it.

        Raises:
            TrainError: a write failed (disk full, no permission); the message
                names the checkpoint, and the previous one stays the newest.
        """
        final = self.folder / f"ckpt-{number:04d}"
        tmp = None
        try:
            self.folder.mkdir(exist_ok=True)
            self._remove_leftovers()
            tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{final.name}-", dir=self.folder))
            _kill_here("in-model", number)
            model.save(tmp / "model.keras")
            (tmp / "state.json").write_text(json.dumps(state, indent=1))
            for name in ("model.keras", "state.json"):
                _fsync(tmp / name)
            if final.exists():  # a complete checkpoint the pointer never named
                if final == self.latest():
                    raise TrainError(f"checkpoint {final} exists and is the newest")
                shutil.rmtree(final)
            os.rename(tmp, final)
            _fsync(self.folder, directory=True)
            _kill_here("before-pointer", number)
            self._write_pointer(final.name, number)
        except OSError as err:
            raise TrainError(f"could not write the checkpoint {final}: {err.strerror or err} "
                             "(the previous checkpoint is kept)") from err
        finally:
            if tmp is not None and tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
        self._prune(final)
        return final

    def remove(self) -> None:
        """Delete all checkpoints: the pointer first, so no pointer outlives its folder."""
        try:
            (self.folder / POINTER).unlink()
        except FileNotFoundError:
            pass
        shutil.rmtree(self.folder, ignore_errors=True)

    def _write_pointer(self, name: str, number: int) -> None:
        fd, tmp = tempfile.mkstemp(prefix=f".{POINTER}.", suffix=".tmp", dir=self.folder)
        try:
            with os.fdopen(fd, "w") as fh:
                json.dump({"latest": name, "number": number}, fh)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.folder / POINTER)
            _fsync(self.folder, directory=True)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    def _remove_leftovers(self) -> None:
        """Temporary folders and files of writes a kill interrupted."""
        for path in self.folder.glob(".*tmp*"):
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)

    def _prune(self, newest: Path) -> None:
        numbered = sorted((p for p in self.folder.iterdir() if _NUMBERED.match(p.name)),
                          key=lambda p: int(_NUMBERED.match(p.name).group(1)))
        old = [p for p in numbered if p != newest][: max(len(numbered) - self.keep, 0)]
        for path in old:
            shutil.rmtree(path, ignore_errors=True)


def _random_state_variables(model: keras.Model) -> list:
    # Keras does not save a layer's random-generator state (dropout's) in
    # model.keras; without it a resumed run would draw the first epoch's
    # dropout masks again and end with different weights.
    return [v for v in model.non_trainable_variables
            if v.path.split("/")[-1] == "seed_generator_state"]


def random_states(model: keras.Model) -> list[list[int]]:
    """The state of every random generator in ``model`` (e.g. dropout's), in order."""
    return [np.asarray(v.numpy()).tolist() for v in _random_state_variables(model)]


def restore_random_states(model: keras.Model, states: list[list[int]]) -> None:
    """Set ``model``'s random generators to ``states`` from :func:`random_states`."""
    variables = _random_state_variables(model)
    if len(states) != len(variables):
        raise TrainError(f"the checkpoint holds {len(states)} random-generator states, the "
                         f"model has {len(variables)}")
    for v, state in zip(variables, states):
        v.assign(np.asarray(state, dtype=v.dtype))


class Checkpointer(keras.callbacks.Callback):
    """After every epoch, checkpoint the model with ``{"config", "epoch", "history"}``.

    ``history`` is read from ``logger`` (an :class:`cnnlib.progress.EpochLogger`
    placed before this callback), so the state always matches the weights.
    """

    def __init__(self, manager: CheckpointManager, config: dict, logger):
        super().__init__()
        self.manager, self.config, self.logger = manager, config, logger

    def on_epoch_end(self, epoch, logs=None):
        state = {"config": self.config, "epoch": epoch + 1,
                 "history": [h.as_dict() for h in self.logger.history],
                 "random_states": random_states(self.model)}
        self.manager.save(self.model, state, epoch + 1)
