"""Training speed: cnnlib.training.train against the plain Keras ``fit`` a reader
would write.

Both train article 001's ``large`` network (32/64/1000) with Adam 1e-4 and
batch 50 on the same real MNIST digits for the same number of steps, in this
one process, taking turns (plain, cnnlib, plain, cnnlib, ...) so that other
load on the machine hits both alike. The first epoch of every run is not
timed (it includes tracing and compiling). Prints the precision cnnlib trained
in, images/s of both and their ratio. Targets (issue 21): a ratio >= 2.0 on a
CPU with bfloat16 (AVX512-BF16 or AMX; cnnlib trains in mixed_bfloat16), and
>= 1.0 in portable mode (``portable-run``: CNNLIB_PRECISION=float32 and oneDNN
limited to AVX2, so both train in float32).

    python bench/train_speed.py  # 60 steps per epoch, 2 timed epochs, 2 rounds
    python bench/train_speed.py --steps 30 --rounds 1
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from cnnlib import data as cdata
from cnnlib import training as ctrain
from cnnlib.core.tf import keras

VALIDATION_SPLIT = 0.1


class _EpochTimer(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.seconds: list[float] = []

    def on_epoch_begin(self, epoch, logs=None):
        self._t0 = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._t0)


def plain_keras_model() -> keras.Model:
    """Article 001's network as a reader would type it from the Keras docs."""
    return keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            keras.layers.Conv2D(32, 5, padding="same", activation="relu"),
            keras.layers.MaxPooling2D(2, 2, padding="same"),
            keras.layers.Conv2D(64, 5, padding="same", activation="relu"),
            keras.layers.MaxPooling2D(2, 2, padding="same"),
            keras.layers.Flatten(),
            keras.layers.Dense(1000, activation="relu"),
            keras.layers.Dense(10),
        ]
    )


def plain_fit(
    x: np.ndarray,
    y: np.ndarray,
    xt: np.ndarray,
    yt: np.ndarray,
    batch_size: int,
    epochs: int,
) -> float:
    """images/s of ``model.fit`` on NumPy arrays (float32, epochs after the first)."""
    keras.utils.set_random_seed(0)
    model = plain_keras_model()
    model.compile(
        optimizer=keras.optimizers.Adam(1e-4),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    timer = _EpochTimer()
    model.fit(
        cdata.scale_pixels(x)[..., None],
        y,
        batch_size=batch_size,
        epochs=epochs,
        validation_data=(cdata.scale_pixels(xt)[..., None], yt),
        callbacks=[timer],
        verbose=0,
    )
    return len(x) * (epochs - 1) / sum(timer.seconds[1:])


def cnnlib_fit(
    mnist: cdata.MnistData, batch_size: int, epochs: int
) -> tuple[float, str]:
    """images/s of :func:`cnnlib.training.train` (epochs after the first) and its
    setup."""
    result = ctrain.train(
        "large",
        "article",
        epochs=epochs,
        batch_size=batch_size,
        lr=1e-4,
        data=mnist,
        verbose=0,
        seed=0,
        validation_split=VALIDATION_SPLIT,
    )
    return result.images_per_second, result.setup


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--steps",
        type=int,
        default=60,
        help="steps x batch size digits are used; 10%% of them validate",
    )
    p.add_argument(
        "--epochs", type=int, default=3, help="epochs per run (the first is not timed)"
    )
    p.add_argument("--rounds", type=int, default=2, help="plain/cnnlib turns")
    p.add_argument("--batch-size", type=int, default=50)
    args = p.parse_args(argv)
    if args.epochs < 2 or args.steps < 1 or args.rounds < 1:
        p.error(
            f"need --epochs >= 2, --steps >= 1, --rounds >= 1; got "
            f"{args.epochs}, {args.steps}, {args.rounds}"
        )

    full = cdata.load_mnist("auto", verbose=True)
    n = args.steps * args.batch_size
    if n > len(full.x_train):
        p.error(
            f"--steps {args.steps} x --batch-size {args.batch_size} = {n} digits, "
            f"but the training set has {len(full.x_train)}"
        )
    mnist = cdata.MnistData(
        full.x_train[:n],
        full.y_train[:n],
        full.x_test[:500],
        full.y_test[:500],
        source=full.source,
        name=full.name,
    )
    # both validate each epoch on the same 10% of these digits (cnnlib's split, seed 0)
    x_fit, y_fit, x_val, y_val = ctrain.split_validation(
        mnist.x_train, mnist.y_train, VALIDATION_SPLIT, seed=0
    )
    print(
        f"large network, {len(x_fit)} training digits ({len(x_val)} more for "
        f"validation), batch {args.batch_size}, {args.epochs - 1} timed epochs, "
        f"{args.rounds} round(s)"
    )
    plain, ours = [], []
    for r in range(args.rounds):
        plain.append(
            plain_fit(x_fit, y_fit, x_val, y_val, args.batch_size, args.epochs)
        )
        speed, setup = cnnlib_fit(mnist, args.batch_size, args.epochs)
        ours.append(speed)
        print(
            f"round {r + 1}: plain Keras fit {plain[-1]:7.0f} images/s | "
            f"cnnlib.training {ours[-1]:7.0f} images/s | "
            f"ratio {ours[-1] / plain[-1]:.2f}"
        )
    p_med, o_med = float(np.median(plain)), float(np.median(ours))
    precision = ctrain.pick_precision("auto")
    target = 2.0 if precision == "mixed_bfloat16" else 1.0
    print(f"cnnlib setup: {setup}")
    print(f"cnnlib precision: {precision} (plain Keras: float32)")
    print(f"plain Keras fit (float32, NumPy arrays): {p_med:.0f} images/s (median)")
    print(f"cnnlib.training ({precision}): {o_med:.0f} images/s (median)")
    print(
        f"ratio cnnlib / plain: {o_med / p_med:.2f} (target >= {target:.1f} "
        f"with cnnlib in {precision})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
