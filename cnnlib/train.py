"""Training the book's networks: a library function and a command line.

Both run the same code::

    from cnnlib.train import train
    result = train(arch="large", recipe="article", epochs=10, batch_size=50, lr=1e-4)

    python -m cnnlib.train --arch large --recipe article --epochs 10 \\
        --batch-size 50 --lr 1e-4 --data sample --out m.keras

Recipes
-------
``article``
    Article 001's recipe: Adam with a constant learning rate ``lr`` (default
    1e-4), softmax cross-entropy on the logits, shuffled mini-batches, no
    regularisation. Initial weights: truncated normal scaled per layer (He,
    stddev ``sqrt(2 / fan_in)``); the article's fixed stddev 0.03
    (``init="article"``) learns too slowly in the 900 steps of the sample
    (measured: 0.94 test accuracy after 10 epochs, against 0.97-0.98).
``improved``
    The book's "beyond the article" recipe, same network: every batch is used
    in 3 differently augmented copies (random shifts up to 10% of the image,
    rotations up to +-10 degrees, zooms up to 10%: :func:`random_affine`,
    stateless and inside the ``tf.data`` graph), dropout 0.5 before the last
    layer, label smoothing 0.1, AdamW with weight decay 0.1, Glorot initial
    weights, and a schedule. **How ``lr`` is read:** it is the *base* rate;
    the rate warms up linearly from ``lr`` to ``PEAK_FACTOR`` (20) x ``lr``
    over the first epoch, then follows a cosine down to 0 at the last step.
    With the default (and the article's) ``lr`` = 1e-4 it peaks at 2e-3.

Speed
-----
All epochs run in one ``model.fit`` call fed by one ``tf.data`` pipeline
(:func:`make_training_dataset`: the digits become one tensor once; shuffling,
batching, augmentation and prefetching run inside the pipeline, in parallel
with training), so there is no Python work per step or per epoch. On a CPU
that supports bfloat16 (AVX512-BF16 or AMX, read from ``/proc/cpuinfo``) the
layers compute in bfloat16 with float32 weights (Keras' ``mixed_bfloat16``);
elsewhere float32. XLA (``jit_compile``) was measured slower on CPU for this
network and is off. On a GPU it trains on the GPU, on several GPUs under
``MirroredStrategy`` (:func:`pick_strategy`). ``bench/train_speed.py``
compares it with a plain Keras ``fit``.

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
#: Environment variable that overrides ``precision="auto"`` (an explicit argument wins).
PRECISION_ENV = "CNNLIB_PRECISION"
DEFAULT_LR = 1e-4
PEAK_FACTOR = 20.0  # improved recipe: peak rate = PEAK_FACTOR x lr

#: The improved recipe's settings (see the module docs). Chosen by measuring
#: test accuracy on the sample's 500 held-out digits (see the training chapter).
IMPROVED = {
    "dropout": 0.5,           # before the last layer
    "label_smoothing": 0.1,
    "weight_decay": 0.1,      # AdamW's decoupled decay (times the learning rate)
    "shift": 0.1,             # fraction of the image, each way
    "rotate_degrees": 10.0,
    "zoom": 0.1,
    "copies": 3,              # differently augmented copies of each batch per step
}


#: How Keras runs each training step (measured with bench/train_speed.py).
COMPILE_OPTIONS = {"jit_compile": False, "steps_per_execution": 1}


class TrainError(RuntimeError):
    """Training could not start or could not save; the message says why."""


@dataclass
class EpochLog:
    """What one epoch did.

    ``cost`` is the mean training loss over the epoch's batches; ``val_cost``
    and ``val_accuracy`` are the loss and accuracy on the validation digits
    (carved from the training digits, see ``validation_split``), NaN when
    training ran without validation. The test digits are never used here.
    """

    epoch: int
    cost: float
    val_cost: float
    val_accuracy: float
    seconds: float


@dataclass
class TrainResult:
    """The trained model and how training went.

    Attributes:
        model: the trained ``keras.Model`` (raw digits -> logits).
        history: one :class:`EpochLog` per epoch, resumed epochs included
            (training cost, validation cost and accuracy).
        test_accuracy: accuracy on the test digits, scored once, after the
            last epoch.
        data_name: which data it trained on (``MnistData.name``).
        setup: device, precision and strategy used, in words.
        images_per_second: training throughput of the epochs run in this call
            (first epoch excluded when there are several: it includes tracing).
        n_validation: how many training digits were held out for validation.
    """

    model: keras.Model
    history: list[EpochLog] = field(default_factory=list)
    test_accuracy: float = float("nan")
    data_name: str = ""
    setup: str = ""
    images_per_second: float = 0.0
    n_validation: int = 0

    @property
    def val_accuracy(self) -> float:
        """Validation accuracy after the last epoch (NaN without validation)."""
        return self.history[-1].val_accuracy if self.history else float("nan")


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


def pick_precision(precision: str = "auto", environ: Optional[dict] = None) -> str:
    """Resolve ``"auto"`` to ``"mixed_bfloat16"`` on bf16-capable CPUs, else ``"float32"``.

    The environment variable ``CNNLIB_PRECISION`` (``auto``, ``float32`` or
    ``mixed_bfloat16``) overrides ``"auto"``: ``CNNLIB_PRECISION=float32``
    gives the same float32 training on every machine. An explicit
    ``precision`` argument wins over the variable. On a GPU ``"auto"`` gives
    ``"float32"`` (safe everywhere); ask for ``"mixed_bfloat16"`` explicitly
    on GPUs that support it.

    Args:
        precision: ``"auto"``, ``"float32"`` or ``"mixed_bfloat16"``.
        environ: where to read the variable (default ``os.environ``).
    """
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}")
    env = os.environ if environ is None else environ
    if precision == "auto" and env.get(PRECISION_ENV, "").strip():
        precision = env[PRECISION_ENV].strip()
        if precision not in PRECISIONS:
            raise ValueError(f"environment variable {PRECISION_ENV} must be one of "
                             f"{PRECISIONS}, got {env[PRECISION_ENV]!r}")
    if precision != "auto":
        return precision
    if tf.config.list_physical_devices("GPU"):
        return "float32"
    return "mixed_bfloat16" if cpu_supports_bfloat16() else "float32"


def pick_strategy(devices: Optional[Sequence[str]] = None) -> tf.distribute.Strategy:
    """``MirroredStrategy`` when there are several devices, else the default strategy.

    Args:
        devices: device names to train on; default: all (logical) GPUs. The
            tests pass two logical CPUs to check the multi-device path.
    """
    if devices is None:
        devices = [g.name for g in tf.config.list_logical_devices("GPU")]
    if len(devices) > 1:
        return tf.distribute.MirroredStrategy(list(devices))
    return tf.distribute.get_strategy()


def describe_setup(precision: str, strategy: tf.distribute.Strategy) -> str:
    """Where and how training runs, in words, e.g. ``"one device (CPU, 2 cores),
    precision float32"`` or ``"MirroredStrategy over 2 devices, precision float32"``."""
    n = strategy.num_replicas_in_sync
    if n > 1:
        where = f"{type(strategy).__name__} over {n} devices"
    elif tf.config.list_physical_devices("GPU"):
        where = "one device (GPU)"
    else:
        where = f"one device (CPU, {os.cpu_count()} cores)"
    return f"{where}, precision {precision}"


