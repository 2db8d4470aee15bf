"""Make the deployable model from a trained one, and export it for every runtime.

A model trained by :mod:`cnnlib.train` may compute in ``mixed_bfloat16`` (on
CPUs with bfloat16 support) and gives **logits**. The runtimes a model is
deployed to want something else: TF Lite/LiteRT cannot convert bfloat16 ops
(``tf.BiasAdd`` on bf16 tensors is not supported), TensorFlow.js computes in
float32, and a client wants probabilities. :func:`deployable_model` makes that
model once (:mod:`cnnlib.deployable`), and every export starts from it:

    raw digits float32 (N, 28, 28), pixels 0..255  ->  probabilities float32 (N, 10)

Exports:

* :func:`export_saved_model`: a SavedModel folder with a **serving signature**
  ``serving_default``::

      inputs:  digits         float32 (N, 28, 28), raw pixels 0..255 (MNIST style)
      outputs: probabilities  float32 (N, 10)
               digit          int32   (N,)

* :func:`export_for_serving`: the same SavedModel in TensorFlow Serving's
  versioned layout ``BASE/1/``, ``BASE/2/`` ... (e.g. ``models/digits/1/``).
* :func:`export_tflite` (in :mod:`cnnlib.litert`): a LiteRT (TF Lite) flatbuffer,
  float32 or **full-integer int8** (post-training quantization calibrated on
  representative digits from the *training* set). The int8 model takes the raw
  pixels as ``uint8`` (0..255, exactly a digit's bytes) and answers quantized
  probabilities; :class:`LiteRTModel` runs either with LiteRT's interpreter
  (``ai-edge-litert``) and returns float probabilities.

:func:`call_in_subprocess` proves a SavedModel needs none of this book's code:
it runs :data:`CLIENT_SCRIPT`, which imports only TensorFlow and NumPy, in a
separate Python process.

The names of :mod:`cnnlib.deployable` and :mod:`cnnlib.litert` are importable
from here as well (``cnnlib.export.float32_copy``, ``cnnlib.export.LiteRTModel``).

Command line::

    python -m cnnlib.export MODEL.keras models/digits                 # -> models/digits/1/
    python -m cnnlib.export MODEL.keras digits.tflite --format tflite
    python -m cnnlib.export MODEL.keras digits_int8.tflite --format tflite-int8
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from ._checks import int_in
from .deployable import (  # noqa: F401  (re-exported: cnnlib.export.float32_copy, ...)
    INPUT_NAME, ExportError, PathLike, _check_logits_model, _fresh_target, bfloat16_runs,
    deployable_model, float32_copy)
from .litert import (  # noqa: F401  (re-exported: cnnlib.export.LiteRTModel, ...)
    REPRESENTATIVE_COUNT, LiteRTModel, _interpreter_class, export_tflite,
    representative_digits, tflite_bytes)
from .models import as_digit_batch

import tensorflow as tf  # noqa: E402  (imported quietly by cnnlib/__init__)
import keras  # noqa: E402

SIGNATURE = "serving_default"
FORMATS = ("saved_model", "tflite", "tflite-int8")

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


def _serving_function(deploy: keras.Model):
    @tf.function(input_signature=[tf.TensorSpec([None, 28, 28], tf.float32, name=INPUT_NAME)])
    def serve(digits):
        probs = deploy(digits, training=False)
        return {"probabilities": probs, "digit": tf.argmax(probs, axis=1, output_type=tf.int32)}
    return serve


# --------------------------------------------------------------------------- SavedModel


def export_saved_model(model: keras.Model, path: PathLike, overwrite: bool = False) -> Path:
    """Write the deployable model as a SavedModel with the ``serving_default`` signature.

    Args:
        model: a trained Keras model (raw digits -> logits, any precision).
        path: the folder to create.
        overwrite: replace an existing folder (default: refuse, naming it).

    Returns:
        The folder's path. Its signature takes ``digits`` float32
        ``(N, 28, 28)`` 0..255 and returns ``probabilities`` ``(N, 10)`` and
        ``digit`` int32 ``(N,)``.
    """
    target = _fresh_target(path, overwrite, folder=True)
    deploy = deployable_model(model)
    archive = keras.export.ExportArchive()
    archive.track(deploy)
    archive.add_endpoint(name="serve", fn=_serving_function(deploy))
    with tempfile.TemporaryDirectory(prefix=".export-", dir=target.parent
                                     if target.parent.exists() else None) as tmp:
        staged = Path(tmp) / "saved_model"
        try:
            archive.write_out(str(staged), verbose=False)
            if target.exists():
                shutil.rmtree(target)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(staged), str(target))
        except OSError as err:
            raise ExportError(f"cannot write the SavedModel to {target}: "
                              f"{err.strerror or err}") from err
    return target


def export_for_serving(model: keras.Model, base: PathLike,
                       version: Optional[int] = None) -> Path:
    """Write a SavedModel in TensorFlow Serving's layout: ``BASE/VERSION/``.

    TF Serving watches ``--model_base_path`` (``BASE``, e.g. ``models/digits``)
    and serves the highest numbered version folder in it.

    Args:
        model: a trained Keras model.
        base: the model's folder; created if missing.
        version: the version number (>= 1); default: one more than the highest
            version already there (1 in an empty folder). An existing version is
            never replaced.

    Returns:
        The version folder, e.g. ``models/digits/1``.
    """
    root = Path(base)
    if root.exists() and not root.is_dir():
        raise ExportError(f"{root} exists and is not a folder")
    have = [int(p.name) for p in root.iterdir() if p.name.isdigit()] if root.exists() else []
    if version is None:
        version = max(have, default=0) + 1
    version = int_in(version, "version", 1)
    return export_saved_model(model, root / str(version))


def load_signature(path: PathLike):
    """The ``serving_default`` function of a SavedModel folder.

    Call it as ``fn(digits=tf.constant(x))`` with ``x`` float32 ``(N, 28, 28)``;
    it returns ``{"probabilities": (N, 10), "digit": (N,)}``.
    """
    folder = Path(path)
    if not (folder / "saved_model.pb").exists():
        raise ExportError(f"{folder}: not a SavedModel folder (no saved_model.pb)")
    loaded = tf.saved_model.load(str(folder))
    if SIGNATURE not in loaded.signatures:
        raise ExportError(f"{folder}: has no {SIGNATURE!r} signature, "
                          f"only {list(loaded.signatures)}")
    return loaded.signatures[SIGNATURE]


def describe_signature(path: PathLike) -> list[str]:
    """Lines naming the serving signature's inputs and outputs, with dtypes and shapes."""
    fn = load_signature(path)

    def fmt(spec) -> str:
        dims = ", ".join("N" if d is None else str(d) for d in spec.shape)
        return f"{spec.dtype.name} ({dims})"

    _, inputs = fn.structured_input_signature
    lines = [f"input  {k}: {fmt(v)}" for k, v in sorted(inputs.items())]
    lines += [f"output {k}: {fmt(v)}" for k, v in sorted(fn.structured_outputs.items())]
    return lines


