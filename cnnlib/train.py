"""Training the book's networks: :func:`train`, and the same as a command line.

    from cnnlib.train import train
    result = train(arch="large", recipe="article", epochs=10, batch_size=50, lr=1e-4)
    result.history[-1].val_accuracy, result.test_accuracy

    python -m cnnlib.train --arch large --recipe article --epochs 10 \\
        --batch-size 50 --lr 1e-4 --data sample --out m.keras

Where each part lives (this module re-exports the names chapters use):

    cnnlib.recipes      the ``article`` and ``improved`` recipes (Recipe), lr schedule, compile
    cnnlib.pipeline     validation split, tf.data input pipeline, augmentation
    cnnlib.hardware     precision (CNNLIB_PRECISION), devices, the setup line
    cnnlib.checkpoints  atomic saving, numbered checkpoints with a pointer, resume
    cnnlib.progress     progress bar, per-epoch lines and EpochLog
    cnnlib.cli_train    the command line

Validation
----------
``validation_split`` (default 0.1) of the training digits, the same share of
each digit class picked by ``seed``, is held out. Per-epoch monitoring (the
printed lines, ``TrainResult.history``, TensorBoard's "validation" run) uses
only these digits; the test digits are scored once, after the last epoch
(``TrainResult.test_accuracy``), so no choice made while training looks at them.

Speed
-----
All epochs run in one ``model.fit`` call fed by one ``tf.data`` pipeline, so
there is no Python work per step or per epoch. On a CPU with bfloat16
(AVX512-BF16 or AMX) the layers compute in bfloat16 with float32 weights
(``mixed_bfloat16``) unless ``CNNLIB_PRECISION=float32``; elsewhere float32.
On several GPUs it trains under ``MirroredStrategy``. ``bench/train_speed.py``
compares it with a plain Keras ``fit``.

Checkpoints
-----------
With ``out``, a numbered checkpoint (model, optimizer and random state, plus
the history) is written after every epoch into ``OUT.ckpt/``, then a pointer
to it, last; a kill at any moment leaves the pointer naming a complete
checkpoint. ``resume=True`` continues from it, and ends with the same weights
as a run that was never interrupted: batches, augmentation and dropout are
keyed by the seed, epoch and step, not by how often the process started.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from typing import Callable, Optional, Union

import numpy as np

from . import data as cdata
from .checkpoints import (CheckpointManager, Checkpointer, TrainError, check_writable,
                          checkpoint_dir, save_atomic)
from .deployable import float32_copy
from .evaluate import accuracy as evaluate_accuracy  # noqa: F401  (old name, one home)
from .hardware import (PRECISION_ENV, PRECISIONS, cpu_supports_bfloat16, describe_setup,
                       pick_precision, pick_strategy)
from .models import build_model, check_arch
from .pipeline import (Augmentation, check_digits_and_labels, check_validation_split,
                       epoch_order, make_eval_dataset, make_training_dataset, random_affine,
                       split_validation, validation_indices)
from .progress import EpochLog, EpochLogger, EpochPrinter, ProgressBar, epoch_line
from .recipes import (ARTICLE, COMPILE_OPTIONS, DEFAULT_LR, RECIPES, Recipe, compile_model,
                      get_recipe, learning_rate_schedule)
from .recipes import IMPROVED as IMPROVED_RECIPE

import tensorflow as tf  # noqa: E402  (imported quietly by cnnlib/__init__)
import keras  # noqa: E402

#: The improved recipe's settings as a dict (the object is ``recipes.IMPROVED``).
IMPROVED = IMPROVED_RECIPE.settings()
#: Improved recipe: the learning rate peaks at ``PEAK_FACTOR`` x ``lr``.
PEAK_FACTOR = IMPROVED_RECIPE.peak_factor

__all__ = [
    "train", "TrainResult", "EpochLog", "TrainError", "main", "build_parser",
    "Recipe", "ARTICLE", "IMPROVED", "IMPROVED_RECIPE", "RECIPES", "PEAK_FACTOR", "DEFAULT_LR",
    "get_recipe", "learning_rate_schedule", "compile_model", "COMPILE_OPTIONS",
    "PRECISIONS", "PRECISION_ENV", "pick_precision", "pick_strategy", "describe_setup",
    "cpu_supports_bfloat16", "make_training_dataset", "make_eval_dataset", "random_affine",
    "Augmentation", "epoch_order", "split_validation", "validation_indices",
    "check_validation_split", "check_digits_and_labels", "save_atomic", "checkpoint_dir",
    "check_writable", "CheckpointManager", "ProgressBar", "epoch_line", "evaluate_accuracy",
]


@dataclass
class TrainResult:
    """The trained model and how training went.

    Attributes:
        model: the trained ``keras.Model`` (raw digits -> logits).
        history: one :class:`EpochLog` per epoch, resumed epochs included
            (training cost, validation cost and accuracy).
        test_accuracy: accuracy on the test digits, scored once, after the last epoch.
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