# --------------------------------------------------------------------------
# Data pipeline
# --------------------------------------------------------------------------
def random_affine(
    images: tf.Tensor,
    key,
    shift: float = 0.1,
    rotate_degrees: float = 10.0,
    zoom: float = 0.1,
) -> tf.Tensor:
    """Randomly shift, rotate and zoom each digit of ``images (B, 28, 28, 1)``.

    Each digit gets its own transform: a shift of up to ``shift`` x 28 pixels
    each way, a rotation of up to +-``rotate_degrees`` about the centre and a
    zoom of up to +-``zoom``; the border fills with 0 (background). The draws
    are *stateless*, keyed by ``key`` (two integers), so the same key always
    gives the same digits: training repeats exactly, and a resumed run
    augments exactly as an uninterrupted one. Runs inside ``tf.data``/graphs.
    """
    images = tf.convert_to_tensor(images, tf.float32)
    n = tf.shape(images)[0]
    u = tf.random.stateless_uniform([n, 4], seed=tf.cast(key, tf.int64), minval=-1.0, maxval=1.0)
    angle = u[:, 0] * (rotate_degrees * np.pi / 180.0)
    scale = 1.0 + u[:, 1] * zoom
    tx, ty = u[:, 2] * shift * 28.0, u[:, 3] * shift * 28.0
    c = 13.5  # centre of a 28x28 image
    # ImageProjectiveTransform maps each *output* pixel (x, y) to the input point
    # (a0 x + a1 y + a2, b0 x + b1 y + b2): the inverse of rotate-zoom-shift.
    cos, sin = tf.cos(angle) / scale, tf.sin(angle) / scale
    a0, a1, b0, b1 = cos, sin, -sin, cos
    a2 = c - a0 * (c + tx) - a1 * (c + ty)
    b2 = c - b0 * (c + tx) - b1 * (c + ty)
    zeros = tf.zeros_like(a0)
    transforms = tf.stack([a0, a1, a2, b0, b1, b2, zeros, zeros], axis=1)
    return tf.raw_ops.ImageProjectiveTransformV3(
        images=images, transforms=transforms, output_shape=tf.constant([28, 28]),
        fill_value=0.0, interpolation="BILINEAR", fill_mode="CONSTANT")


