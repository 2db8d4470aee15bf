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

Every export also carries a **card** (:func:`model_card`, as JSON by
:func:`card_text`): the labels, what the model takes and gives, what is known of
its training, and the versions that made it.
"""

from __future__ import annotations

import contextlib
import inspect
import io
import json
import typing
from pathlib import Path
from typing import Callable, Mapping, Optional

from ..core import errors, files

# TensorFlow loads only where a model is made or checked, so that reading a card
# (read_card: cnnlib predict --about) answers at once.
if typing.TYPE_CHECKING:
    from ..core.tf import keras

INPUT_NAME = "digits"
OUTPUT_NAME = "probabilities"
#: The class labels, in the order of the probabilities.
LABELS = tuple(str(d) for d in range(10))
#: The training facts a card always lists; ``None`` (JSON ``null``) where unknown.
TRAINING_KEYS = (
    "data",
    "recipe",
    "arch",
    "seed",
    "validation_accuracy",
    "test_accuracy",
)
#: In a SavedModel folder: the labels, one a line, and the card.
LABELS_FILE = "assets/labels.txt"
CARD_FILE = "assets/card.json"


class ExportError(errors.CnnlibError, RuntimeError):
    """Exporting or calling an exported model failed; the message says where and why."""


def check_logits_model(model) -> None:
    """Refuse (``TypeError``/:class:`ExportError`) anything but a raw-digits -> logits
    model."""
    from ..core.tf import keras

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
    from ..core.tf import keras
    from ..models import networks

    check_logits_model(model)
    core = networks.float32_copy(model)
    digits = keras.Input((28, 28), dtype="float32", name=INPUT_NAME)
    x = digits
    if len(core.input_shape) == 4:
        x = keras.layers.Reshape((28, 28, 1), name="add_channel", dtype="float32")(x)
    probs = keras.layers.Softmax(name="probabilities", dtype="float32")(core(x))
    return keras.Model(digits, probs, name="digits")


def model_card(
    trained: Optional[Mapping] = None,
    input_dtype: str = "float32",
    output_dtype: str = "float32",
    source: Optional[files.PathLike] = None,
    calibration: Optional[Mapping] = None,
) -> dict:
    """The card an export carries: labels, input and output, training, versions
    (and, for an int8 model, its calibration).

    Args:
        trained: what is known of the training (e.g.
            :func:`cnnlib.models.files.saved_facts` of the ``.keras`` file): the
            :data:`TRAINING_KEYS` are listed, ``None`` where not given; other keys
            are kept.
        input_dtype: what the export takes: ``"float32"`` or ``"uint8"`` (int8
            LiteRT); either way the pixel values 0..255.
        output_dtype: ``"float32"``, or ``"uint8"`` (quantized probabilities).
        source: the model file it was exported from.
        calibration: for an int8 export, the digits that calibrated it, e.g.
            ``{"digits": 500, "data": ..., "data_source": "sample",
            "training_digits": 4500, "seed": 0}`` (:func:`calibration_facts`);
            kept as ``calibration``, which a float card does not have.

    Returns:
        A JSON-ready ``dict``.
    """
    from ..core.tf import keras, tf
    from ..core.version import package_version

    known = dict(trained or {})
    training = {key: known.pop(key, None) for key in TRAINING_KEYS}
    training.update(known)
    extra = {} if calibration is None else {"calibration": dict(calibration)}
    return {
        "task": "classify a handwritten digit (MNIST style)",
        "labels": list(LABELS),
        "input": {
            "name": INPUT_NAME,
            "dtype": input_dtype,
            "shape": [None, 28, 28],
            "values": "pixels 0..255, a white digit on black, 28x28, as in MNIST",
        },
        "output": {
            "name": OUTPUT_NAME,
            "dtype": output_dtype,
            "shape": [None, 10],
            "values": "the probability of each label, in the order of labels"
            + (
                ""
                if output_dtype == "float32"
                else "; quantized: p = (q - zero_point) * scale, from the file"
            ),
        },
        "training": training,
        "source": None if source is None else Path(source).name,
        "versions": {
            "cnnlib": package_version(),
            "tensorflow": tf.__version__,
            "keras": keras.__version__,
        },
        **extra,
    }


def calibration_facts(
    digits: int,
    data: Optional[str] = None,
    data_source: Optional[str] = None,
    training_digits: Optional[int] = None,
    seed: Optional[int] = None,
) -> dict:
    """What an int8 card says of its calibration: how many ``digits``, drawn with
    ``seed`` from the ``training_digits`` of ``data`` (its name; ``data_source``:
    ``"mnist"`` or ``"sample"``); ``None`` where unknown."""
    return {
        "digits": int(digits),
        "data": data,
        "data_source": data_source,
        "training_digits": None if training_digits is None else int(training_digits),
        "seed": seed,
        "drawn_from": "the training digits, never the test digits",
    }


def card_text(card: Mapping) -> str:
    """``card`` as the JSON text an export writes (indented, one final newline)."""
    return json.dumps(card, indent=2) + "\n"


def labels_text() -> str:
    """The labels file's text: one label a line, line ``i`` naming class ``i``."""
    return "".join(f"{label}\n" for label in LABELS)


def card_path(path: files.PathLike) -> Path:
    """Where the card of an export ``path`` is: ``PATH/assets/card.json`` for a
    SavedModel folder, ``NAME.card.json`` beside a file ``NAME.tflite``."""
    target = Path(path)
    return target / CARD_FILE if target.is_dir() else target.with_suffix(".card.json")


def read_card(path: files.PathLike) -> dict:
    """The card (:func:`card_path`) of a SavedModel folder or a ``.tflite`` file."""
    card = card_path(path)
    try:
        return json.loads(card.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ExportError(f"{card}: no readable model card ({err})") from None


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