def _check_args(arch: str, epochs: int, batch_size: int, lr: float, seed: int) -> None:
    check_arch(arch)
    for name, value, low in (("epochs", epochs, 1), ("batch_size", batch_size, 1),
                             ("seed", seed, 0)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise ValueError(f"{name} must be a whole number >= {low}, got {value!r}")
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not math.isfinite(lr) \
            or not 0 < lr < 1:
        raise ValueError(f"lr must be a number between 0 and 1 (e.g. 1e-4), got {lr!r}")


def check_tensorboard() -> None:
    """Raise :class:`TrainError` up front when TensorBoard logs cannot be written."""
    try:
        import tensorboard  # noqa: F401
    except ImportError:
        raise TrainError("log_dir needs the 'tensorboard' package, which is not installed: "
                         "pip install tensorboard (or train without log_dir / --log-dir)") from None


def _load_data(data: Union[str, cdata.MnistData], verbose: int, printer) -> cdata.MnistData:
    if isinstance(data, cdata.MnistData):
        return data
    return cdata.load_mnist(data, verbose=bool(verbose), printer=printer)


def _resume(manager: CheckpointManager, config: dict) -> Optional[tuple[keras.Model, list]]:
    """The newest checkpoint's model and history, refused if made with other settings."""
    loaded = manager.load()
    if loaded is None:
        return None
    model, state = loaded
    changed = {k: (state["config"].get(k), v) for k, v in config.items()
               if k != "epochs" and state["config"].get(k) != v}
    if changed:
        raise TrainError(f"cannot resume {manager.folder}: it was trained with different "
                         "settings " + ", ".join(f"{k}={a!r} (now {b!r})"
                                                 for k, (a, b) in changed.items()))
    return model, [EpochLog(**h) for h in state["history"]]


def train(
    arch: str = "large",
    recipe: Union[str, Recipe] = "article",
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
    """Train ``arch`` with ``recipe``; monitor on validation digits; score the test digits once.

    Args:
        arch: ``"small"`` (article 000) or ``"large"`` (article 001).
        recipe: ``"article"``, ``"improved"`` or a :class:`Recipe`.
        epochs: passes over the training digits.
        batch_size: digits per step (article 001: 50).
        lr: learning rate (``None`` = 1e-4); for ``improved`` the base rate.
        data: ``"auto"``, ``"mnist"``, ``"sample"`` or an :class:`MnistData`.
        out: save the final model here (``.keras``, in float32 whatever the training
            precision, so it runs on any CPU), checkpoints beside it.
        resume: continue from ``OUT.ckpt/`` if it holds finished epochs.
        seed: seeds the validation split, weights, shuffling, augmentation, dropout.
        verbose: 0 silent, 1 progress bar and a line per epoch, 2 lines only.
        precision: ``"auto"`` (``CNNLIB_PRECISION`` if set), ``"float32"`` or
            ``"mixed_bfloat16"``.
        log_dir: write TensorBoard event files here ("train" and "validation" runs).
        strategy: a ``tf.distribute`` strategy (default: :func:`pick_strategy`).
        init: initial weights (see :func:`cnnlib.models.build_model`); default: the recipe's.
        printer: where the lines go.
        validation_split: fraction ``0 <= f < 1`` of the training digits held out
            to monitor each epoch; 0: no validation.

    Returns:
        :class:`TrainResult`. Printed (``verbose`` > 0): one line per epoch,
        ``Epoch: N cost = 0.123  validation accuracy: 0.975``, then
        ``Test accuracy: 0.987 (500 test digits, scored once after training)``.
    """
    lr = DEFAULT_LR if lr is None else lr
    _check_args(arch, epochs, batch_size, lr, seed)
    recipe = get_recipe(recipe)
    check_validation_split(validation_split)
    if resume and out is None:
        raise ValueError("resume=True needs out=PATH.keras: checkpoints live beside it")
    target = check_writable(out) if out is not None else None
    if log_dir is not None:
        check_tensorboard()
    mnist = _load_data(data, verbose, printer)
    precision = pick_precision(precision)
    strategy = strategy or pick_strategy()

    x_fit, y_fit, x_val, y_val = split_validation(
        *check_digits_and_labels(mnist.x_train, mnist.y_train), validation_split, seed)
    if verbose and len(x_val):
        printer(f"Validation: {len(x_val):,} of the {len(mnist.x_train):,} training digits "
                f"held out (seed {seed}); training on {len(x_fit):,}")
    keras.utils.set_random_seed(seed)
    steps = math.ceil(len(x_fit) / batch_size)
    config = {"arch": arch, "recipe": recipe.name, "epochs": epochs, "batch_size": batch_size,
              "lr": lr, "seed": seed, "data": mnist.name,
              "validation_split": float(validation_split)}
    manager = CheckpointManager(checkpoint_dir(target)) if target is not None else None
    with strategy.scope():
        resumed = _resume(manager, config) if resume and manager else None
        if resumed:
            model, history = resumed
            if verbose:
                printer(f"Resuming from {manager.latest()}: {len(history)} of {epochs} "
                        "epochs already done")
        else:
            model, history = build_model(
                arch, init=init or recipe.init, dropout=recipe.dropout, seed=seed,
                dtype=None if precision == "float32" else precision), []
            compile_model(model, recipe, lr, steps, epochs)

    logger = EpochLogger(history, images_per_epoch=len(x_fit))
    callbacks = [logger]
    if manager is not None:
        callbacks.append(Checkpointer(manager, config, logger))  # saved before it is printed
    if verbose:
        callbacks.append(EpochPrinter(logger, printer))
    if verbose == 1:
        callbacks.append(ProgressBar(epochs, steps))
    if log_dir is not None:
        callbacks.append(keras.callbacks.TensorBoard(log_dir=str(log_dir)))
    if len(history) < epochs:
        train_ds = make_training_dataset(
            x_fit, y_fit, batch_size, seed=seed, first_epoch=len(history), epochs=epochs,
            augment=recipe.augmentation, one_hot=recipe.one_hot)
        val_ds = make_eval_dataset(x_val, y_val, 500, recipe.one_hot) if len(x_val) else None
        model.fit(train_ds, validation_data=val_ds, epochs=epochs, initial_epoch=len(history),
                  steps_per_epoch=steps, shuffle=False, verbose=0, callbacks=callbacks)
    if target is not None:
        # The saved file computes in float32: a mixed_bfloat16 file cannot run on a CPU
        # without bfloat16 kernels, and LiteRT/TF.js converters refuse it. Same weights.
        save_atomic(float32_copy(model, keep_optimizer=True), target)
        manager.remove()
    test_accuracy = evaluate_accuracy(model, mnist.x_test, mnist.y_test)  # once, at the end
    if verbose:
        printer(f"Test accuracy: {test_accuracy:.3f} ({len(mnist.x_test):,} test digits, "
                "scored once after training)")
    return TrainResult(model=model, history=logger.history, test_accuracy=test_accuracy,
                       data_name=mnist.name, setup=describe_setup(precision, strategy),
                       images_per_second=logger.images_per_second, n_validation=len(x_val))


from .cli_train import build_parser, main  # noqa: E402  (the command line, re-exported)

if __name__ == "__main__":
    import sys

    sys.exit(main())
