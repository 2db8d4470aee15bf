"""SavedModel and TensorFlow Serving: the deployable model with a serving signature.

* :func:`export_saved_model`: a SavedModel folder of
  :func:`cnnlib.deploy.deployable_model` with the **serving signature**
  ``serving_default``::

      inputs:  digits         float32 (N, 28, 28), raw pixels 0..255 (MNIST style)
      outputs: probabilities  float32 (N, 10)
               digit          int32   (N,)

* :func:`export_for_serving`: the same SavedModel in TensorFlow Serving's
  versioned layout ``BASE/1/``, ``BASE/2/`` ... (e.g. ``models/digits/1/``).

Each SavedModel says what it is in ``assets/``: :data:`~cnnlib.deploy.LABELS_FILE`
(``0`` .. ``9``, one a line, line ``i`` naming output ``i``) and
:data:`~cnnlib.deploy.CARD_FILE` (:func:`cnnlib.deploy.model_card`: input and
output, training, versions); :func:`cnnlib.deploy.read_card` reads it.

:func:`call_in_subprocess` proves a SavedModel needs none of this book's code:
it runs :data:`CLIENT_SCRIPT`, which imports only TensorFlow and NumPy, in a
separate Python process. ``cnnlib export MODEL.keras models/digits`` writes one.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Mapping, Optional

import numpy as np

from ..core import checks, files
from ..core.tf import keras, tf
from ..models import inputs
from . import deployable

SIGNATURE = "serving_default"

#: The program a separate process runs to call a SavedModel: TensorFlow and NumPy only.
#: argv: SAVEDMODEL_DIR DIGITS.npy ; prints JSON
#: {"digit": [...], "probabilities": [[...]]}.
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


def serving_function(deploy: keras.Model) -> tf.types.experimental.PolymorphicFunction:
    """The serving signature of ``deploy`` (a :func:`deployable_model`): raw digits
    float32 ``(N, 28, 28)`` in; ``{"probabilities": (N, 10), "digit": (N,) int32}``
    out."""
    spec = tf.TensorSpec([None, 28, 28], tf.float32, name=deployable.INPUT_NAME)

    @tf.function(input_signature=[spec])
    def serve(digits):
        probs = deploy(digits, training=False)
        return {
            "probabilities": probs,
            "digit": tf.argmax(probs, axis=1, output_type=tf.int32),
        }

    return serve


def export_saved_model(
    model: keras.Model,
    path: files.PathLike,
    overwrite: bool = False,
    flag: str = "overwrite=True",
    trained: Optional[Mapping] = None,
    source: Optional[files.PathLike] = None,
) -> Path:
    """Write the deployable model as a SavedModel with the ``serving_default``
    signature, and its labels and card in ``assets/``.

    Args:
        model: a trained Keras model (raw digits -> logits, any precision).
        path: the folder to create.
        overwrite: replace an existing folder (default: refuse, naming it and
            ``flag``, the way to replace it).
        trained: what is known of the model's training, for the card
            (:func:`cnnlib.deploy.model_card`); ``source``: the file it came from.

    Returns:
        The folder's path. Its signature takes ``digits`` float32
        ``(N, 28, 28)`` 0..255 and returns ``probabilities`` ``(N, 10)`` and
        ``digit`` int32 ``(N,)``; ``assets/labels.txt`` and ``assets/card.json``
        say what the outputs mean.
    """
    target = deployable.fresh_target(path, overwrite, folder=True, flag=flag)
    if not target.parent.is_dir():
        raise deployable.ExportError(
            f"cannot write the SavedModel to {target}: folder "
            f"{str(target.parent)!r} does not exist"
        )
    deploy = deployable.deployable_model(model)
    card = deployable.model_card(trained, source=source)
    archive = keras.export.ExportArchive()
    archive.track(deploy)
    archive.add_endpoint(name="serve", fn=serving_function(deploy))
    try:
        with files.atomic_folder(target, replace=overwrite) as tmp:
            deployable.write_archive(archive.write_out, tmp)
            (tmp / "assets").mkdir(exist_ok=True)  # open(): the umask's modes
            (tmp / deployable.LABELS_FILE).write_text(
                deployable.labels_text(), encoding="utf-8"
            )
            (tmp / deployable.CARD_FILE).write_text(
                deployable.card_text(card), encoding="utf-8"
            )
    except OSError as err:
        raise deployable.ExportError(
            f"cannot write the SavedModel to {target}: {err.strerror or err}"
        ) from err
    return target


def export_for_serving(
    model: keras.Model,
    base: files.PathLike,
    version: Optional[int] = None,
    overwrite: bool = False,
    flag: str = "overwrite=True",
    trained: Optional[Mapping] = None,
    source: Optional[files.PathLike] = None,
) -> Path:
    """Write a SavedModel in TensorFlow Serving's layout: ``BASE/VERSION/``.

    TF Serving watches ``--model_base_path`` (``BASE``, e.g. ``models/digits``)
    and serves the highest numbered version folder in it.

    Args:
        model: a trained Keras model.
        base: the model's folder; created if missing.
        version: the version number (>= 1); default: one more than the highest
            version already there (1 in an empty folder).
        overwrite: replace that version if it exists (default: refuse, naming
            ``flag``).
        trained, source: for the card, as in :func:`export_saved_model`.

    Returns:
        The version folder, e.g. ``models/digits/1``.
    """
    root = Path(base)
    if root.exists() and not root.is_dir():
        raise deployable.ExportError(f"{root} exists and is not a folder")
    have = (
        [int(p.name) for p in root.iterdir() if p.name.isdigit()]
        if root.exists()
        else []
    )
    if version is None:
        version = max(have, default=0) + 1
    version = checks.int_in(version, "version", 1)
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise deployable.ExportError(
            f"cannot create {root}: {err.strerror or err}"
        ) from err
    return export_saved_model(
        model, root / str(version), overwrite, flag, trained=trained, source=source
    )


def load_signature(path: files.PathLike):
    """The ``serving_default`` function of a SavedModel folder.

    Call it as ``fn(digits=tf.constant(x))`` with ``x`` float32 ``(N, 28, 28)``;
    it returns ``{"probabilities": (N, 10), "digit": (N,)}``.
    """
    folder = Path(path)
    if not (folder / "saved_model.pb").exists():
        raise deployable.ExportError(
            f"{folder}: not a SavedModel folder (no saved_model.pb)"
        )
    loaded = tf.saved_model.load(str(folder))
    if SIGNATURE not in loaded.signatures:
        raise deployable.ExportError(
            f"{folder}: has no {SIGNATURE!r} signature, only {list(loaded.signatures)}"
        )
    return loaded.signatures[SIGNATURE]


def describe_signature(path: files.PathLike) -> list[str]:
    """Lines naming the serving signature's inputs and outputs, with dtypes and
    shapes."""
    fn = load_signature(path)

    def fmt(spec) -> str:
        dims = ", ".join("N" if d is None else str(d) for d in spec.shape)
        return f"{spec.dtype.name} ({dims})"

    _, inputs = fn.structured_input_signature
    lines = [f"input  {k}: {fmt(v)}" for k, v in sorted(inputs.items())]
    lines += [f"output {k}: {fmt(v)}" for k, v in sorted(fn.structured_outputs.items())]
    return lines


def call_in_subprocess(
    path: files.PathLike, digits: np.ndarray, timeout: float = 180.0
) -> dict:
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
    batch = inputs.as_digit_batch(digits)[..., 0]
    with tempfile.TemporaryDirectory(prefix="cnnlib-call-") as tmp:
        npy = Path(tmp) / "digits.npy"
        np.save(npy, batch)
        try:
            done = subprocess.run(
                [sys.executable, "-c", CLIENT_SCRIPT, str(path), str(npy)],
                capture_output=True,
                text=True,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            raise deployable.ExportError(
                f"the process calling {path} did not finish in {timeout:g} s"
            ) from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["(no message)"])[-1]
        raise deployable.ExportError(
            f"the process calling {path} failed (exit {done.returncode}): {last}"
        )
    try:
        return json.loads(done.stdout.strip().splitlines()[-1])
    except (json.JSONDecodeError, IndexError):
        raise deployable.ExportError(
            f"the process calling {path} printed no JSON: {done.stdout[-200:]!r}"
        ) from None
