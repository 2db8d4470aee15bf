"""The input pipeline: checked digits, the validation split, augmentation, tf.data.

    split_validation(x, y, 0.1, seed)     training digits -> fit and validation parts
    make_training_dataset(x, y, 50, ...)  every epoch's batches as one tf.data stream
    make_eval_dataset(x, y, 500)          batches in order, for validation
    random_affine(images, key)            random shift/rotate/zoom, stateless

Everything random here is *stateless*, keyed by the seed, the epoch and the
batch number, so a run repeats exactly and a resumed run sees the same
batches, augmented the same way, as an uninterrupted one.
"""

from __future__ import annotations

from typing import Union

import numpy as np

from ..core import checks
from ..core.tf import keras, tf
from . import recipes


def check_digits_and_labels(x, y) -> tuple[np.ndarray, np.ndarray]:
    """Check raw digits ``x (N, 28, 28)`` or ``(N, 28, 28, 1)`` and labels ``y (N,)``.

    Returns:
        ``(N, 28, 28, 1)`` float32 pixels 0..255 and ``(N,)`` int32 labels 0..9.

    Raises:
        ValueError/TypeError naming what is wrong: empty, wrong shape, NaN or
        out-of-range pixels, labels outside 0..9, different numbers of each.
    """
    shape = np.shape(x)
    if len(shape) == 4 and shape[-1] == 1:  # (N, 28, 28, 1): one channel
        x = np.reshape(x, shape[:3])
    images = checks.pixel_array("digits", x, shape=("N", 28, 28))
    labels = checks.label_array("labels", y, n=len(images))
    return images.reshape(-1, 28, 28, 1), labels.astype(np.int32)


def check_validation_split(fraction) -> float:
    """``fraction`` as a float if ``0 <= fraction < 1``, else a ``ValueError`` naming
    it."""
    return checks.number_in(
        fraction,
        "validation_split",
        0,
        1,
        high_open=True,
        example="0.1 of the training digits",
    )


def validation_indices(labels: np.ndarray, fraction: float, seed: int) -> np.ndarray:
    """Sorted indices ``(M,)`` of the training digits held out for validation.

    The same share ``fraction`` of every digit class (rounded per class),
    picked by a permutation seeded with ``seed``: the same seed always holds
    out the same digits.
    """
    labels = np.asarray(labels)
    order = np.random.default_rng(seed).permutation(len(labels))
    picked = [order[labels[order] == c] for c in np.unique(labels)]
    picked = [members[: int(round(fraction * len(members)))] for members in picked]
    return np.sort(np.concatenate(picked)) if picked else np.zeros(0, np.int64)


def split_validation(x: np.ndarray, y: np.ndarray, fraction: float, seed: int):
    """``(x_fit, y_fit, x_val, y_val)``: digits ``x (N, ...)``, labels ``y (N,)`` split
    by :func:`validation_indices`; ``fraction = 0`` gives empty validation arrays.

    Raises:
        ValueError: ``fraction`` outside ``0 <= f < 1``, or it holds out no
            digit (fraction > 0) or every digit.
    """
    check_validation_split(fraction)
    x, y = np.asarray(x), np.asarray(y)
    held = np.zeros(len(y), bool)
    held[validation_indices(y, fraction, seed)] = True
    if fraction > 0 and not held.any():
        raise ValueError(
            f"validation_split={fraction!r} of {len(y)} training digits holds "
            "out none: use a larger fraction, or 0 for no validation"
        )
    if held.all():
        raise ValueError(
            f"validation_split={fraction!r} of {len(y)} training digits leaves "
            "none to train on: use a smaller fraction"
        )
    return x[~held], y[~held], x[held], y[held]


def random_affine(
    images, key, shift: float = 0.1, rotate_degrees: float = 10.0, zoom: float = 0.1
) -> tf.Tensor:
    """Randomly shift, rotate and zoom each digit of ``images (B, 28, 28, 1)``.

    Each digit gets its own transform: a shift of up to ``shift`` x 28 pixels
    each way, a rotation of up to +-``rotate_degrees`` about the centre and a
    zoom of up to +-``zoom``; the border fills with 0 (background). The draws
    are *stateless*, keyed by ``key`` (two integers): the same key always
    gives the same digits. Runs inside ``tf.data`` and other graphs.

    Returns:
        ``(B, 28, 28, 1)`` float32.
    """
    images = tf.convert_to_tensor(images, tf.float32)
    n = tf.shape(images)[0]
    u = tf.random.stateless_uniform(
        [n, 4], seed=tf.cast(key, tf.int64), minval=-1.0, maxval=1.0
    )
    angle = u[:, 0] * (rotate_degrees * np.pi / 180.0)
    scale = 1.0 + u[:, 1] * zoom
    tx, ty = u[:, 2] * shift * 28.0, u[:, 3] * shift * 28.0
    c = 13.5  # centre of a 28x28 image
    # The transform maps each *output* pixel (x, y) to the input point
    # (a0 x + a1 y + a2, b0 x + b1 y + b2): the inverse of rotate-zoom-shift.
    cos, sin = tf.cos(angle) / scale, tf.sin(angle) / scale
    a0, a1, b0, b1 = cos, sin, -sin, cos
    a2 = c - a0 * (c + tx) - a1 * (c + ty)
    b2 = c - b0 * (c + tx) - b1 * (c + ty)
    zeros = tf.zeros_like(a0)
    transform = tf.stack([a0, a1, a2, b0, b1, b2, zeros, zeros], axis=1)
    return keras.ops.image.affine_transform(
        images,
        transform,
        interpolation="bilinear",
        fill_mode="constant",
        fill_value=0.0,
        data_format="channels_last",
    )


