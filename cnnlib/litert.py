"""LiteRT (TF Lite): convert the deployable model to a ``.tflite`` file, and run one.

* :func:`export_tflite` (:func:`tflite_bytes`): a LiteRT flatbuffer of
  :func:`cnnlib.deployable.deployable_model`, float32 or **full-integer int8**
  (post-training quantization calibrated on :func:`representative_digits` from
  the *training* set). The int8 model takes the raw pixels as ``uint8``
  (0..255, exactly a digit's bytes) and answers quantized probabilities.
* :class:`LiteRTModel` runs either with LiteRT's interpreter
  (``ai-edge-litert``) and returns float probabilities.

Everything here is re-exported by :mod:`cnnlib.export`, whose command line
writes these files (``--format tflite`` or ``tflite-int8``).
"""
from __future__ import annotations

import tempfile
import warnings
from pathlib import Path
from typing import Optional

import numpy as np

from ._checks import int_in
from .deployable import INPUT_NAME, ExportError, PathLike, _fresh_target, deployable_model
from .models import as_digit_batch

import tensorflow as tf  # noqa: E402  (imported quietly by cnnlib/__init__)
import keras  # noqa: E402

#: How many training digits calibrate the int8 quantization by default.
REPRESENTATIVE_COUNT = 500


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
                     input_signature=[tf.TensorSpec([None, 28, 28], tf.float32, name=INPUT_NAME)],
                     autograph=False)  # a plain call: nothing for AutoGraph to convert
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
