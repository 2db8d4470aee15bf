"""Make the deployable model from a trained one, and export it for every runtime.

A model trained by :mod:`cnnlib.train` may compute in ``mixed_bfloat16`` (on
CPUs with bfloat16 support) and gives **logits**. The runtimes a model is
deployed to want something else: TF Lite/LiteRT cannot convert bfloat16 ops
(``tf.BiasAdd`` on bf16 tensors is not supported), TensorFlow.js computes in
float32, and a client wants probabilities. :func:`deployable_model` makes that
model once, and every export starts from it:

    raw digits float32 (N, 28, 28), pixels 0..255  ->  probabilities float32 (N, 10)

It is the trained network rebuilt layer by layer in float32 with the *same
weights* (the variables of a mixed-precision model are float32 already), with
a softmax on top.

Exports:

* :func:`export_saved_model`: a SavedModel folder with a **serving signature**
  ``serving_default``::

      inputs:  digits         float32 (N, 28, 28), raw pixels 0..255 (MNIST style)
      outputs: probabilities  float32 (N, 10)
               digit          int32   (N,)

* :func:`export_for_serving`: the same SavedModel in TensorFlow Serving's
  versioned layout ``BASE/1/``, ``BASE/2/`` ... (e.g. ``models/digits/1/``).
* :func:`export_tflite`: a LiteRT (TF Lite) flatbuffer, float32 or
  **full-integer int8** (post-training quantization calibrated on
  representative digits from the *training* set). The int8 model takes the raw
  pixels as ``uint8`` (0..255, exactly a digit's bytes) and answers quantized
  probabilities; :class:`LiteRTModel` runs either with LiteRT's interpreter
  (``ai-edge-litert``) and returns float probabilities.

:func:`call_in_subprocess` proves a SavedModel needs none of this book's code:
it runs :data:`CLIENT_SCRIPT`, which imports only TensorFlow and NumPy, in a
separate Python process.

Command line::

    python -m cnnlib.export MODEL.keras models/digits                 # -> models/digits/1/
    python -m cnnlib.export MODEL.keras digits.tflite --format tflite
    python -m cnnlib.export MODEL.keras digits_int8.tflite --format tflite-int8
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Optional, Sequence, Union

import numpy as np

from ._checks import int_in
from .models import as_digit_batch

import tensorflow as tf  # noqa: E402  (imported quietly by cnnlib/__init__)
import keras  # noqa: E402

SIGNATURE = "serving_default"
INPUT_NAME = "digits"
FORMATS = ("saved_model", "tflite", "tflite-int8")
#: How many training digits calibrate the int8 quantization by default.
REPRESENTATIVE_COUNT = 500

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

PathLike = Union[str, os.PathLike]


class ExportError(RuntimeError):
    """Exporting or calling an exported model failed; the message says where and why."""


# --------------------------------------------------------------------------- the model


def _check_logits_model(model) -> None:
    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a keras.Model, got {type(model).__name__}")
    shape = model.output_shape
    if isinstance(shape, list) or tuple(shape)[-1:] != (10,) or len(shape) != 2:
        raise ExportError(f"the model outputs {shape}; expected (None, 10) logits")
    in_shape = tuple(model.input_shape) if not isinstance(model.input_shape, list) else None
    if in_shape not in ((None, 28, 28, 1), (None, 28, 28)):
        raise ExportError(f"the model takes inputs of shape {model.input_shape}; expected "
                          "raw digits (None, 28, 28, 1) or (None, 28, 28)")


def bfloat16_runs() -> bool:
    """Whether TensorFlow can run a bfloat16 convolution on this machine.

    A ``mixed_bfloat16`` model can be *exported* anywhere (its float32 copy
    never computes in bfloat16), but *running* it needs bfloat16 kernels:
    oneDNN has them on CPUs with AVX512-BF16 or AMX, not on AVX2-only CPUs (or
    under ``ONEDNN_MAX_CPU_ISA=AVX2``), where the call fails.
    """
    try:
        x = tf.zeros((1, 4, 4, 1), tf.bfloat16)
        tf.nn.conv2d(x, tf.zeros((3, 3, 1, 1), tf.bfloat16), 1, "SAME").numpy()
    except Exception:  # noqa: BLE001  (AbortedError, NotFoundError, InvalidArgumentError)
        return False
    return True


def float32_copy(model: keras.Model, keep_optimizer: bool = False) -> keras.Model:
    """The same network with every layer computing in float32, sharing no state.

    A ``mixed_bfloat16`` model keeps float32 variables and computes in
    bfloat16; the copy has the same architecture and a copy of the same
    weights, with the ``float32`` dtype policy in every layer. A float32 model
    is copied as it is.

    Args:
        model: a Keras model, raw digits ``(N, 28, 28, 1)`` -> logits ``(N, 10)``.
        keep_optimizer: also compile the copy with the same loss and a copy of the
            model's optimizer and its state (step count, moments), so a saved copy
            records how far training went.

    Returns:
        A new ``keras.Model`` with the same input and output shapes.
    """
    _check_logits_model(model)

    def as_float32(layer):
        config = layer.get_config()
        config["dtype"] = "float32"
        return layer.__class__.from_config(config)

    copy = keras.models.clone_model(model, clone_function=as_float32)
    copy.set_weights([np.asarray(w, np.float32) for w in model.get_weights()])
    optimizer = getattr(model, "optimizer", None)
    if keep_optimizer and optimizer is not None and optimizer.built:
        twin = optimizer.__class__.from_config(optimizer.get_config())
        copy.compile(optimizer=twin, loss=model.loss)
        twin.build(copy.trainable_variables)
        if len(twin.variables) != len(optimizer.variables):
            raise ValueError(f"cannot copy the optimizer of {model.name!r}: its copy has "
                             f"{len(twin.variables)} variables, the original "
                             f"{len(optimizer.variables)}")
        for mine, theirs in zip(twin.variables, optimizer.variables):
            mine.assign(theirs)
    return copy


def deployable_model(model: keras.Model) -> keras.Model:
    """The model every export starts from: float32 compute, raw digits in, probabilities out.

    Args:
        model: a trained Keras model (any precision policy), raw digits
            ``(N, 28, 28, 1)`` 0..255 -> logits ``(N, 10)``, as
            :func:`cnnlib.models.build_model` and :func:`cnnlib.train.train` make.

    Returns:
        ``keras.Model`` named ``"digits"``: input ``digits`` float32
        ``(N, 28, 28)``, pixels 0..255 -> output ``probabilities`` float32
        ``(N, 10)``. All its layers compute in float32. TensorFlow.js,
        LiteRT and SavedModel exports are made from it.
    """
    core = float32_copy(model)
    digits = keras.Input((28, 28), dtype="float32", name=INPUT_NAME)
    x = digits
    if len(core.input_shape) == 4:
        x = keras.layers.Reshape((28, 28, 1), name="add_channel", dtype="float32")(x)
    probs = keras.layers.Softmax(name="probabilities", dtype="float32")(core(x))
    return keras.Model(digits, probs, name="digits")


def _serving_function(deploy: keras.Model):
    @tf.function(input_signature=[tf.TensorSpec([None, 28, 28], tf.float32, name=INPUT_NAME)])
    def serve(digits):
        probs = deploy(digits, training=False)
        return {"probabilities": probs, "digit": tf.argmax(probs, axis=1, output_type=tf.int32)}
    return serve


def _fresh_target(path: PathLike, overwrite: bool, folder: bool) -> Path:
    target = Path(path)
    if target.exists():
        if not overwrite:
            raise ExportError(f"{target} already exists; pass overwrite=True to replace it")
        if folder and not target.is_dir():
            raise ExportError(f"{target} exists and is not a folder")
        if not folder and target.is_dir():
            raise ExportError(f"{target} is a folder; expected a file name like digits.tflite")
    return target


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


# --------------------------------------------------------------------------- LiteRT


def representative_digits(x_train: np.ndarray, count: int = REPRESENTATIVE_COUNT,
                          seed: int = 0) -> np.ndarray:
    """``count`` training digits drawn without replacement by ``seed``: float32 ``(count, 28, 28)``.

    Int8 quantization measures the range of every tensor on these; they must
    come from the training digits, never from the test digits it is scored on.
    """
    batch = as_digit_batch(x_train)[..., 0]
    count = int_in(count, "count", 1, len(batch))
    pick = np.random.default_rng(seed).choice(len(batch), count, replace=False)
    return batch[np.sort(pick)]


def tflite_bytes(model: keras.Model, representative: Optional[np.ndarray] = None) -> bytes:
    """Convert the deployable model to a LiteRT flatbuffer.

    Args:
        model: a trained Keras model (any precision).
        representative: ``None`` for a float32 model; training digits
            ``(K, 28, 28)`` 0..255 for full-integer int8 (every op int8; input
            uint8 raw pixels, output uint8 probabilities).

    Returns:
        The ``.tflite`` file's bytes.
    """
    deploy = deployable_model(model)
    fn = tf.function(lambda digits: deploy(digits, training=False),
                     input_signature=[tf.TensorSpec([None, 28, 28], tf.float32, name=INPUT_NAME)])
    # Through a SavedModel: converting the traced function directly gave NaN for
    # models loaded from .keras files (their variables were not frozen).
    archive = keras.export.ExportArchive()
    archive.track(deploy)
    archive.add_endpoint(name="serve", fn=fn)
    tmp = tempfile.TemporaryDirectory(prefix="cnnlib-tflite-")
    archive.write_out(tmp.name, verbose=False)
    converter = tf.lite.TFLiteConverter.from_saved_model(tmp.name, ["serve"])
    if representative is not None:
        reps = as_digit_batch(representative)[..., 0]

        def calibration():
            for digit in reps:
                yield [digit[np.newaxis]]

        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = calibration
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter.inference_input_type = tf.uint8
        converter.inference_output_type = tf.uint8
    try:
        from . import quiet_stderr  # the converter's C++ log lines go to fd 2

        with warnings.catch_warnings(), quiet_stderr():
            warnings.simplefilter("ignore", UserWarning)  # "Statistics for quantized inputs"
            return converter.convert()
    except Exception as err:  # noqa: BLE001  (the converter raises many kinds)
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise ExportError(f"LiteRT conversion failed: {first}") from None
    finally:
        tmp.cleanup()


def export_tflite(model: keras.Model, path: PathLike,
                  representative: Optional[np.ndarray] = None,
                  overwrite: bool = False) -> Path:
    """Write :func:`tflite_bytes` to ``path`` (float32, or int8 given ``representative``)."""
    target = _fresh_target(path, overwrite, folder=False)
    data = tflite_bytes(model, representative)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    except OSError as err:
        raise ExportError(f"cannot write {target}: {err.strerror or err}") from err
    return target


def _interpreter_class():
    """LiteRT's ``Interpreter`` (``ai-edge-litert``, a dependency of cnnlib where it has
    wheels); else TensorFlow's deprecated ``tf.lite.Interpreter``, the same runtime."""
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:  # pragma: no cover  (platforms without ai-edge-litert wheels)
        Interpreter = getattr(tf.lite, "Interpreter", None)
        if Interpreter is None:
            raise ImportError("LiteRT's interpreter is not installed: "
                              "pip install ai-edge-litert") from None
    return Interpreter