def augment_batch(images, labels, key, augmentation: recipes.Augmentation):
    """``augmentation.copies`` differently transformed copies of a batch, stacked.

    Args:
        images: ``(B, 28, 28, 1)``; labels: ``(B,)`` or ``(B, 10)``; key: two integers.

    Returns:
        ``(copies * B, 28, 28, 1)`` images and their labels.
    """
    if augmentation.copies > 1:
        images = tf.concat([images] * augmentation.copies, 0)
        labels = tf.concat([labels] * augmentation.copies, 0)
    return random_affine(
        images, key, augmentation.shift, augmentation.rotate_degrees, augmentation.zoom
    ), labels


def epoch_order(n: int, seed: int, epoch) -> tf.Tensor:
    """The order ``(n,)`` int64 in which epoch ``epoch`` visits ``n`` digits.

    A stateless shuffle of ``0..n-1`` keyed by ``(seed, epoch)``: the same
    seed and epoch always give the same order, so a resumed run sees the same
    batches as an uninterrupted one would have.
    """
    key = tf.stack([tf.cast(seed, tf.int64), tf.cast(epoch, tf.int64)])
    return tf.random.experimental.stateless_shuffle(
        tf.range(n, dtype=tf.int64), seed=key
    )


def make_training_dataset(
    x: np.ndarray,
    y: np.ndarray,
    batch_size: int,
    *,
    seed: int = 0,
    first_epoch: int = 0,
    epochs: int = 1,
    augment: Union[bool, recipes.Augmentation, None] = None,
    one_hot: bool = False,
) -> tf.data.Dataset:
    """All training batches of epochs ``first_epoch .. epochs-1`` as one stream.

    One ``model.fit`` call reads it with ``steps_per_epoch = ceil(N / batch_size)``:
    the digits become one tensor once, each epoch's order comes from
    :func:`epoch_order`, and batches are gathered, augmented (``augment``: an
    :class:`Augmentation`, or True for the default one) with a key unique to
    ``(seed, global batch number)``, and prefetched inside ``tf.data``.

    Returns:
        Batches of ``(digits (B, 28, 28, 1) float32 0..255, labels (B,) or (B, 10))``.
    """
    images, labels = check_digits_and_labels(x, y)
    checks.int_in(batch_size, "batch_size", 1)
    if not 0 <= first_epoch < epochs:
        raise ValueError(
            f"need 0 <= first_epoch < epochs, got {first_epoch} and {epochs}"
        )
    augmentation = recipes.Augmentation() if augment is True else (augment or None)
    n = len(images)
    x_all, y_all = tf.constant(images), tf.constant(labels)
    steps = -(-n // batch_size)

    def one_epoch(e):  # (global batch number, indices)
        batches = tf.data.Dataset.from_tensor_slices(epoch_order(n, seed, e)).batch(
            batch_size
        )
        return batches.enumerate(start=e * steps)

    def gather(i, idx):
        a, b = tf.gather(x_all, idx), tf.gather(y_all, idx)
        b = tf.one_hot(b, 10) if one_hot else b
        if augmentation is None:
            return a, b
        return augment_batch(a, b, tf.stack([tf.cast(seed, tf.int64), i]), augmentation)

    ds = tf.data.Dataset.range(first_epoch, epochs).flat_map(one_epoch)
    ds = ds.map(gather, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return ds.prefetch(tf.data.AUTOTUNE)


def make_eval_dataset(
    x: np.ndarray, y: np.ndarray, batch_size: int = 500, one_hot: bool = False
) -> tf.data.Dataset:
    """Batches of ``(digits (B, 28, 28, 1) float32, labels (B,) or (B, 10))`` in order,
    for validation during ``fit``."""
    images, labels = check_digits_and_labels(x, y)
    checks.int_in(batch_size, "batch_size", 1)
    ds = tf.data.Dataset.from_tensor_slices((images, labels)).batch(batch_size)
    if one_hot:
        ds = ds.map(lambda a, b: (a, tf.one_hot(b, 10)))
    return ds.prefetch(tf.data.AUTOTUNE)
