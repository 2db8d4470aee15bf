"""Loading a ``.keras`` model file safely: :func:`load_model`, :class:`ModelLoadError`.

Models are loaded with Keras ``safe_mode=True``: a ``.keras`` file from
someone else cannot run arbitrary Python code (``Lambda`` layers holding
pickled code are refused).

:func:`saved_facts` reads what a ``.keras`` file says about itself: Keras'
own ``metadata.json`` (the Keras version that saved it, and when) and, where a
training run put one in (:func:`write_facts`, as :func:`cnnlib.training.train`
does), :data:`CARD_MEMBER` (data, recipe, seed, accuracy). Keras ignores that
member when it loads the file.

:func:`keras_card` says what a ``.keras`` file is in the shape of an export's
card (:func:`cnnlib.deploy.model_card`), and :func:`card_lines` prints any such
card one fact a line (``cnnlib predict --about``). Both read the archive as a
zip file, without TensorFlow, so ``--about`` answers at once; TensorFlow loads
only to load a model (:func:`load_model`, and :func:`keras_card` for a network
whose input and output its ``config.json`` does not spell out) or to stamp its
versions (:func:`write_facts`).
"""

from __future__ import annotations

import datetime
import json
import math
import typing
import zipfile
from pathlib import Path
from typing import Mapping, Optional

import numpy as np

from ..core import errors, files, version

if typing.TYPE_CHECKING:
    from ..core.tf import keras

#: The member of a ``.keras`` archive that holds what cnnlib knows of the model's
#: training, as a JSON object (e.g. ``{"data": ..., "seed": 0, "test_accuracy": ...}``).
CARD_MEMBER = "cnnlib.json"
#: What reading a damaged or vanished archive raises.
_NOT_READ = (OSError, zipfile.BadZipFile)


#: Why Keras safe mode refuses a file.
UNSAFE = (
    "refused by Keras safe mode: the file contains Python code (a Lambda layer) "
    "that would run when loaded."
)


class ModelLoadError(errors.CnnlibError, RuntimeError):
    """A model file could not be loaded; the message names it and says why."""


class UnsafeModelError(ModelLoadError):
    """Keras safe mode refused a model file: it holds Python code (a ``Lambda``
    layer) that would run when loaded. ``path`` is the file."""

    def __init__(self, path: files.PathLike) -> None:
        self.path = Path(path)
        super().__init__(
            f"{self.path}: {UNSAFE} Load it with safe_mode=False only "
            "if you trust whoever made it."
        )

    def cli_words(self) -> str:
        """Said for the ``cnnlib`` command, which has no way to turn safe mode off."""
        return (
            f"{self.path}: {UNSAFE} cnnlib commands never load such a file; save "
            "the model without Lambda layers"
        )


def load_model(path: files.PathLike, safe_mode: bool = True) -> keras.Model:
    """Load a ``.keras`` model, refusing unsafe code unless told otherwise.

    Args:
        path: a ``.keras`` file (as saved by ``model.save`` or ``cnnlib.train``).
        safe_mode: keep Keras' safe mode on (default): a file that needs to
            deserialize arbitrary Python code (a ``Lambda`` layer) is refused.
            Turn it off only for files you made yourself.

    Returns:
        The model.

    Raises:
        ModelLoadError: missing file, not a ``.keras`` archive, unsafe content
            (:class:`UnsafeModelError`), or any other loading failure; the
            message names the file.
    """
    from ..core.tf import keras

    p = keras_archive(path)
    try:
        model = keras.models.load_model(p, safe_mode=safe_mode, compile=False)
    except ValueError as err:
        text = str(err)
        if "safe_mode" in text or "unsafe" in text.lower():
            raise UnsafeModelError(p) from None
        raise ModelLoadError(
            f"{p}: cannot load the model ({text.splitlines()[0]})"
        ) from None
    except Exception as err:  # noqa: BLE001  (Keras raises many kinds; name the file)
        first = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise ModelLoadError(f"{p}: cannot load the model ({first})") from None
    shape = (
        tuple(model.output_shape) if not isinstance(model.output_shape, list) else None
    )
    if shape is None or shape[-1] != 10:
        raise ModelLoadError(
            f"{p}: the model outputs {model.output_shape}; expected (None, 10) logits"
        )
    return model


def keras_archive(path: files.PathLike) -> Path:
    """``path`` as a ``Path``, if it is a ``.keras`` zip archive (else
    :class:`ModelLoadError` naming it)."""
    p = Path(path)
    if not p.exists():
        raise ModelLoadError(f"{p}: no such model file")
    if p.is_dir():
        raise ModelLoadError(
            f"{p}: is a folder; expected a .keras file "
            "(a SavedModel folder is loaded with tf.saved_model.load)"
        )
    if p.suffix != ".keras" or not zipfile.is_zipfile(p):
        raise ModelLoadError(
            f"{p}: not a .keras model file (expected a .keras zip archive)"
        )
    return p


