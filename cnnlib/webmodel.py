"""Article 000's small network for the web page: trained at build time, run in the browser.

The book's page for chapter 7 lets a reader draw a digit and watch the small
network answer, with no Python kernel: ``_static/cnn-book.js`` runs the forward
pass in plain JavaScript (a mirror of :mod:`cnnlib.ops`). Its weights come
from here, written before ``jupyter-book build .``::

    python -m cnnlib.webmodel _static/webmodel

trains the small network exactly as chapter 7 does
(``train.train(arch="small", epochs=3, lr=1e-3, data=load_mnist("sample"),
seed=0, verbose=0, precision="float32")``) and writes ``OUTDIR/small.json``:
the float32 weights of every layer (base64 of little-endian float32, about
0.55 MB), their shapes, and what the model was trained on. The folder is
git-ignored: it is build output.

:func:`load_web_weights` reads the file back and :func:`keras_model_from_web`
rebuilds the Keras model from it, so the browser test can check the
JavaScript forward pass against Keras on the very same weights.
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import sys
from pathlib import Path
from typing import Optional, Sequence, Union

import numpy as np

FORMAT = "cnnlib-webmodel-1"
FILENAME = "small.json"
#: Layers whose weights the page needs, in the order of the forward pass.
LAYERS = ("conv1", "conv2", "dense1", "logits")
#: Kernel shapes of article 000's small network, the one the page's JavaScript runs.
SHAPES = {"conv1": (5, 5, 1, 6), "conv2": (5, 5, 6, 16), "dense1": (7 * 7 * 16, 128),
          "logits": (128, 10)}


def _encode(array: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(array, dtype="<f4").tobytes()).decode("ascii")


def _decode(text: str, shape: Sequence[int]) -> np.ndarray:
    flat = np.frombuffer(base64.b64decode(text), dtype="<f4")
    if flat.size != int(np.prod(shape)):
        raise ValueError(f"weights hold {flat.size} numbers, the shape {tuple(shape)} needs "
                         f"{int(np.prod(shape))}")
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
    from .data import PIXEL_SCALE

    names = [layer.name for layer in model.layers]
    missing = [name for name in LAYERS if name not in names]
    if missing:
        raise ValueError(f"the model has no layer(s) {missing}; expected the small network's "
                         f"layers {list(LAYERS)}, got {names}")
    layers = []
    for name in LAYERS:
        kernel, bias = (np.asarray(v, dtype=np.float32) for v in model.get_layer(name).get_weights())
        if kernel.shape != SHAPES[name]:
            raise ValueError(f"layer {name!r} has a kernel of shape {kernel.shape}; the small "
                             f"network's is {SHAPES[name]} (got a different architecture?)")
        layers.append({"name": name, "kernel_shape": list(kernel.shape),
                       "kernel": _encode(kernel), "bias_shape": list(bias.shape),
                       "bias": _encode(bias)})
    return {"format": FORMAT, "pixel_scale": float(PIXEL_SCALE), "layers": layers,
            "info": dict(info or {})}


def load_web_weights(path: Union[str, os.PathLike]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """``{layer name: (kernel, bias)}`` from a file :func:`export` wrote."""
    doc = json.loads(Path(path).read_text())
    if doc.get("format") != FORMAT:
        raise ValueError(f"{path}: expected format {FORMAT!r}, got {doc.get('format')!r}")
    return {layer["name"]: (_decode(layer["kernel"], layer["kernel_shape"]),
                            _decode(layer["bias"], layer["bias_shape"]))
            for layer in doc["layers"]}


def keras_model_from_web(path: Union[str, os.PathLike]):
    """A float32 Keras ``small`` model holding the weights in ``path``."""
    from .models import build_model

    model = build_model("small", dtype="float32")
    for name, (kernel, bias) in load_web_weights(path).items():
        model.get_layer(name).set_weights([kernel, bias])
    return model


def train_small(seed: int = 0):
    """Train the small network as chapter 7 does; returns ``cnnlib.train.TrainResult``."""
    from . import train as ctrain
    from .data import load_mnist

    data = load_mnist("sample", verbose=False)
    return ctrain.train(arch="small", epochs=3, lr=1e-3, data=data, seed=seed, verbose=0,
                        precision="float32")


def export(outdir: Union[str, os.PathLike], seed: int = 0) -> Path:
    """Train the small network and write ``outdir/small.json``; returns its path."""
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    result = train_small(seed)
    info = {"arch": "small", "epochs": 3, "lr": 1e-3, "seed": seed, "precision": "float32",
            "data": result.data_name, "test_accuracy": round(float(result.test_accuracy), 4)}
    from .deployable import float32_copy

    doc = weights_document(float32_copy(result.model), info)  # float32 whatever it trained in
    target = out / FILENAME
    tmp = target.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(doc, separators=(",", ":")))
    os.replace(tmp, target)
    return target


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m cnnlib.webmodel",
        description="Train article 000's small network and write its weights for the web page.")
    parser.add_argument("outdir", help="folder to write small.json into (e.g. _static/webmodel)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    path = export(args.outdir, seed=args.seed)
    info = json.loads(path.read_text())["info"]
    print(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB): small network, "
          f"{info['data']}, test accuracy {info['test_accuracy']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