def call_in_subprocess(path: PathLike, digits: np.ndarray, timeout: float = 180.0) -> dict:
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
            raise ExportError(f"the process calling {path} did not finish "
                              f"in {timeout:g} s") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["(no message)"])[-1]
        raise ExportError(f"the process calling {path} failed (exit {done.returncode}): {last}")
    try:
        return json.loads(done.stdout.strip().splitlines()[-1])
    except (json.JSONDecodeError, IndexError):
        raise ExportError(f"the process calling {path} printed no JSON: "
                          f"{done.stdout[-200:]!r}") from None


# --------------------------------------------------------------------------- command line


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m cnnlib.export",
        description="Export a .keras digit model (any training precision) as a float32 "
                    "SavedModel in TF Serving's layout OUT/VERSION/, or a LiteRT file.")
    p.add_argument("model", help="a .keras model file (loaded with safe_mode=True)")
    p.add_argument("out", help="saved_model: the model's base folder (e.g. models/digits; "
                               "the SavedModel goes to OUT/1/); tflite: the .tflite file")
    p.add_argument("--format", choices=FORMATS, default="saved_model")
    p.add_argument("--version", type=int, default=None,
                   help="saved_model: version number (default: next free)")
    p.add_argument("--data", choices=("auto", "mnist", "sample"), default="auto",
                   help="tflite-int8: where the representative training digits come from")
    p.add_argument("--representative", type=int, default=REPRESENTATIVE_COUNT,
                   help="tflite-int8: how many training digits calibrate the quantization")
    p.add_argument("--overwrite", action="store_true", help="replace an existing .tflite file")
    args = p.parse_args(argv)
    from .predict import ModelLoadError, load_model
    try:
        model = load_model(args.model)
        if args.format == "saved_model":
            folder = export_for_serving(model, args.out, args.version)
            for line in describe_signature(folder):
                print(line)
            print(f"Exported {args.model} to {folder} (TF Serving: --model_base_path="
                  f"{Path(args.out).resolve()})")
            return 0
        reps = None
        if args.format == "tflite-int8":
            from .data import load_mnist
            mnist = load_mnist(args.data, verbose=False)
            reps = representative_digits(mnist.x_train, args.representative)
        path = export_tflite(model, args.out, reps, overwrite=args.overwrite)
    except (ModelLoadError, ExportError, ValueError, TypeError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    kind = "full-integer int8" if reps is not None else "float32"
    print(f"Exported {args.model} to {path}: LiteRT {kind}, {path.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
