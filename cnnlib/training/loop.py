"""The training loop: :func:`train` one of the book's networks with a recipe.

    from cnnlib.training import train
    result = train(arch="large", recipe="article", epochs=10, batch_size=50, lr=1e-4)
    result.history[-1].val_accuracy, result.test_accuracy

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

import os
from dataclasses import dataclass, field
from typing import Callable, Optional, Union

from .. import data as cdata
from ..core import checks
from ..core.tf import keras, tf
from ..models import inference, networks
from . import (
    checkpoints,
    errors,
    fastnet,
    hardware,
    optimization,
    pipeline,
    progress,
    recipes,
)


@dataclass
class TrainResult:
    """The trained model and how training went.

    Attributes:
        model: the trained ``keras.Model`` (raw digits -> logits).
        history: one :class:`~cnnlib.training.EpochLog` per epoch, resumed epochs
            included (training cost, validation cost and accuracy).
        test_accuracy: accuracy on the test digits, scored once, after the last epoch
            (NaN with ``score_test=False``).
        data_name: which data it trained on (``MnistData.name``).
        setup: device, precision and strategy used, in words.
        images_per_second: training throughput of the epochs run in this call
            (first epoch excluded when there are several: it includes tracing).
        n_validation: how many training digits were held out for validation.
        from_cache: True when :func:`cnnlib.training.cached_train` loaded it
            instead of training.
    """

    model: keras.Model
    history: list[progress.EpochLog] = field(default_factory=list)
    test_accuracy: float = float("nan")
    data_name: str = ""
    setup: str = ""
    images_per_second: float = 0.0
    n_validation: int = 0
    from_cache: bool = False

    @property
    def val_accuracy(self) -> float:
        """Validation accuracy after the last epoch (NaN without validation)."""
        return self.history[-1].val_accuracy if self.history else float("nan")


def check_log_dir(log_dir: os.PathLike, what: str = "log_dir") -> None:
    """Raise :class:`TrainError` up front when TensorBoard logs cannot go to ``log_dir``
    (named ``what`` in the message: the argument or the flag)."""
    probe = os.path.abspath(os.fspath(log_dir))
    while not os.path.exists(probe):
        probe = os.path.dirname(probe)
    if not os.path.isdir(probe):
        raise errors.TrainError(
            f"{what} {os.fspath(log_dir)!r} cannot be a folder of "
            f"TensorBoard logs: {probe!r} is a file"
        )
    if not os.access(probe, os.W_OK):
        raise errors.TrainError(
            f"{what} {os.fspath(log_dir)!r}: folder {probe!r} is not writable"
        )
    try:
        import tensorboard  # noqa: F401
    except ImportError:
        raise errors.TrainError(
            f"{what} needs the 'tensorboard' package, which is not "
            "installed: pip install tensorboard"
        ) from None


def build_network(
    arch: str,
    *,
    init: str = "he",
    dropout: float = 0.0,
    seed: int = 0,
    dtype: Optional[str] = None,
) -> keras.Model:
    """A new, untrained network ``arch`` (one of ``recipes.ARCHS``): ``"fast"`` from
    :func:`~cnnlib.training.fastnet.build_fast_model` (``init`` ``"keras"`` or
    ``"he"``), the others from :func:`cnnlib.models.build_model`."""
    checks.one_of(arch, "arch", recipes.ARCHS)
    if arch == "fast":
        return fastnet.build_fast_model(
            seed=seed, dtype=dtype, init=init, dropout=dropout
        )
    return networks.build_model(
        arch, init=init, dropout=dropout, seed=seed, dtype=dtype
    )


def _load_data(
    data: Union[str, "cdata.MnistData"], verbose: int, printer
) -> "cdata.MnistData":
    if not isinstance(data, str):
        return data
    return cdata.load_mnist(data, verbose=bool(verbose), printer=printer)


def _resume(
    manager: checkpoints.CheckpointManager, config: dict
) -> Optional[tuple[keras.Model, list]]:
    """The newest checkpoint's model and history, refused if made with other
    settings."""
    loaded = manager.load()
    if loaded is None:
        return None
    model, state = loaded
    changed = {
        k: (state["config"].get(k), v)
        for k, v in config.items()
        if k != "epochs" and state["config"].get(k) != v
    }
    if changed:
        raise errors.ResumeError(manager.folder, changed)
    return model, [progress.EpochLog(**h) for h in state["history"]]


def train(
    arch: Optional[str] = None,
    recipe: Union[str, recipes.Recipe] = "article",
    epochs: Optional[int] = None,
    batch_size: Optional[int] = None,
    lr: Optional[float] = None,
    data: Union[str, "cdata.MnistData"] = "auto",
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
    score_test: bool = True,
) -> TrainResult:
    """Train ``arch`` with ``recipe``; monitor on validation digits; score the test
    digits once.

    Args:
        arch: ``"small"`` (article 000), ``"large"`` (article 001) or ``"fast"``
            (the fast recipe's network); default: the recipe's.
        recipe: ``"article"``, ``"improved"``, ``"fast"`` or a :class:`Recipe`.
        epochs: passes over the training digits (default: the recipe's, 10).
        batch_size: digits per step (default: the recipe's; article 001: 50).
        lr: learning rate (default: the recipe's, 1e-4); for ``improved`` the base rate.
        data: ``"auto"``, ``"mnist"``, ``"sample"`` or an
            :class:`~cnnlib.data.MnistData`.
        out: save the final model here (``.keras``, in float32 whatever the training
            precision, so it runs on any CPU), checkpoints beside it.
        resume: continue from ``OUT.ckpt/`` if it holds finished epochs.
        seed: seeds the validation split, weights, shuffling, augmentation, dropout.
        verbose: 0 silent, 1 progress bar and a line per epoch, 2 lines only.
        precision: ``"auto"`` (``CNNLIB_PRECISION`` if set), ``"float32"`` or
            ``"mixed_bfloat16"``.
        log_dir: write TensorBoard event files here ("train" and "validation" runs).
        strategy: a ``tf.distribute`` strategy (default: ``pick_strategy()``).
        init: initial weights (see :func:`cnnlib.models.build_model`); default: the
            recipe's.
        printer: where the lines go.
        validation_split: fraction ``0 <= f < 1`` of the training digits held out
            to monitor each epoch; 0: no validation.
        score_test: score the test digits after the last epoch; False leaves
            ``test_accuracy`` NaN, for a caller that scores them itself, once,
            after every choice is made (the training-recipes chapter).

    Returns:
        :class:`TrainResult`. Printed (``verbose`` > 0): one line per epoch,
        ``Epoch: N cost = 0.123  validation accuracy: 0.975``, then (with
        ``score_test``) ``Test accuracy: 0.987 (500 test digits, scored once after
        training)``.

    Raises:
        ValueError, TypeError: a bad argument, named. TrainError: ``out`` or
        ``log_dir`` cannot be written, or a checkpoint cannot be resumed.
    """
    recipe = recipes.get_recipe(recipe)
    arch = recipe.arch if arch is None else arch
    checks.one_of(arch, "arch", recipes.ARCHS)
    epochs = checks.int_in(recipe.epochs if epochs is None else epochs, "epochs", 1)
    batch_size = checks.int_in(
        recipe.batch_size if batch_size is None else batch_size, "batch_size", 1
    )
    lr = checks.number_in(
        recipe.lr if lr is None else lr,
        "lr",
        0,
        1,
        low_open=True,
        high_open=True,
        example="1e-4",
    )
    seed = checks.int_in(seed, "seed", 0)
    pipeline.check_validation_split(validation_split)
    if resume and out is None:
        raise ValueError("resume=True needs out=PATH.keras: checkpoints live beside it")
    target = checkpoints.check_writable(out) if out is not None else None
    if log_dir is not None:
        check_log_dir(log_dir)
    mnist = _load_data(data, verbose, printer)
    precision = hardware.pick_precision(precision)
    strategy = strategy or hardware.pick_strategy()

    x_fit, y_fit, x_val, y_val = pipeline.split_validation(
        *pipeline.check_digits_and_labels(mnist.x_train, mnist.y_train),
        validation_split,
        seed,
    )
    if batch_size > len(x_fit):
        raise ValueError(
            f"batch_size={batch_size} is larger than the {len(x_fit):,} digits it "
            f"would train on ({mnist.name}, validation held out): use at most "
            f"{len(x_fit):,}"
        )
    if verbose and len(x_val):
        printer(
            f"Validation: {len(x_val):,} of the {len(mnist.x_train):,} training digits "
            f"held out (seed {seed}); training on {len(x_fit):,}"
        )
    keras.utils.set_random_seed(seed)
    steps = -(-len(x_fit) // batch_size)
    config = {
        "arch": arch,
        "recipe": recipe.name,
        "epochs": epochs,
        "batch_size": batch_size,
        "lr": lr,
        "seed": seed,
        "data": mnist.name,
        "validation_split": float(validation_split),
    }
    manager = (
        checkpoints.CheckpointManager(checkpoints.checkpoint_dir(target))
        if target is not None
        else None
    )
    with strategy.scope():
        resumed = _resume(manager, config) if resume and manager else None
        if resumed:
            model, history = resumed
            if verbose:
                printer(
                    f"Resuming from {manager.latest()}: {len(history)} of {epochs} "
                    "epochs already done"
                )
        else:
            model, history = (
                build_network(
                    arch,
                    init=init or recipe.init,
                    dropout=recipe.dropout,
                    seed=seed,
                    dtype=None if precision == "float32" else precision,
                ),
                [],
            )
            optimization.compile_model(model, recipe, lr, steps, epochs)

    logger = progress.EpochLogger(history, images_per_epoch=len(x_fit))
    callbacks: list = [logger]
    if manager is not None:  # saved before it is printed
        callbacks.append(checkpoints.Checkpointer(manager, config, logger))
    if verbose == 1:
        callbacks.append(progress.ProgressBar(epochs, steps, first_epoch=len(history)))
    if verbose:
        callbacks.append(progress.EpochPrinter(logger, printer))
    if log_dir is not None:
        callbacks.append(keras.callbacks.TensorBoard(log_dir=str(log_dir)))
    if len(history) < epochs:
        train_ds = pipeline.make_training_dataset(
            x_fit,
            y_fit,
            batch_size,
            seed=seed,
            first_epoch=len(history),
            epochs=epochs,
            augment=recipe.augmentation,
            one_hot=recipe.one_hot,
        )
        val_ds = (
            pipeline.make_eval_dataset(x_val, y_val, 500, recipe.one_hot)
            if len(x_val)
            else None
        )
        model.fit(
            train_ds,
            validation_data=val_ds,
            epochs=epochs,
            initial_epoch=len(history),
            steps_per_epoch=steps,
            shuffle=False,
            verbose=0,
            callbacks=callbacks,
        )
    test_accuracy = (
        inference.accuracy(model, mnist.x_test, mnist.y_test)  # once, at the end,
        if score_test  # before saving: the file records it
        else float("nan")
    )
    if target is not None:
        facts = {
            "data": mnist.name,
            "data_source": mnist.source,
            "train_digits": len(x_fit),
            "validation_digits": len(x_val),
            "test_digits": len(mnist.x_test),
            "recipe": recipe.name,
            "recipe_settings": {
                **recipe.settings(),
                **{k: config[k] for k in ("arch", "epochs", "batch_size", "lr")},
                "init": init or recipe.init,
            },
            "arch": arch,
            "seed": seed,
            "precision": precision,
            "epochs": epochs,
            "validation_accuracy": logger.history[-1].val_accuracy,
            "test_accuracy": test_accuracy,
        }
        # The saved file computes in float32: a mixed_bfloat16 file cannot run on a CPU
        # without bfloat16 kernels, and LiteRT/TF.js converters refuse it. Same weights.
        checkpoints.save_atomic(
            networks.float32_copy(model, keep_optimizer=True),
            target,
            facts=facts,
        )
        manager.remove()
    if verbose and score_test:
        printer(
            f"Test accuracy: {test_accuracy:.3f} ({len(mnist.x_test):,} test digits, "
            "scored once after training)"
        )
    return TrainResult(
        model=model,
        history=logger.history,
        test_accuracy=test_accuracy,
        data_name=mnist.name,
        setup=hardware.describe_setup(precision, strategy),
        images_per_second=logger.images_per_second,
        n_validation=len(x_val),
    )