def _augment_batch(a: tf.Tensor, b: tf.Tensor, key, copies: int):
    """``copies`` differently transformed copies of batch ``(a, b)``, stacked."""
    if copies > 1:
        a, b = tf.concat([a] * copies, 0), tf.concat([b] * copies, 0)
    return random_affine(a, key, IMPROVED["shift"], IMPROVED["rotate_degrees"], IMPROVED["zoom"]), b


def check_digits_and_labels(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Check raw digits ``x`` and labels ``y``; return ``(N, 28, 28, 1)`` float32 and ``(N,)`` int32.

    Raises ``ValueError``/``TypeError`` naming what is wrong: an empty set,
    a wrong shape, NaN or out-of-range pixels, labels outside 0..9, or
    different numbers of digits and labels.
    """
    from .models import as_digit_batch

    if np.ndim(x) >= 1 and np.shape(x)[0] == 0:
        raise ValueError(f"got an empty set of digits (shape {np.shape(x)})")
    images = as_digit_batch(x)
    labels = np.asarray(y)
    if labels.ndim != 1:
        raise ValueError(f"labels must be a 1-D array of digits 0..9, got shape {labels.shape}")
    if labels.dtype.kind not in "ui" and not (labels.dtype.kind == "f" and np.all(labels == np.round(labels))):
        raise TypeError(f"labels must be whole numbers 0..9, got dtype {labels.dtype}")
    if len(labels) != len(images):
        raise ValueError(f"got {len(images)} digits but {len(labels)} labels")
    bad = labels[(labels < 0) | (labels > 9)]
    if bad.size:
        raise ValueError(f"labels must be digits 0..9, got {bad[0]:g}")
    return images, labels.astype(np.int32)


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
    images, labels = check_digits_and_labels(x, y)
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be a whole number >= 1, got {batch_size!r}")
    if isinstance(copies, bool) or not isinstance(copies, (int, np.integer)) or copies < 1:
        raise ValueError(f"copies must be a whole number >= 1, got {copies!r}")
    ds = tf.data.Dataset.from_tensor_slices((images, labels))
    if shuffle:
        ds = ds.shuffle(len(x), seed=seed, reshuffle_each_iteration=False)
    ds = ds.batch(batch_size)
    if augment:
        ds = ds.enumerate().map(
            lambda i, ab: _augment_batch(ab[0], ab[1], tf.stack([tf.cast(seed, tf.int64), i]), copies),
            num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    if one_hot:
        ds = ds.map(lambda a, b: (a, tf.one_hot(b, 10)))
    return ds.prefetch(tf.data.AUTOTUNE)


def epoch_order(n: int, seed: int, epoch) -> tf.Tensor:
    """The order ``(n,)`` in which epoch ``epoch`` visits ``n`` digits.

    A stateless shuffle of ``0..n-1`` keyed by ``(seed, epoch)``: the same
    seed and epoch always give the same order, so a resumed run sees the same
    batches as an uninterrupted one would have.
    """
    key = tf.stack([tf.cast(seed, tf.int64), tf.cast(epoch, tf.int64)])
    return tf.random.experimental.stateless_shuffle(tf.range(n, dtype=tf.int64), seed=key)


def make_training_dataset(
    x: np.ndarray,
    y: np.ndarray,
    batch_size: int,
    *,
    seed: int = 0,
    first_epoch: int = 0,
    epochs: int = 1,
    augment: bool = False,
    one_hot: bool = False,
    copies: int = 1,
) -> tf.data.Dataset:
    """All training batches of epochs ``first_epoch .. epochs-1`` as one stream.

    One ``model.fit`` call reads it with ``steps_per_epoch = ceil(N / batch_size)``,
    so there is no per-epoch Python work: the digits become one tensor once,
    each epoch's order comes from :func:`epoch_order`, batches are gathered,
    augmented (``augment``, ``copies`` as in :func:`make_dataset`) and
    prefetched inside the ``tf.data`` pipeline, in parallel with training.

    Returns:
        Batches of ``(digits (B, 28, 28, 1) float32 0..255, labels (B,) or (B, 10))``.
    """
    images, labels = check_digits_and_labels(x, y)
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be a whole number >= 1, got {batch_size!r}")
    if not 0 <= first_epoch < epochs:
        raise ValueError(f"need 0 <= first_epoch < epochs, got {first_epoch} and {epochs}")
    n = len(images)
    x_all, y_all = tf.constant(images), tf.constant(labels)
    steps = -(-n // batch_size)

    def one_epoch(e):  # (batch key, indices): the key is unique per (epoch, batch)
        batches = tf.data.Dataset.from_tensor_slices(epoch_order(n, seed, e)).batch(batch_size)
        return batches.enumerate(start=e * steps)

    ds = tf.data.Dataset.range(first_epoch, epochs).flat_map(one_epoch)
    ds = ds.map(lambda i, idx: (i, tf.gather(x_all, idx), tf.gather(y_all, idx)))
    if augment:
        ds = ds.map(lambda i, a, b: _augment_batch(a, b, tf.stack([tf.cast(seed, tf.int64), i]), copies),
                    num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    else:
        ds = ds.map(lambda i, a, b: (a, b))
    if one_hot:
        ds = ds.map(lambda a, b: (a, tf.one_hot(b, 10)))
    return ds.prefetch(tf.data.AUTOTUNE)


class ProgressBar(keras.callbacks.Callback):
    """A one-line progress bar for the whole run, updated in place.

    In a notebook it is one display that is redrawn (only its final state is
    stored in the notebook); in a terminal it is redrawn with a carriage
    return; elsewhere (a pipe, a log file) only the per-epoch lines appear.
    It reads the running loss every ``every`` steps, not every step.
    """

    def __init__(self, epochs: int, steps: int, every: int = 10, width: int = 30):
        super().__init__()
        self.epochs, self.steps, self.every, self.width = epochs, steps, max(1, every), width
        self.epoch = 0
        self._handle = None
        self._tty = False

    def on_train_begin(self, logs=None):
        if "ipykernel" in sys.modules:
            from IPython.display import display

            # raw text/plain: display("...") would show the str's repr, in quotes
            self._handle = display({"text/plain": self._text(0, None)}, raw=True,
                                   display_id=True)
        else:
            self._tty = sys.stdout.isatty()

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def _text(self, step: int, loss) -> str:
        done = (self.epoch * self.steps + step) / max(self.epochs * self.steps, 1)
        bar = "#" * round(done * self.width)
        cost = f"  cost {loss:.3f}" if loss is not None else ""
        return (f"[{bar:<{self.width}}] epoch {self.epoch + 1}/{self.epochs}, "
                f"step {step}/{self.steps}{cost}")

    def _show(self, text: str) -> None:
        if self._handle is not None:
            self._handle.update({"text/plain": text}, raw=True)
        elif self._tty:
            sys.stdout.write("\r" + text)
            sys.stdout.flush()

    def on_train_batch_end(self, batch, logs=None):
        if (batch + 1) % self.every == 0 or batch + 1 == self.steps:
            if self._handle is not None or self._tty:
                loss = (logs or {}).get("loss")
                self._show(self._text(batch + 1, None if loss is None else float(loss)))

    def on_epoch_end(self, epoch, logs=None):
        if self._tty:
            sys.stdout.write("\r" + " " * (self.width + 60) + "\r")
            sys.stdout.flush()


class _EpochEnd(keras.callbacks.Callback):
    """Calls ``handler(epoch, logs, seconds)`` after every epoch (validation included)."""

    def __init__(self, handler):
        super().__init__()
        self.handler = handler
        self._t0 = 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self._t0 = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.handler(epoch, logs or {}, time.perf_counter() - self._t0)


# --------------------------------------------------------------------------
# Checkpoints: atomic, resumable
# --------------------------------------------------------------------------
def _save_to_temp(model: keras.Model, target: Path) -> str:
    """Write ``model`` to a temporary ``.keras`` file beside ``target``; return its name.

    Raises :class:`TrainError` naming ``target`` (the temporary file is removed).
    """
    folder = target.parent if str(target.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=".tmp.keras", dir=folder)
        os.close(fd)
    except OSError as err:
        raise TrainError(f"cannot write the model to {target}: {err.strerror or err}") from err
    try:
        model.save(tmp)
    except OSError as err:
        os.unlink(tmp)
        kept = " (the previous file there is kept intact)" if target.exists() else ""
        raise TrainError(f"could not save the model to {target}: {err.strerror or err}{kept}") from err
    except BaseException:
        os.unlink(tmp)
        raise
    return tmp


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
    tmp = _save_to_temp(model, target)
    try:
        os.replace(tmp, target)
    except OSError as err:
        raise TrainError(f"could not save the model to {target}: {err.strerror or err}") from err
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target


def save_checkpoint(model: keras.Model, state: dict, folder: Path) -> None:
    """Write ``folder/model.keras`` and ``folder/state.json`` so they always agree.

    Both are first written in full to temporary files; only then are they
    renamed into place (renames need no disk space and cannot half-happen).
    If either write fails, the previous checkpoint stays as it was and a
    :class:`TrainError` names the file that could not be written.
    """
    model_path, state_path = folder / "model.keras", folder / "state.json"
    tmp_model = _save_to_temp(model, model_path)
    tmp_state = None
    try:
        fd, tmp_state = tempfile.mkstemp(prefix=".state.", suffix=".json", dir=folder)
        with os.fdopen(fd, "w") as fh:
            json.dump(state, fh, indent=1)
        os.replace(tmp_model, model_path)
        os.replace(tmp_state, state_path)
    except OSError as err:
        raise TrainError(f"could not write the checkpoint {state_path}: {err.strerror or err} "
                         "(the previous checkpoint is kept)") from err
    finally:
        for tmp in (tmp_model, tmp_state):
            if tmp and os.path.exists(tmp):
                os.unlink(tmp)


def check_tensorboard() -> None:
    """Raise :class:`TrainError` up front when TensorBoard logs cannot be written."""
    try:
        import tensorboard  # noqa: F401
    except ImportError:
        raise TrainError("log_dir needs the 'tensorboard' package, which is not installed: "
                         "pip install tensorboard (or train without log_dir / --log-dir)") from None


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


def learning_rate_schedule(recipe: str, lr: float, steps_per_epoch: int, epochs: int):
    """The learning rate of ``recipe``: a number, or a Keras schedule (step -> rate).

    ``article``: ``lr`` at every step. ``improved``: ``lr`` is the base rate;
    it rises linearly over the first epoch to ``PEAK_FACTOR * lr``, then falls
    along a cosine to 0 at the last step.
    """
    if recipe == "article":
        return lr
    total = steps_per_epoch * epochs
    warmup = min(steps_per_epoch, max(total - 1, 0))
    return keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=lr, decay_steps=max(total - warmup, 1), alpha=0.0,
        warmup_target=lr * PEAK_FACTOR, warmup_steps=warmup)


def _compile(model: keras.Model, recipe: str, lr: float, steps_per_epoch: int, epochs: int) -> None:
    if recipe == "article":
        optimizer = keras.optimizers.Adam(learning_rate=lr)
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        metric = keras.metrics.SparseCategoricalAccuracy(name="accuracy")
    else:
        schedule = learning_rate_schedule(recipe, lr, steps_per_epoch, epochs)
        optimizer = keras.optimizers.AdamW(learning_rate=schedule,
                                           weight_decay=IMPROVED["weight_decay"])
        loss = keras.losses.CategoricalCrossentropy(
            from_logits=True, label_smoothing=IMPROVED["label_smoothing"])
        metric = keras.metrics.CategoricalAccuracy(name="accuracy")
    model.compile(optimizer=optimizer, loss=loss, metrics=[metric], **COMPILE_OPTIONS)


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
    validation_split: float = 0.1,
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
        validation_split: fraction of the training digits held out (chosen by
            ``seed``, the same share of every digit class) to monitor each
            epoch: the printed lines, ``history`` and TensorBoard's
            "validation" run. 0: no validation. The test digits are scored
            once, after the last epoch (``TrainResult.test_accuracy``).

    Returns:
        :class:`TrainResult`.
    """
    lr = DEFAULT_LR if lr is None else lr
    _check_args(arch, recipe, epochs, batch_size, lr, seed)
    check_validation_split(validation_split)
    if resume and out is None:
        raise ValueError("resume=True needs out=PATH.keras: checkpoints live beside it")
    target = check_writable(out) if out is not None else None
    if log_dir is not None:
        check_tensorboard()
    mnist = _load_data(data, verbose, printer)
    precision = pick_precision(precision)
    strategy = strategy or pick_strategy()
    setup = describe_setup(precision, strategy)

    x_fit, y_fit, x_val, y_val = split_validation(*check_digits_and_labels(mnist.x_train,
                                                                           mnist.y_train),
                                                  validation_split, seed)
    if verbose and len(x_val):
        printer(f"Validation: {len(x_val):,} of the {len(mnist.x_train):,} training digits "
                f"held out (seed {seed}); training on {len(x_fit):,}")
    keras.utils.set_random_seed(seed)
    steps = math.ceil(len(x_fit) / batch_size)
    config = {"arch": arch, "recipe": recipe, "epochs": epochs, "batch_size": batch_size,
              "lr": lr, "seed": seed, "data": mnist.name,
              "validation_split": float(validation_split)}
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

    val_ds = (make_dataset(x_val, y_val, 500, shuffle=False, one_hot=recipe == "improved")
              if len(x_val) else None)
    callbacks = [keras.callbacks.TensorBoard(log_dir=str(log_dir))] if log_dir else []
    if ckpt is not None:
        ckpt.mkdir(exist_ok=True)
    timed = {"images": 0, "seconds": 0.0}

    def end_of_epoch(epoch: int, logs: dict, took: float) -> None:
        if epoch > start or epochs - start == 1:  # the first epoch includes tracing
            timed["images"] += len(x_fit)
            timed["seconds"] += took
        log = EpochLog(epoch + 1, float(logs["loss"]), float(logs.get("val_loss", math.nan)),
                       float(logs.get("val_accuracy", math.nan)), took)
        history.append(log)
        if ckpt is not None:  # before the epoch line: a printed epoch is a saved epoch
            save_checkpoint(model, {"config": config, "history": [asdict(h) for h in history]}, ckpt)
        if verbose:
            printer(epoch_line(log))

    if start < epochs:
        improved = recipe == "improved"
        train_ds = make_training_dataset(
            x_fit, y_fit, batch_size, seed=seed, first_epoch=start, epochs=epochs,
            augment=improved, one_hot=improved, copies=IMPROVED["copies"] if improved else 1)
        model.fit(train_ds, validation_data=val_ds, epochs=epochs, initial_epoch=start,
                  steps_per_epoch=steps, verbose=0, shuffle=False,
                  callbacks=callbacks + ([ProgressBar(epochs, steps)] if verbose == 1 else [])
                  + [_EpochEnd(end_of_epoch)])
    images, seconds = timed["images"], timed["seconds"]
    if target is not None:
        save_atomic(model, target)
        shutil.rmtree(ckpt, ignore_errors=True)
    test_accuracy = evaluate_accuracy(model, mnist.x_test, mnist.y_test)  # once, at the end
    if verbose:
        printer(f"Test accuracy: {test_accuracy:.3f} ({len(mnist.x_test):,} test digits, "
                "scored once after training)")
    return TrainResult(model=model, history=history, test_accuracy=test_accuracy,
                       data_name=mnist.name, setup=setup,
                       images_per_second=images / seconds if seconds else 0.0,
                       n_validation=len(x_val))


def epoch_line(log: EpochLog) -> str:
    """The line printed after each epoch, e.g.
    ``Epoch: 3 cost = 0.123  validation accuracy: 0.975`` (no accuracy without validation)."""
    line = f"Epoch: {log.epoch} cost = {log.cost:.3f}"
    if not math.isnan(log.val_accuracy):
        line += f"  validation accuracy: {log.val_accuracy:.3f}"
    return line


def check_validation_split(fraction) -> float:
    """``fraction`` if it is a number with ``0 <= fraction < 1``, else a ``ValueError`` naming it."""
    if (isinstance(fraction, (bool, np.bool_))
            or not isinstance(fraction, (int, float, np.integer, np.floating))
            or not math.isfinite(fraction) or not 0 <= fraction < 1):
        raise ValueError("validation_split must be a fraction 0 <= f < 1 of the training "
                         f"digits (e.g. 0.1), got {fraction!r}")
    return float(fraction)


def validation_indices(labels: np.ndarray, fraction: float, seed: int) -> np.ndarray:
    """Sorted indices ``(M,)`` of the training digits held out for validation.

    The same share ``fraction`` of every digit class (rounded per class),
    picked by a permutation seeded with ``seed``: the same seed always holds
    out the same digits.
    """
    labels = np.asarray(labels)
    order = np.random.default_rng(seed).permutation(len(labels))
    picked = [members[:int(round(fraction * len(members)))]
              for c in np.unique(labels) for members in [order[labels[order] == c]]]
    return np.sort(np.concatenate(picked)) if picked else np.zeros(0, np.int64)


def split_validation(x: np.ndarray, y: np.ndarray, fraction: float, seed: int):
    """``(x_fit, y_fit, x_val, y_val)``: the training digits ``x (N, 28, 28)``, ``y (N,)``
    split by :func:`validation_indices`; ``fraction = 0`` gives empty validation arrays."""
    check_validation_split(fraction)
    held = np.zeros(len(y), bool)
    held[validation_indices(y, fraction, seed)] = True
    if fraction > 0 and not held.any():
        raise ValueError(f"validation_split={fraction!r} of {len(y)} training digits holds "
                         "out none: use a larger fraction, or 0 for no validation")
    if held.all():
        raise ValueError(f"validation_split={fraction!r} of {len(y)} training digits leaves "
                         "none to train on: use a smaller fraction")
    return x[~held], y[~held], x[held], y[held]


def evaluate_accuracy(model: keras.Model, x: np.ndarray, y: np.ndarray) -> float:
    """Fraction of digits ``x (N, 28, 28)`` whose predicted class equals ``y (N,)``.

    The one implementation is :func:`cnnlib.evaluate.accuracy`; this name stays for old code.
    """
    from .evaluate import accuracy

    return accuracy(model, x, y)


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


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a fraction such as 0.1, got {text!r}") from None
    if not math.isfinite(value) or not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"expected a fraction 0 <= f < 1, got {text!r}")
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
                   help="learning rate (default 1e-4). For --recipe improved it is the base rate: "
                        f"warm-up over the first epoch to {PEAK_FACTOR:g} x LR, then a cosine decay to 0")
    p.add_argument("--data", choices=cdata.SOURCES, default="auto")
    p.add_argument("--recipe", choices=RECIPES, default="article")
    p.add_argument("--out", required=True, help="where to save the model (PATH.keras)")
    p.add_argument("--resume", action="store_true",
                   help="continue from the checkpoint of an interrupted run with the same --out")
    p.add_argument("--seed", type=_seed, default=0)
    p.add_argument("--precision", choices=PRECISIONS, default="auto")
    p.add_argument("--log-dir", default=None, help="write TensorBoard logs here")
    p.add_argument("--validation-split", type=_fraction, default=0.1,
                   help="share of the training digits held out to monitor each epoch "
                        "(default 0.1; 0 = none). The test digits are scored once, at the end")
    p.add_argument("--quiet", action="store_true", help="one line per epoch, no progress bar")
    return p


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        result = train(arch=args.arch, recipe=args.recipe, epochs=args.epochs,
                       batch_size=args.batch_size, lr=args.lr, data=args.data, out=args.out,
                       resume=args.resume, seed=args.seed, verbose=2 if args.quiet else 1,
                       precision=args.precision, log_dir=args.log_dir,
                       validation_split=args.validation_split)
    except (TrainError, cdata.DatasetError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"Trained on: {result.data_name}")
    print(f"Setup: {result.setup}; {result.images_per_second:,.0f} images/s")
    print(f"Saved {args.out} (test accuracy {result.test_accuracy:.4f}, scored once at the end)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
