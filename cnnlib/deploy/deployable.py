"""The deployable model: a trained digit model in float32, raw digits in, probabilities
out.

A model trained by :func:`cnnlib.training.train` may compute in ``mixed_bfloat16`` (on
CPUs with bfloat16 support) and gives **logits**. The runtimes a model is
deployed to want something else: TF Lite/LiteRT cannot convert bfloat16 ops
(``tf.BiasAdd`` on bf16 tensors is not supported), TensorFlow.js computes in
float32, and a client wants probabilities. :func:`deployable_model` makes that
model once, and every export (:mod:`.saved_model`, :mod:`.litert`, :mod:`.web`)
starts from it:

    raw digits float32 (N, 28, 28), pixels 0..255  ->  probabilities float32 (N, 10)

It is the trained network rebuilt layer by layer in float32 with the *same
weights* (the variables of a mixed-precision model are float32 already), with
a softmax on top (:func:`cnnlib.models.float32_copy`).
"""

from __future__ import annotations

import contextlib
import inspect
import io
from pathlib import Path
from typing import Callable

from ..core import errors, files
from ..core.tf import keras
from ..models import networks

INPUT_NAME = "digits"


class ExportError(errors.CnnlibError, RuntimeError):
    """Exporting or calling an exported model failed; the message says where and why."""


def check_logits_model(model) -> None:
    """Refuse (``TypeError``/:class:`ExportError`) anything but a raw-digits -> logits
    model."""
    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a keras.Model, got {type(model).__name__}")
    shape = model.output_shape
    if isinstance(shape, list) or tuple(shape)[-1:] != (10,) or len(shape) != 2:
        raise ExportError(f"the model outputs {shape}; expected (None, 10) logits")
    in_shape = (
        tuple(model.input_shape) if not isinstance(model.input_shape, list) else None
    )
    if in_shape not in ((None, 28, 28, 1), (None, 28, 28)):
        raise ExportError(
            f"the model takes inputs of shape {model.input_shape}; expected "
            "raw digits (None, 28, 28, 1) or (None, 28, 28)"
        )


def deployable_model(model: keras.Model) -> keras.Model:
    """The model every export starts from: float32 compute, raw digits in, probabilities
    out.

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
    check_logits_model(model)
    core = networks.float32_copy(model)
    digits = keras.Input((28, 28), dtype="float32", name=INPUT_NAME)
    x = digits
    if len(core.input_shape) == 4:
        x = keras.layers.Reshape((28, 28, 1), name="add_channel", dtype="float32")(x)
    probs = keras.layers.Softmax(name="probabilities", dtype="float32")(core(x))
    return keras.Model(digits, probs, name="digits")


def write_archive(write: Callable[..., object], path: files.PathLike) -> None:
    """Call ``write(str(path))`` (``ExportArchive.write_out``, ``Model.export``)
    without Keras' "Saved artifact at ..." banner, on any Keras 3.

    Keras 3.6+ take ``verbose`` (passed as ``False`` where ``write`` names it), yet
    3.6-3.8 print the banner even then; 3.0-3.5 have no ``verbose`` (a
    ``TypeError`` if passed) and always print it. So ``verbose`` is passed only
    where ``write``'s signature has it, and ``sys.stdout`` is captured (and
    dropped) around the call either way. Errors propagate unchanged.
    """
    try:
        params = inspect.signature(write).parameters
    except (TypeError, ValueError):  # a builtin without a signature
        params = {}
    kwargs = {"verbose": False} if "verbose" in params else {}
    with contextlib.redirect_stdout(io.StringIO()):
        write(str(path), **kwargs)


def fresh_target(
    path: files.PathLike, overwrite: bool, folder: bool, flag: str = "overwrite=True"
) -> Path:
    """``path`` as a ``Path`` that may be written: refused if it exists (unless
    ``overwrite``) or is the wrong kind (a folder for a file, or the reverse).
    ``flag`` is how the message names the way to replace it."""
    target = Path(path)
    if target.exists():
        if not overwrite:
            raise ExportError(f"{target} already exists; pass {flag} to replace it")
        if folder and not target.is_dir():
            raise ExportError(f"{target} exists and is not a folder")
        if not folder and target.is_dir():
            raise ExportError(
                f"{target} is a folder; expected a file name like digits.tflite"
            )
    return target