def saved_facts(path: files.PathLike) -> dict:
    """What the ``.keras`` file ``path`` says about itself, ``{}`` where nothing.

    Returns:
        ``keras_version_saved`` and ``date_saved`` from Keras' ``metadata.json``
        (where present), updated with the JSON object in :data:`CARD_MEMBER`
        (where a training run wrote one). A member that is not a JSON object
        is ignored: these facts describe a model, they never stop it loading.
    """
    facts: dict = {}
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            keras_meta = _json_member(archive, "metadata.json", names)
            cnnlib_meta = _json_member(archive, CARD_MEMBER, names)
    except _NOT_READ:
        return facts
    for key, name in (("keras_version_saved", "keras_version"), ("date_saved",) * 2):
        if isinstance(keras_meta.get(name), str):
            facts[key] = keras_meta[name]
    facts.update(cnnlib_meta)
    return facts


def write_facts(path: files.PathLike, facts: Mapping) -> None:
    """Add ``facts`` to the ``.keras`` archive ``path`` as :data:`CARD_MEMBER`, for
    :func:`saved_facts` to read back, with ``versions`` (cnnlib, TensorFlow,
    Keras) and ``date`` (now, UTC, ISO 8601) added.

    NumPy numbers are written as Python ones, NaN (an accuracy never measured) as
    ``null``. Write into a file nobody reads yet (the temporary file of an atomic
    save): the archive is appended to in place.

    Raises:
        TypeError: a value that is not JSON.
        ValueError: ``path`` already holds :data:`CARD_MEMBER`.
        OSError, zipfile.BadZipFile: ``path`` is not a writable zip archive.
    """
    from ..core.tf import keras, tf

    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    stamped = {
        **facts,
        "versions": {
            "cnnlib": version.package_version(),
            "tensorflow": tf.__version__,
            "keras": keras.__version__,
        },
        "date": now.isoformat(),
    }
    text = json.dumps(_json_ready(stamped), indent=1, allow_nan=False) + "\n"
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        if CARD_MEMBER in archive.namelist():
            raise ValueError(f"{path} already holds {CARD_MEMBER}")
        archive.writestr(CARD_MEMBER, text)


