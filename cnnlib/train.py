"""Training the book's networks: a library function and a command line.

Both run the same code::

    from cnnlib.train import train
    result = train(arch="large", recipe="article", epochs=10, batch_size=50, lr=1e-4)

    python -m cnnlib.train --arch large --recipe article --epochs 10 \\
        --batch-size 50 --lr 1e-4 --data sample --out m.keras

Recipes
-------
``article``
    Article 001's recipe: truncated-normal initial weights, Adam with a
    constant learning rate ``lr`` (default 1e-4), softmax cross-entropy on the
    logits, shuffled mini-batches, no regularisation.
``improved``
    The book's "beyond the article" recipe, same network: random shifts,
    rotations and zooms of the training digits (a new variant every epoch),
    dropout 0.25 before the last layer, label smoothing 0.1, Glorot initial
    weights, and a schedule: ``lr`` is the *base* rate; the rate warms up
    linearly to 10 x ``lr`` over the first epoch, then follows a cosine down to
    0 at the last step. With the default ``lr`` = 1e-4 it peaks at 1e-3.

Speed
-----
Training reads batches from a ``tf.data`` pipeline with prefetching and runs
whole epochs inside compiled TensorFlow functions. On a CPU that supports
bfloat16 (AVX512-BF16 or AMX) the hidden layers compute in bfloat16 with
float32 weights (Keras' ``mixed_bfloat16`` policy); elsewhere float32. On a
GPU it trains on the GPU, on several GPUs under ``MirroredStrategy``.

Checkpoints
-----------
With ``out``, the model and optimizer are saved after every epoch into
``OUT.ckpt/`` (written to a temporary file, then renamed, so a crash or a full
disk never damages the previous checkpoint). ``resume=True`` continues from the
last finished epoch. When training ends the model is saved to ``out``.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Optional, Sequence, Union

import numpy as np

from . import data as cdata
from .models import ARCHS, build_model, check_arch

import tensorflow as tf  # noqa: E402  (imported quietly by cnnlib/__init__)
import keras  # noqa: E402

RECIPES = ("article", "improved")
PRECISIONS = ("auto", "float32", "mixed_bfloat16")
DEFAULT_LR = 1e-4
PEAK_FACTOR = 10.0  # improved recipe: peak rate = PEAK_FACTOR x lr

#: The improved recipe's settings (see the module docs).
IMPROVED = {
    "dropout": 0.25,          # before the last layer
    "label_smoothing": 0.1,
    "shift": 0.1,             # fraction of the image, each way
    "rotate_degrees": 10.0,
    "zoom": 0.1,
    "copies": 1,              # augmented copies of each batch per step
    "ema": False,             # keep an exponential moving average of the weights
}


class TrainError(RuntimeError):
    """Training could not start or could not save; the message says why."""


@dataclass
class EpochLog:
    """What one epoch did. ``cost`` is the mean training loss over its batches."""

    epoch: int
    cost: float
    test_accuracy: float
    seconds: float


@dataclass
class TrainResult:
    """The trained model and how training went.

    Attributes:
        model: the trained ``keras.Model`` (raw digits -> logits).
        history: one :class:`EpochLog` per epoch, resumed epochs included.
        data_name: which data it trained on (``MnistData.name``).
        setup: device, precision and strategy used, in words.
        images_per_second: training throughput of the epochs run in this call
            (first epoch excluded when there are several: it includes tracing).
    """

    model: keras.Model
    history: list[EpochLog] = field(default_factory=list)
    data_name: str = ""
    setup: str = ""
    images_per_second: float = 0.0

    @property
    def test_accuracy(self) -> float:
        return self.history[-1].test_accuracy if self.history else float("nan")


# --------------------------------------------------------------------------
# Hardware: precision and distribution
# --------------------------------------------------------------------------
def cpu_supports_bfloat16(cpuinfo: str = "/proc/cpuinfo") -> bool:
    """True when the CPU has native bfloat16 arithmetic (AVX512-BF16 or AMX)."""
    try:
        flags = Path(cpuinfo).read_text()
    except OSError:
        return False
    return " avx512_bf16" in flags or " amx_bf16" in flags


def pick_precision(precision: str = "auto") -> str:
    """Resolve ``"auto"`` to ``"mixed_bfloat16"`` on bf16-capable CPUs, else ``"float32"``.

    On a GPU ``"auto"`` gives ``"float32"`` (safe everywhere); ask for
    ``"mixed_bfloat16"`` explicitly on GPUs that support it.
    """
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}")
    if precision != "auto":
        return precision
    if tf.config.list_physical_devices("GPU"):
        return "float32"
    return "mixed_bfloat16" if cpu_supports_bfloat16() else "float32"


def pick_strategy() -> tf.distribute.Strategy:
    """``MirroredStrategy`` over all GPUs when there are several, else the default."""
    gpus = tf.config.list_logical_devices("GPU")
    if len(gpus) > 1:
        return tf.distribute.MirroredStrategy([g.name for g in gpus])
    return tf.distribute.get_strategy()


def describe_setup(precision: str, strategy: tf.distribute.Strategy) -> str:
    gpus = tf.config.list_physical_devices("GPU")
    device = f"{len(gpus)} GPU(s)" if gpus else f"CPU ({os.cpu_count()} cores)"
    return (f"{device}, precision {precision}, strategy {type(strategy).__name__}, "
            f"{strategy.num_replicas_in_sync} replica(s)")


# --------------------------------------------------------------------------
# Data pipeline
# --------------------------------------------------------------------------
def augmenter(seed: int, shift: float = 0.1, rotate_degrees: float = 10.0,
              zoom: float = 0.1) -> keras.Sequential:
    """Random shifts, rotations and zooms of digits ``(N, 28, 28, 1)``.

    Defaults: shifts up to 10% of the image each way, rotations up to
    +-10 degrees, zooms up to 10% in or out; the border fills with 0 (background).
    """
    return keras.Sequential([
        keras.layers.RandomTranslation(shift, shift, fill_mode="constant", seed=seed),
        keras.layers.RandomRotation(rotate_degrees / 360, fill_mode="constant", seed=seed + 1),
        keras.layers.RandomZoom(zoom, fill_mode="constant", seed=seed + 2),
    ], name="augment")


def make_dataset(
    x: np.ndarray,
    y: np.ndarray,
    batch_size: int,
    *,
    shuffle: bool = True,
    seed: int = 0,
    augment: bool = False,
    one_hot: bool = False,
    copies: int = 1,
) -> tf.data.Dataset:
    """Batches of ``(digits (B, 28, 28, 1) float32 0..255, labels)`` for ``fit``.

    Shuffling uses ``seed`` (give each epoch its own seed for a new order that
    still repeats run to run); ``augment`` applies :func:`augmenter`;
    ``one_hot`` gives labels ``(B, 10)`` instead of ``(B,)``; ``copies`` > 1
    (with ``augment``) stacks that many differently augmented copies of each
    batch into one step ("batch augmentation"), so a step sees
    ``copies * batch_size`` digits.
    """
    images = x.astype(np.float32)[..., np.newaxis]
    ds = tf.data.Dataset.from_tensor_slices((images, y.astype(np.int32)))
    if shuffle:
        ds = ds.shuffle(len(x), seed=seed, reshuffle_each_iteration=False)
    ds = ds.batch(batch_size)
    if augment:
        aug = augmenter(seed, IMPROVED["shift"], IMPROVED["rotate_degrees"], IMPROVED["zoom"])
        if copies > 1:
            ds = ds.map(lambda a, b: (tf.concat([a] * copies, 0), tf.concat([b] * copies, 0)))
        ds = ds.map(lambda a, b: (aug(a, training=True), b), num_parallel_calls=tf.data.AUTOTUNE)
    if one_hot:
        ds = ds.map(lambda a, b: (a, tf.one_hot(b, 10)))
    return ds.prefetch(tf.data.AUTOTUNE)


# --------------------------------------------------------------------------
# Checkpoints: atomic, resumable
# --------------------------------------------------------------------------
def save_atomic(model: keras.Model, path: Union[str, os.PathLike]) -> Path:
    """Save ``model`` to ``path`` (``.keras``) without ever leaving a half-written file.

    The model is written to a temporary file in the same folder and renamed
    over ``path`` only when complete; if writing fails (disk full, no
    permission) the previous file at ``path`` is untouched and a
    :class:`TrainError` names the path and the reason.
    """
    target = Path(path)
    if target.suffix != ".keras":
        raise TrainError(f"a model file must end in .keras, got {str(target)!r}")
    folder = target.parent if str(target.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=".tmp.keras", dir=folder)
        os.close(fd)
    except OSError as err:
        raise TrainError(f"cannot write the model to {target}: {err.strerror or err}") from err
    try:
        model.save(tmp)
        os.replace(tmp, target)
    except OSError as err:
        kept = " (the previous file there is kept intact)" if target.exists() else ""
        raise TrainError(f"could not save the model to {target}: {err.strerror or err}{kept}") from err
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target


def _write_json_atomic(obj: dict, path: Path) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".state.", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as fh:
            json.dump(obj, fh, indent=1)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def checkpoint_dir(out: Union[str, os.PathLike]) -> Path:
    """Where the per-epoch checkpoints of a run writing ``out`` live: ``OUT.ckpt/``."""
    return Path(str(out) + ".ckpt")


def check_writable(out: Union[str, os.PathLike]) -> Path:
    """Fail fast, naming the path, if a model cannot be written to ``out``."""
    target = Path(out)
    if target.suffix != ".keras":
        raise TrainError(f"--out must be a .keras file, got {str(out)!r}")
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise TrainError(f"cannot write the model to {target}: folder {str(folder)!r} does not exist")
    if not os.access(folder, os.W_OK):
        raise TrainError(f"cannot write the model to {target}: folder {str(folder)!r} is not writable")
    if target.is_dir():
        raise TrainError(f"cannot write the model to {target}: it is a folder")
    return target


# --------------------------------------------------------------------------
# Training
# --------------------------------------------------------------------------
def _check_args(arch: str, recipe: str, epochs: int, batch_size: int, lr: float, seed: int) -> None:
    check_arch(arch)
    if recipe not in RECIPES:
        raise ValueError(f"recipe must be one of {RECIPES}, got {recipe!r}")
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 1:
        raise ValueError(f"epochs must be a whole number >= 1, got {epochs!r}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be a whole number >= 1, got {batch_size!r}")
    if not isinstance(lr, (int, float)) or not math.isfinite(lr) or not 0 < lr < 1:
        raise ValueError(f"lr must be a number between 0 and 1 (e.g. 1e-4), got {lr!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a whole number >= 0, got {seed!r}")


def _compile(model: keras.Model, recipe: str, lr: float, steps_per_epoch: int, epochs: int) -> None:
    if recipe == "article":
        optimizer = keras.optimizers.Adam(learning_rate=lr)
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        metric = keras.metrics.SparseCategoricalAccuracy(name="accuracy")
    else:
        total = steps_per_epoch * epochs
        warmup = min(steps_per_epoch, max(total - 1, 0))
        schedule = keras.optimizers.schedules.CosineDecay(
            initial_learning_rate=lr, decay_steps=max(total - warmup, 1), alpha=0.0,
            warmup_target=lr * PEAK_FACTOR, warmup_steps=warmup)
        optimizer = keras.optimizers.Adam(learning_rate=schedule, use_ema=IMPROVED["ema"])
        loss = keras.losses.CategoricalCrossentropy(
            from_logits=True, label_smoothing=IMPROVED["label_smoothing"])
        metric = keras.metrics.CategoricalAccuracy(name="accuracy")
    model.compile(optimizer=optimizer, loss=loss, metrics=[metric], jit_compile=False)


def _load_data(data: Union[str, cdata.MnistData], verbose: int, printer) -> cdata.MnistData:
    if isinstance(data, cdata.MnistData):
        return data
    return cdata.load_mnist(data, verbose=bool(verbose), printer=printer)


def train(
    arch: str = "large",
    recipe: str = "article",
    epochs: int = 10,
    batch_size: int = 50,
    lr: Optional[float] = None,
    data: Union[str, cdata.MnistData] = "auto",
    out: Optional[Union[str, os.PathLike]] = None,
    resume: bool = False,
    seed: int = 0,
    verbose: int = 1,
    precision: str = "auto",
    log_dir: Optional[Union[str, os.PathLike]] = None,
    strategy: Optional[tf.distribute.Strategy] = None,
    init: Optional[str] = None,
    printer: Callable[[str], None] = print,
) -> TrainResult:
    """Train ``arch`` with ``recipe`` and return the model and its history.

    Args:
        arch: ``"small"`` (article 000) or ``"large"`` (article 001).
        recipe: ``"article"`` or ``"improved"`` (see the module docs).
        epochs: passes over the training digits.
        batch_size: digits per step (article 001: 50).
        lr: learning rate (``None`` = 1e-4); for ``improved`` the base rate.
        data: ``"auto"``, ``"mnist"``, ``"sample"`` or an :class:`MnistData`.
        out: save the final model here (``.keras``), checkpoints beside it.
        resume: continue from ``OUT.ckpt/`` if it holds finished epochs.
        seed: seeds weights, shuffling, augmentation and dropout.
        verbose: 0 silent, 1 progress bar and a line per epoch, 2 lines only.
        precision: ``"auto"``, ``"float32"`` or ``"mixed_bfloat16"``.
        log_dir: write TensorBoard event files here.
        strategy: a ``tf.distribute`` strategy (default: :func:`pick_strategy`).
        init: initial weights (see :func:`cnnlib.models.build_model`); default
            ``"he"`` for ``article``, ``"keras"`` for ``improved``.
        printer: where the per-epoch lines go.

    Returns:
        :class:`TrainResult`.
    """
    lr = DEFAULT_LR if lr is None else lr
    _check_args(arch, recipe, epochs, batch_size, lr, seed)
    if resume and out is None:
        raise ValueError("resume=True needs out=PATH.keras: checkpoints live beside it")
    target = check_writable(out) if out is not None else None
    mnist = _load_data(data, verbose, printer)
    precision = pick_precision(precision)
    strategy = strategy or pick_strategy()
    setup = describe_setup(precision, strategy)

    keras.utils.set_random_seed(seed)
    steps = math.ceil(len(mnist.x_train) / batch_size)
    config = {"arch": arch, "recipe": recipe, "epochs": epochs, "batch_size": batch_size,
              "lr": lr, "seed": seed, "data": mnist.name}
    ckpt = checkpoint_dir(target) if target is not None else None
    history: list[EpochLog] = []
    start = 0
    with strategy.scope():
        if resume and ckpt is not None and (ckpt / "state.json").exists():
            state = json.loads((ckpt / "state.json").read_text())
            changed = {k: (state["config"].get(k), v) for k, v in config.items()
                       if k != "epochs" and state["config"].get(k) != v}
            if changed:
                raise TrainError(f"cannot resume {ckpt}: it was trained with different settings "
                                 + ", ".join(f"{k}={a!r} (now {b!r})" for k, (a, b) in changed.items()))
            model = keras.models.load_model(ckpt / "model.keras")
            history = [EpochLog(**h) for h in state["history"]]
            start = len(history)
            if verbose:
                printer(f"Resuming from {ckpt}: {start} of {epochs} epochs already done")
        else:
            improved = recipe == "improved"
            model = build_model(arch, init=init or ("keras" if improved else "he"),
                                dropout=IMPROVED["dropout"] if improved else 0.0, seed=seed,
                                dtype=None if precision == "float32" else precision)
            _compile(model, recipe, lr, steps, epochs)

    test_ds = make_dataset(mnist.x_test, mnist.y_test, 500, shuffle=False,
                           one_hot=recipe == "improved")
    callbacks = [keras.callbacks.TensorBoard(log_dir=str(log_dir))] if log_dir else []
    if ckpt is not None:
        ckpt.mkdir(exist_ok=True)
    images, seconds = 0, 0.0
    for epoch in range(start, epochs):
        train_ds = make_dataset(mnist.x_train, mnist.y_train, batch_size, seed=seed * 1000 + epoch,
                                augment=recipe == "improved", one_hot=recipe == "improved",
                                copies=IMPROVED["copies"] if recipe == "improved" else 1)
        t0 = time.perf_counter()
        fit = model.fit(train_ds, validation_data=test_ds, epochs=epoch + 1, initial_epoch=epoch,
                        verbose=1 if verbose == 1 else 0, callbacks=callbacks, shuffle=False)
        took = time.perf_counter() - t0
        if epoch > start or epochs - start == 1:
            images, seconds = images + len(mnist.x_train), seconds + took
        log = EpochLog(epoch + 1, float(fit.history["loss"][-1]),
                       float(fit.history["val_accuracy"][-1]), took)
        history.append(log)
        if verbose:
            printer(f"Epoch: {log.epoch} cost = {log.cost:.3f}  test accuracy: {log.test_accuracy:.3f}")
        if ckpt is not None:
            save_atomic(model, ckpt / "model.keras")
            _write_json_atomic({"config": config, "history": [asdict(h) for h in history]},
                               ckpt / "state.json")
    if target is not None:
        save_atomic(model, target)
        shutil.rmtree(ckpt, ignore_errors=True)
    return TrainResult(model=model, history=history, data_name=mnist.name, setup=setup,
                       images_per_second=images / seconds if seconds else 0.0)


def evaluate_accuracy(model: keras.Model, x: np.ndarray, y: np.ndarray) -> float:
    """Fraction of digits ``x (N, 28, 28)`` whose predicted class equals ``y (N,)``."""
    from .models import as_digit_batch

    logits = model.predict(as_digit_batch(x), batch_size=500, verbose=0)
    return float(np.mean(np.argmax(logits, axis=1) == np.asarray(y)))


# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------
def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return value


def _learning_rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number such as 1e-4, got {text!r}") from None
    if not math.isfinite(value) or not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"expected a learning rate between 0 and 1, got {text!r}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m cnnlib.train",
        description="Train article 000's (small) or 001's (large) CNN on MNIST and save it.")
    p.add_argument("--arch", choices=ARCHS, default="large",
                   help="small = 6/16/128 (article 000), large = 32/64/1000 (article 001)")
    p.add_argument("--epochs", type=_positive_int, default=10)
    p.add_argument("--batch-size", type=_positive_int, default=50)
    p.add_argument("--lr", type=_learning_rate, default=None,
                   help="learning rate (default 1e-4); for --recipe improved the base rate, "
                        f"with a warm-up to {PEAK_FACTOR:g}x and a cosine decay")
    p.add_argument("--data", choices=cdata.SOURCES, default="auto")
    p.add_argument("--recipe", choices=RECIPES, default="article")
    p.add_argument("--out", required=True, help="where to save the model (PATH.keras)")
    p.add_argument("--resume", action="store_true",
                   help="continue from the checkpoint of an interrupted run with the same --out")
    p.add_argument("--seed", type=_seed, default=0)
    p.add_argument("--precision", choices=PRECISIONS, default="auto")
    p.add_argument("--log-dir", default=None, help="write TensorBoard logs here")
    p.add_argument("--quiet", action="store_true", help="one line per epoch, no progress bar")
    return p


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        result = train(arch=args.arch, recipe=args.recipe, epochs=args.epochs,
                       batch_size=args.batch_size, lr=args.lr, data=args.data, out=args.out,
                       resume=args.resume, seed=args.seed, verbose=2 if args.quiet else 1,
                       precision=args.precision, log_dir=args.log_dir)
    except (TrainError, cdata.DatasetError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"Trained on: {result.data_name}")
    print(f"Setup: {result.setup}; {result.images_per_second:,.0f} images/s")
    print(f"Saved {args.out} (test accuracy {result.test_accuracy:.4f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
