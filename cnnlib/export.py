"""Export a trained model as a TensorFlow SavedModel with a serving signature.

A ``.keras`` file needs Keras and the Python that built the model. A
**SavedModel** is a folder holding the computation graph and the weights;
anything that runs TensorFlow can call it (TensorFlow Serving, a C++ or Java
program, TF Lite's converter, another Python process) without this book's code.

:func:`export_saved_model` writes one with a **serving signature** named
``serving_default``::

    inputs:  digits         float32 (N, 28, 28), raw pixels 0..255 (MNIST style)
    outputs: probabilities  float32 (N, 10)
             digit          int32   (N,)

:func:`call_in_subprocess` proves the point: it runs :data:`CLIENT_SCRIPT`,
which imports only TensorFlow and NumPy, in a separate Python process.

Command line::

    python -m cnnlib.export MODEL.keras OUT_DIR     # export
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Optional, Sequence, Union

import numpy as np

from .models import as_digit_batch

import tensorflow as tf  # noqa: E402  (imported quietly by cnnlib/__init__)
import keras  # noqa: E402

SIGNATURE = "serving_default"
INPUT_NAME = "digits"

#: The program a separate process runs to call a SavedModel: TensorFlow and NumPy only.
#: argv: SAVEDMODEL_DIR DIGITS.npy ; prints JSON {"digit": [...], "probabilities": [[...]]}.
CLIENT_SCRIPT = """\
import json, os, sys
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
import tensorflow as tf

serve = tf.saved_model.load(sys.argv[1]).signatures["serving_default"]
digits = np.load(sys.argv[2]).astype(np.float32)
out = serve(digits=tf.constant(digits))
print(json.dumps({"digit": out["digit"].numpy().tolist(),
                  "probabilities": out["probabilities"].numpy().round(6).tolist()}))
"""


class ExportError(RuntimeError):
    """Exporting or calling a SavedModel failed; the message says where and why."""


def export_saved_model(model: keras.Model, path: Union[str, os.PathLike],
                       overwrite: bool = False) -> Path:
    """Write ``model`` as a SavedModel with the ``serving_default`` signature.

    Args:
        model: a Keras model taking raw digits ``(N, 28, 28, 1)`` 0..255 and
            giving logits ``(N, 10)`` (as :func:`cnnlib.models.build_model`).
        path: the folder to create.
        overwrite: replace an existing folder (default: refuse, naming it).

    Returns:
        The folder's path.
    """
    target = Path(path)
    if target.exists() and not overwrite:
        raise ExportError(f"{target} already exists; pass overwrite=True to replace it")
    if target.exists() and not target.is_dir():
        raise ExportError(f"{target} exists and is not a folder")
    if tuple(model.output_shape) != (None, 10):
        raise ExportError(f"the model outputs {model.output_shape}; expected (None, 10) logits")

    def serve(digits):
        x = tf.reshape(tf.cast(digits, tf.float32), [-1, 28, 28, 1])
        probs = tf.nn.softmax(tf.cast(model(x, training=False), tf.float32))
        return {"probabilities": probs, "digit": tf.argmax(probs, axis=1, output_type=tf.int32)}

    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.add_endpoint(name="serve", fn=serve, input_signature=[
        tf.TensorSpec([None, 28, 28], tf.float32, name=INPUT_NAME)])
    try:
        archive.write_out(str(target), verbose=False)
    except OSError as err:
        raise ExportError(f"cannot write the SavedModel to {target}: {err.strerror or err}") from err
    return target


def load_signature(path: Union[str, os.PathLike]):
    """The ``serving_default`` function of a SavedModel folder.

    Call it as ``fn(digits=tf.constant(x))`` with ``x`` float32 ``(N, 28, 28)``;
    it returns ``{"probabilities": (N, 10), "digit": (N,)}``.
    """
    folder = Path(path)
    if not (folder / "saved_model.pb").exists():
        raise ExportError(f"{folder}: not a SavedModel folder (no saved_model.pb)")
    loaded = tf.saved_model.load(str(folder))
    if SIGNATURE not in loaded.signatures:
        raise ExportError(f"{folder}: has no {SIGNATURE!r} signature, only {list(loaded.signatures)}")
    return loaded.signatures[SIGNATURE]


def describe_signature(path: Union[str, os.PathLike]) -> list[str]:
    """Lines naming the serving signature's inputs and outputs, with dtypes and shapes."""
    fn = load_signature(path)

    def fmt(spec) -> str:
        dims = ", ".join("N" if d is None else str(d) for d in spec.shape)
        return f"{spec.dtype.name} ({dims})"

    _, inputs = fn.structured_input_signature
    lines = [f"input  {k}: {fmt(v)}" for k, v in sorted(inputs.items())]
    lines += [f"output {k}: {fmt(v)}" for k, v in sorted(fn.structured_outputs.items())]
    return lines


def call_in_subprocess(path: Union[str, os.PathLike], digits: np.ndarray,
                       timeout: float = 180.0) -> dict:
    """Call a SavedModel from a **separate Python process** that has no ``cnnlib``.

    Runs :data:`CLIENT_SCRIPT` with this Python interpreter; the digits travel
    as a ``.npy`` file, the answer comes back as JSON on standard output.

    Args:
        path: a SavedModel folder written by :func:`export_saved_model`.
        digits: raw digits ``(N, 28, 28)`` 0..255.
        timeout: seconds to wait for the process.

    Returns:
        ``{"digit": [N ints], "probabilities": [N lists of 10 floats]}``.

    Raises:
        ExportError: the process failed; the message has its last error line.
    """
    batch = as_digit_batch(digits)[..., 0]
    with tempfile.TemporaryDirectory(prefix="cnnlib-call-") as tmp:
        npy = Path(tmp) / "digits.npy"
        np.save(npy, batch)
        try:
            done = subprocess.run([sys.executable, "-c", CLIENT_SCRIPT, str(path), str(npy)],
                                  capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise ExportError(f"the process calling {path} did not finish in {timeout:g} s") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["(no message)"])[-1]
        raise ExportError(f"the process calling {path} failed (exit {done.returncode}): {last}")
    try:
        return json.loads(done.stdout.strip().splitlines()[-1])
    except (json.JSONDecodeError, IndexError):
        raise ExportError(f"the process calling {path} printed no JSON: {done.stdout[-200:]!r}") from None


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = argparse.ArgumentParser(prog="python -m cnnlib.export",
                                description="Export a .keras model as a SavedModel with a "
                                            "serving_default signature.")
    p.add_argument("model", help="a .keras model file (loaded with safe_mode=True)")
    p.add_argument("out", help="the SavedModel folder to create")
    p.add_argument("--overwrite", action="store_true", help="replace an existing folder")
    args = p.parse_args(argv)
    from .predict import ModelLoadError, load_model
    try:
        export_saved_model(load_model(args.model), args.out, overwrite=args.overwrite)
        for line in describe_signature(args.out):
            print(line)
    except (ModelLoadError, ExportError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"Exported {args.model} to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
