"""LiteRT (TF Lite): convert the deployable model to a ``.tflite`` file, and run one.

* :func:`export_tflite` (:func:`tflite_bytes`): a LiteRT flatbuffer of
  :func:`cnnlib.deploy.deployable_model`, float32 or **full-integer int8**
  (post-training quantization calibrated on digits from the *training* set,
  :func:`cnnlib.deploy.representative_digits`). The int8 model takes the raw pixels
  as ``uint8`` (0..255, exactly a digit's bytes) and answers quantized probabilities.
* :class:`LiteRTModel` runs either with LiteRT's interpreter
  (``ai-edge-litert``) and returns float probabilities.

The file's one signature is ``serving_default``: input ``digits`` ``(N, 28, 28)``,
output ``probabilities`` ``(N, 10)`` (``interpreter.get_signature_runner()``).

What it is (labels, input and output, training, versions) is in a **sidecar card**
:func:`cnnlib.deploy.card_path`, ``NAME.card.json`` beside ``NAME.tflite``
(:func:`cnnlib.deploy.model_card`). It is a sidecar, not the flatbuffer's own
metadata: writing that needs the separate ``tflite-support`` package, which cnnlib
does not depend on. Copy both files together.

``cnnlib export --format tflite`` (or ``tflite-int8``) writes these files.
"""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path
from typing import Mapping, Optional

import numpy as np

from ..core import checks, files, quiet
from ..core.tf import keras, tf
from ..models import inputs
from . import deployable
from .saved_model import SIGNATURE  # "serving_default", as in a SavedModel


def tflite_bytes(
    model: keras.Model, representative: Optional[np.ndarray] = None
) -> bytes:
    """Convert the deployable model to a LiteRT flatbuffer.

    Args:
        model: a trained Keras model (any precision).
        representative: ``None`` for a float32 model; training digits
            ``(K, 28, 28)`` 0..255 for full-integer int8 (every op int8; input
            uint8 raw pixels, output uint8 probabilities).

    Returns:
        The ``.tflite`` file's bytes.
    """
    deploy = deployable.deployable_model(model)
    fn = tf.function(  # a named output: the signature's "probabilities"
        lambda digits: {deployable.OUTPUT_NAME: deploy(digits, training=False)},
        input_signature=[
            tf.TensorSpec([None, 28, 28], tf.float32, name=deployable.INPUT_NAME)
        ],
        autograph=False,
    )  # a plain call: nothing for AutoGraph to convert
    # Through a SavedModel: converting the traced function directly gave NaN for
    # models loaded from .keras files (their variables were not frozen).
    archive = keras.export.ExportArchive()
    archive.track(deploy)
    archive.add_endpoint(name=SIGNATURE, fn=fn)
    tmp = tempfile.TemporaryDirectory(prefix="cnnlib-tflite-")
    deployable.write_archive(archive.write_out, tmp.name)
    converter = tf.lite.TFLiteConverter.from_saved_model(tmp.name, [SIGNATURE])
    if representative is not None:
        reps = inputs.as_digit_batch(representative, "representative")[..., 0]

        def calibration():
            for digit in reps:
                yield [digit[np.newaxis]]

        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = calibration
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter.inference_input_type = tf.uint8
        converter.inference_output_type = tf.uint8
    try:
        with (
            warnings.catch_warnings(),
            quiet.quiet_stderr(),
        ):  # the converter logs to fd 2
            warnings.simplefilter(
                "ignore", UserWarning
            )  # "Statistics for quantized inputs"
            return converter.convert()
    except Exception as err:  # noqa: BLE001  (the converter raises many kinds)
        first = (
            str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        )
        raise deployable.ExportError(f"LiteRT conversion failed: {first}") from None
    finally:
        tmp.cleanup()