class LiteRTModel:
    """A ``.tflite`` digit model run with LiteRT's interpreter (``ai-edge-litert``).

    Handles both kinds :func:`export_tflite` writes: float32 input/output, or
    quantized uint8/int8 input/output (it quantizes the pixels and dequantizes
    the probabilities with the file's own scale and zero point).

    Args:
        path: a ``.tflite`` file.
        threads: CPU threads for the interpreter.
    """

    def __init__(self, path: PathLike, threads: int = 1):
        self.path = Path(path)
        if not self.path.is_file():
            raise ExportError(f"{self.path}: no such .tflite file")
        try:
            self.interpreter = _interpreter_class()(model_path=str(self.path),
                                                    num_threads=int_in(threads, "threads", 1))
        except ValueError as err:
            raise ExportError(f"{self.path}: not a LiteRT model ({err})") from None
        self._in = self.interpreter.get_input_details()[0]
        self._out = self.interpreter.get_output_details()[0]
        self._batch = 0

    @property
    def input_dtype(self) -> np.dtype:
        """What the file takes: ``float32`` (float model) or ``uint8``/``int8`` (int8 model)."""
        return np.dtype(self._in["dtype"])

    def probabilities(self, digits: np.ndarray) -> np.ndarray:
        """Probabilities float32 ``(N, 10)`` of raw digits ``(N, 28, 28)`` 0..255."""
        x = as_digit_batch(digits)[..., 0]
        if self.input_dtype != np.float32:
            scale, zero = self._in["quantization"]
            info = np.iinfo(self.input_dtype)
            x = np.clip(np.round(x / scale + zero), info.min, info.max).astype(self.input_dtype)
        if len(x) == self._batch:
            self.interpreter.set_tensor(self._in["index"], x)
            self.interpreter.invoke()
        else:  # a new batch size: allocate; the first call logs an XNNPACK INFO line
            from . import quiet_stderr

            self.interpreter.resize_tensor_input(self._in["index"], [len(x), 28, 28])
            with quiet_stderr():
                self.interpreter.allocate_tensors()
                self.interpreter.set_tensor(self._in["index"], x)
                self.interpreter.invoke()
            self._batch = len(x)
        out = self.interpreter.get_tensor(self._out["index"])
        if out.dtype != np.float32:
            scale, zero = self._out["quantization"]
            out = (out.astype(np.float32) - zero) * scale
        return out.astype(np.float32)

    def predict(self, digits: np.ndarray) -> np.ndarray:
        """The predicted digit ``(N,)`` of raw digits ``(N, 28, 28)``."""
        return self.probabilities(digits).argmax(1)


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
