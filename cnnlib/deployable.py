"""The deployable model: a trained digit model in float32, raw digits in, probabilities out.

A model trained by :mod:`cnnlib.train` may compute in ``mixed_bfloat16`` (on
CPUs with bfloat16 support) and gives **logits**. The runtimes a model is
deployed to want something else: TF Lite/LiteRT cannot convert bfloat16 ops
(``tf.BiasAdd`` on bf16 tensors is not supported), TensorFlow.js computes in
float32, and a client wants probabilities. :func:`deployable_model` makes that
model once, and every export (:mod:`cnnlib.export`, :mod:`cnnlib.litert`,
:mod:`cnnlib.webmodel`) starts from it:

    raw digits float32 (N, 28, 28), pixels 0..255  ->  probabilities float32 (N, 10)

It is the trained network rebuilt layer by layer in float32 with the *same
weights* (the variables of a mixed-precision model are float32 already), with
a softmax on top. Everything here is re-exported by :mod:`cnnlib.export`.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Union

import numpy as np

import tensorflow as tf  # noqa: E402  (imported quietly by cnnlib/__init__)
import keras  # noqa: E402

INPUT_NAME = "digits"

PathLike = Union[str, os.PathLike]


class ExportError(RuntimeError):
    """Exporting or calling an exported model failed; the message says where and why."""


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