def export_tflite(
    model: keras.Model,
    path: files.PathLike,
    representative: Optional[np.ndarray] = None,
    overwrite: bool = False,
    flag: str = "overwrite=True",
    trained: Optional[Mapping] = None,
    source: Optional[files.PathLike] = None,
    calibration: Optional[Mapping] = None,
) -> Path:
    """Write :func:`tflite_bytes` to ``path`` (float32, or int8 given
    ``representative``), and its card to :func:`~cnnlib.deploy.card_path` beside it.

    The folder must exist; each file appears whole or not at all. ``flag`` is how
    a refusal names the way to replace an existing file. ``trained`` and
    ``source``: what the card says of the training and the model file
    (:func:`cnnlib.deploy.model_card`). An int8 card records its calibration:
    how many digits (``len(representative)``), and what ``calibration`` adds
    (:func:`cnnlib.deploy.calibration_facts`: which data, seed).

    Raises:
        ExportError: ``path`` or its card exists (without ``overwrite``), its
            folder is missing, or it cannot be written.
    """
    target = deployable.fresh_target(path, overwrite, folder=False, flag=flag)
    card_file = deployable.fresh_target(
        deployable.card_path(target), overwrite, folder=False, flag=flag
    )
    if not target.parent.is_dir():
        raise deployable.ExportError(
            f"cannot write {target}: folder {str(target.parent)!r} does not exist"
        )
    data = tflite_bytes(model, representative)
    kind = "uint8" if representative is not None else "float32"
    calibrated = None
    if representative is not None:  # the count is the digits it was given
        count = len(representative)
        calibrated = {
            **deployable.calibration_facts(count),
            **(calibration or {}),
            "digits": count,
        }
    card = deployable.model_card(trained, kind, kind, source, calibrated)
    try:  # the card is ready before the model is renamed into place
        with files.atomic_write(card_file) as card_tmp:
            card_tmp.write_text(deployable.card_text(card), encoding="utf-8")
            with files.atomic_write(target) as tmp:
                tmp.write_bytes(data)
    except OSError as err:
        raise deployable.ExportError(
            f"cannot write {target}: {err.strerror or err}"
        ) from err
    return target


def interpreter_class():
    """LiteRT's ``Interpreter`` (``ai-edge-litert``, a dependency of cnnlib where it has
    wheels); else TensorFlow's deprecated ``tf.lite.Interpreter``, the same runtime."""
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:  # pragma: no cover  (platforms without ai-edge-litert wheels)
        Interpreter = getattr(tf.lite, "Interpreter", None)
        if Interpreter is None:
            raise ImportError(
                "LiteRT's interpreter is not installed: pip install ai-edge-litert"
            ) from None
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

    def __init__(self, path: files.PathLike, threads: int = 1):
        self.path = Path(path)
        if not self.path.is_file():
            raise deployable.ExportError(f"{self.path}: no such .tflite file")
        try:
            self.interpreter = interpreter_class()(
                model_path=str(self.path),
                num_threads=checks.int_in(threads, "threads", 1),
            )
        except ValueError as err:
            raise deployable.ExportError(
                f"{self.path}: not a LiteRT model ({err})"
            ) from None
        self._in = self.interpreter.get_input_details()[0]
        self._out = self.interpreter.get_output_details()[0]
        self._batch = 0

    @property
    def input_dtype(self) -> np.dtype:
        """What the file takes: ``float32`` (float model) or ``uint8``/``int8`` (int8
        model)."""
        return np.dtype(self._in["dtype"])

    def probabilities(self, digits: np.ndarray) -> np.ndarray:
        """Probabilities float32 ``(N, 10)`` of raw digits ``(N, 28, 28)`` 0..255."""
        x = inputs.as_digit_batch(digits)[..., 0]
        if self.input_dtype != np.float32:
            scale, zero = self._in["quantization"]
            info = np.iinfo(self.input_dtype)
            x = np.clip(np.round(x / scale + zero), info.min, info.max).astype(
                self.input_dtype
            )
        if len(x) == self._batch:
            self.interpreter.set_tensor(self._in["index"], x)
            self.interpreter.invoke()
        else:  # a new batch size: allocate; the first call logs an XNNPACK INFO line
            self.interpreter.resize_tensor_input(self._in["index"], [len(x), 28, 28])
            with quiet.quiet_stderr():
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
