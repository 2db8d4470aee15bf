"""Training once, reusing it after: the cached runs behind chapters 8-10 and the web
page.

Chapters 8, 9 and 10 and the web page's draw-a-digit box all use the same small
network (:data:`REFERENCE_SETTINGS`). :func:`cached_train` trains it the first
time and stores the trained model and its :class:`TrainResult` under a key made
of everything that decides the result: the settings, the recipe, a hash of the
digits, the precision, the CPU's float kernels (``ONEDNN_MAX_CPU_ISA``, bfloat16
support) and the versions of cnnlib, TensorFlow and Keras. A later call with the
same key, in any process, loads it instead of training again; a call with any
difference trains. Entries live in ``$KERAS_HOME/cnnlib/runs/`` (Keras'
cache folder, ``~/.keras`` by default) and are written whole or not at all.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Callable, Optional, Union

import numpy as np

import cnnlib

from .. import data as cdata
from ..core import files
from ..core.tf import keras, tf
from . import hardware, loop, progress, recipes

#: The reference small network: article 000's, 3 epochs at 1e-3, seed 0, float32.
REFERENCE_SETTINGS = {
    "arch": "small",
    "recipe": "article",
    "epochs": 3,
    "lr": 1e-3,
    "batch_size": 50,
    "precision": "float32",
    "data": "sample",
}


def cache_folder() -> Path:
    """Where cached runs live: ``$KERAS_HOME/cnnlib/runs``
    (``~/.keras/cnnlib/runs``)."""
    home = os.environ.get("KERAS_HOME") or os.path.join(
        os.path.expanduser("~"), ".keras"
    )
    return Path(home) / "cnnlib" / "runs"


def _digits_hash(mnist: "cdata.MnistData") -> str:
    digest = hashlib.sha256()
    for array in (mnist.x_train, mnist.y_train, mnist.x_test, mnist.y_test):
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()


def run_key(settings: dict, mnist: "cdata.MnistData", precision: str) -> str:
    """The cache key (hex) of a run with ``settings`` on ``mnist`` in ``precision``."""
    recipe = recipes.get_recipe(settings.get("recipe", "article"))
    plain = {
        k: (v.name if isinstance(v, recipes.Recipe) else v) for k, v in settings.items()
    }
    doc = {
        "settings": {k: v for k, v in sorted(plain.items()) if k != "data"},
        "recipe": recipe.settings(),
        "digits": _digits_hash(mnist),
        "precision": precision,
        "isa": os.environ.get("ONEDNN_MAX_CPU_ISA", ""),
        "bf16": hardware.cpu_supports_bfloat16(),
        "cnnlib": cnnlib.__version__,
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
    }
    return hashlib.sha256(
        json.dumps(doc, sort_keys=True, default=str).encode()
    ).hexdigest()


def normalized_settings(settings: dict) -> dict:
    """``settings`` of ``train`` with every default filled in (the recipe's included),
    so two calls that train the same way have the same settings whatever they spelled
    out."""
    recipe = recipes.get_recipe(settings.get("recipe", "article"))
    full = {
        "recipe": recipe.name,
        "arch": recipe.arch,
        "epochs": recipe.epochs,
        "batch_size": recipe.batch_size,
        "lr": recipe.lr,
        "seed": 0,
        "init": None,
        "validation_split": 0.1,
        "precision": "auto",
    }
    full.update({k: v for k, v in settings.items() if v is not None or k not in full})
    if isinstance(settings.get("recipe"), recipes.Recipe):
        full["recipe"] = settings["recipe"]
    return full


def cached_train(
    *,
    data: Union[str, "cdata.MnistData"] = "sample",
    printer: Callable[[str], None] = print,
    verbose: int = 0,
    cache_dir: Optional[files.PathLike] = None,
    **settings,
) -> loop.TrainResult:
    """:func:`cnnlib.training.train` with ``settings``, or its result stored by an
    earlier call.

    Args:
        data: as for ``train``; a name is loaded once (quietly when ``verbose`` is 0).
        printer, verbose: as for ``train`` (a loaded run prints nothing).
        cache_dir: where entries live (default :func:`cache_folder`).
        **settings: the other arguments of ``train`` (not ``out``, ``resume``,
            ``log_dir`` or ``strategy``: a cached run writes nothing else).

    Returns:
        The :class:`TrainResult`; ``from_cache`` says whether it was loaded.
    """
    refused = {"out", "resume", "log_dir", "strategy", "printer"} & set(settings)
    if refused:
        raise ValueError(
            f"cached_train does not take {sorted(refused)}; call train() for that"
        )
    settings = normalized_settings(settings)
    mnist = (
        data
        if not isinstance(data, str)
        else cdata.load_mnist(data, verbose=bool(verbose), printer=printer)
    )
    precision = hardware.pick_precision(settings.pop("precision", "auto"))
    folder = Path(cache_dir) if cache_dir is not None else cache_folder()
    entry = folder / run_key(settings, mnist, precision)[:24]
    loaded = _load(entry)
    if loaded is not None:
        return loaded
    result = loop.train(
        data=mnist, printer=printer, verbose=verbose, precision=precision, **settings
    )
    _store(entry, result)
    return result


def reference_network(
    seed: int = 0,
    printer: Callable[[str], None] = print,
    cache_dir: Optional[files.PathLike] = None,
) -> loop.TrainResult:
    """The reference small network of chapters 8-10 and the web page
    (:data:`REFERENCE_SETTINGS`, on the offline sample), from the cache when an earlier
    call trained it."""
    settings = dict(REFERENCE_SETTINGS, seed=seed)
    return cached_train(printer=printer, cache_dir=cache_dir, **settings)


def _store(entry: Path, result: loop.TrainResult) -> None:
    info = {
        "history": [h.as_dict() for h in result.history],
        "test_accuracy": result.test_accuracy,
        "data_name": result.data_name,
        "setup": result.setup,
        "images_per_second": result.images_per_second,
        "n_validation": result.n_validation,
    }
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        with files.atomic_folder(entry, replace=True) as tmp:
            result.model.save(tmp / "model.keras")
            (tmp / "result.json").write_text(json.dumps(info))
    except OSError:
        pass  # a cache that cannot be written only costs time next run


def _load(entry: Path) -> Optional[loop.TrainResult]:
    try:
        info = json.loads((entry / "result.json").read_text())
        model = keras.models.load_model(entry / "model.keras", compile=False)
    except (OSError, ValueError, KeyError):
        return None
    history = [progress.EpochLog(**h) for h in info.pop("history")]
    return loop.TrainResult(model=model, history=history, from_cache=True, **info)