def _json_ready(value):
    if isinstance(value, Mapping):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_ready(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _json_member(archive: zipfile.ZipFile, name: str, names: set) -> dict:
    """The JSON object in member ``name``, ``{}`` if missing or not an object."""
    if name not in names:
        return {}
    try:
        doc = json.loads(archive.read(name).decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return {}
    return doc if isinstance(doc, dict) else {}


def keras_card(path: files.PathLike, load: bool = False) -> dict:
    """What the ``.keras`` file ``path`` is: labels, input, output (logits),
    ``training`` (:func:`saved_facts`) and ``source``, keyed like an export's card.

    The input and output are read from the archive's ``config.json`` where it
    spells them out (a functional model, one input layer, a ``Dense(10)`` on a
    flat tensor last: every network cnnlib builds), without TensorFlow;
    otherwise, or with ``load=True``, from the model loaded (:func:`load_model`).

    Raises:
        ModelLoadError: as :func:`load_model`.
    """
    p = keras_archive(path)
    sides = None if load else _config_sides(p)
    if sides is None:
        model = load_model(p)
        sides = (
            (model.inputs[0].name, str(model.inputs[0].dtype), model.input_shape),
            (str(model.outputs[0].dtype), model.output_shape),
        )
    (in_name, in_dtype, in_shape), (out_dtype, out_shape) = sides
    return {
        "labels": [str(d) for d in range(10)],  # output i is digit i
        "input": {
            "name": in_name,
            "dtype": in_dtype,
            "shape": list(in_shape),
            "values": "pixels 0..255, a white digit on black, 28x28, as in MNIST",
        },
        "output": {
            "name": "logits",
            "dtype": out_dtype,
            "shape": list(out_shape),
            "values": "a score per label, in the order of labels; softmax of the "
            "scores gives the probabilities",
        },
        "training": saved_facts(p),
        "source": p.name,
    }


def _config_sides(path: Path) -> "tuple | None":
    """``((input name, dtype, shape), (output dtype, shape))`` as ``config.json``
    states them for a functional model whose one output is a ``Dense(10)`` on a
    flat tensor; ``None`` where it does not say (then the model must be loaded)."""
    try:
        with zipfile.ZipFile(path) as archive:
            doc = _json_member(archive, "config.json", set(archive.namelist()))
        config = doc.get("config") or {}
        if doc.get("class_name") != "Functional":
            return None
        layers = {layer["name"]: layer for layer in config["layers"]}
        ins, outs = config["input_layers"], config["output_layers"]
        ins = ins[0] if isinstance(ins[0], list) and len(ins) == 1 else ins
        outs = outs[0] if isinstance(outs[0], list) and len(outs) == 1 else outs
        first, last = layers[ins[0]], layers[outs[0]]
        if first["class_name"] != "InputLayer" or last["class_name"] != "Dense":
            return None
        shape_in = list(first["config"]["batch_shape"])
        flat = last["inbound_nodes"][0]["args"][0]["config"]["shape"]
        policy = last["config"]["dtype"]
        if isinstance(policy, Mapping):
            policy = policy["config"]["name"]
        units = last["config"]["units"]
    except (KeyError, IndexError, TypeError, AttributeError) + _NOT_READ:
        return None
    if units != 10 or len(flat) != 2 or not isinstance(policy, str):
        return None
    out_dtype = policy.removeprefix("mixed_")  # a mixed policy computes in its half
    return (
        (first["config"]["name"], str(first["config"]["dtype"]), tuple(shape_in)),
        (out_dtype, (flat[0], units)),
    )


#: How :func:`card_lines` names the training facts it knows, in its order; other
#: keys follow as they come, ``_`` read as a space.
FACT_NAMES = {
    "data": "training data",
    "data_source": "data source",
    "train_digits": "training digits",
    "validation_digits": "validation digits",
    "test_digits": "test digits",
    "recipe": "recipe",
    "recipe_settings": "recipe settings",
    "arch": "arch",
    "seed": "seed",
    "precision": "training precision",
    "epochs": "epochs",
    "validation_accuracy": "validation accuracy",
    "test_accuracy": "test accuracy",
    "versions": "trained with",
    "date": "date trained",
    "keras_version_saved": "saved by Keras",
    "date_saved": "saved on",
}
#: Facts every ``.keras`` file has (Keras' own): alone, they say nothing of training.
KERAS_FACTS = ("keras_version_saved", "date_saved")
NO_FACTS = "no training facts recorded"


def card_lines(card: Mapping, model: Optional[str] = None) -> list[str]:
    """``card`` (:func:`keras_card`, or an export's :func:`cnnlib.deploy.read_card`)
    as ``"name: value"`` lines, one fact a line, first ``model: MODEL`` if given.

    A card whose training facts are all unknown (``None``) or only Keras' own
    says :data:`NO_FACTS` in their place; an unknown value reads ``unknown``.
    """
    lines = [] if model is None else [f"model: {model}"]
    if card.get("labels"):
        lines.append("labels: " + " ".join(map(str, card["labels"])))
    for side in ("input", "output"):
        about = card.get(side)
        if isinstance(about, Mapping):
            shape = ", ".join(
                "N" if d is None else str(d) for d in about.get("shape", [])
            )
            lines.append(
                f"{side}: {about.get('name')} {about.get('dtype')} ({shape}): "
                f"{about.get('values')}"
            )
    training = dict(card.get("training") or {})
    known = {
        k: v for k, v in training.items() if v is not None and k not in KERAS_FACTS
    }
    if not known:
        lines.append(f"training: {NO_FACTS}")
    order = [k for k in FACT_NAMES if k in training] + [
        k for k in training if k not in FACT_NAMES
    ]
    for key in order:
        if known or key in KERAS_FACTS:
            name = FACT_NAMES.get(key, key.replace("_", " "))
            between = " " if key == "versions" else "="
            lines.append(f"{name}: {_fact_text(training[key], between)}")
    calibration = card.get("calibration")
    if isinstance(calibration, Mapping):  # an int8 export's card
        lines.append(f"int8 calibration: {calibration_text(calibration)}")
    if isinstance(card.get("versions"), Mapping):  # an export's card
        if card.get("source"):
            lines.append(f"exported from: {card['source']}")
        lines.append(f"exported with: {_fact_text(card['versions'], ' ')}")
    return lines


def calibration_text(calibration: Mapping) -> str:
    """An int8 card's ``calibration`` in words: ``500 of the 4,500 training digits
    of DATA (seed 0)``; what is unknown is left out or said so."""
    digits, total = calibration.get("digits"), calibration.get("training_digits")
    count = "unknown" if digits is None else f"{digits:,}"
    of = "" if total is None else f" of the {total:,}"
    data = calibration.get("data")
    source = f" of {data}" if data else " (data unknown)"
    seed = calibration.get("seed")
    return f"{count}{of} training digits{source}" + (
        "" if seed is None else f" (seed {seed})"
    )


def _fact_text(value, between: str = "=") -> str:
    """``value`` in words; a mapping as ``key=value, ...`` (``between`` joins)."""
    if value is None:
        return "unknown"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, Mapping):
        return ", ".join(f"{k}{between}{_fact_text(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return " ".join(_fact_text(v) for v in value)
    return str(value)
