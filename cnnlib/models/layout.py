"""A Keras model as a list of described layers, for drawing its architecture.

:func:`architecture` reads everything from the model itself (its layers, their
configurations, output shapes and parameter counts), so a figure drawn from it
(:func:`cnnlib.figures.architecture_figure`) cannot drift from the network. No
TensorFlow import: it only reads what the model object holds.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LayerBox:
    """One layer as the architecture figure shows it.

    Attributes:
        name: the layer's name in the model.
        kind: ``"input"``, ``"scale"``, ``"conv"``, ``"relu"``, ``"pool"``,
            ``"flatten"``, ``"dense"``, ``"dropout"`` or ``"other"``.
        what: what it does, in a few words, e.g. ``"conv 5x5, 32 filters"``.
        shape: its output shape without the batch axis, e.g. ``(28, 28, 32)``.
        params: its number of weights and biases.
    """

    name: str
    kind: str
    what: str
    shape: tuple[int, ...]
    params: int


def _pair(value) -> str:
    a, b = (value, value) if isinstance(value, int) else tuple(value)
    return f"{a}x{b}"


def _activation(config: dict) -> str:
    act = config.get("activation", "linear")
    name = act if isinstance(act, str) else str(act.get("config", {}).get("name", act))
    return "" if name == "linear" else f", {'ReLU' if name == 'relu' else name}"


def _describe(layer) -> tuple[str, str]:
    """``(kind, what)`` of one Keras layer, from its class and configuration."""
    cls = type(layer).__name__
    config = layer.get_config()
    if cls == "InputLayer":
        return "input", "input"
    if cls == "Rescaling":
        scale = config.get("scale", 1.0)
        text = "1/255" if abs(float(scale) * 255 - 1) < 1e-9 else f"{float(scale):g}"
        return "scale", f"scale x {text}"
    if cls in ("Conv2D", "Conv1D", "Conv3D"):
        what = f"conv {_pair(config['kernel_size'])}, {config['filters']} filters"
        return "conv", what + _activation(config)
    if cls == "ReLU":
        return "relu", "ReLU"
    if cls == "Activation":
        act = _activation(config)[2:] or "linear"
        return ("relu" if act == "ReLU" else "other"), act
    if cls in ("MaxPooling2D", "AveragePooling2D"):
        op = "max" if cls.startswith("Max") else "average"
        size, stride = config["pool_size"], config["strides"] or config["pool_size"]
        return "pool", f"{op} pool {_pair(size)} / {_pair(stride).split('x')[0]}"
    if cls == "Flatten":
        return "flatten", "flatten"
    if cls == "Dense":
        return "dense", f"dense {config['units']}" + _activation(config)
    if cls == "Dropout":
        return "dropout", f"dropout {config['rate']:g}"
    return "other", cls


def architecture(model) -> list[LayerBox]:
    """Every layer of ``model``, in the model's order, as a :class:`LayerBox`.

    Args:
        model: a built Keras model whose layers form one chain (as the book's
            networks do); its ``layers`` are read in order.
    """
    layers = getattr(model, "layers", None)
    if not layers:
        raise TypeError(
            f"model must be a built Keras model with layers, got {type(model).__name__}"
        )
    rows = []
    for layer in layers:
        kind, what = _describe(layer)
        shape = tuple(int(d) for d in layer.output.shape[1:])
        rows.append(LayerBox(layer.name, kind, what, shape, int(layer.count_params())))
    return rows
