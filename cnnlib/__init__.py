"""cnnlib: the small library behind the book *CNNs in TensorFlow*.

Importing :mod:`cnnlib` imports TensorFlow **once, quietly**. TensorFlow's C++
runtime writes start-up lines (oneDNN notices, ``cudart_stub``, ``cuInit``)
straight to file descriptor 2 before Python logging exists, so they cannot be
silenced with ``TF_CPP_MIN_LOG_LEVEL`` alone, and they differ between machines.
We point fd 2 at ``/dev/null`` while TensorFlow loads and runs its first op,
then restore it, so a notebook prints the same thing on every run.

Submodules (import the one you need), in the order the book meets them::

    cnnlib.data        load_mnist(): full MNIST (IDX folder, Keras cache, download)
                       or the 5,000-digit offline sample (idx, mnist_npz: file formats)
    cnnlib.viz         figures of digits, filters and feature maps
    cnnlib.ops         reference conv2d / max_pool2d / output sizes in NumPy
    cnnlib.anim        kernel-free animations (to_jshtml) of a sliding window
    cnnlib.widgets     ipywidgets explorers for a live kernel
    cnnlib.models      the two articles' networks, logits and probabilities
    cnnlib.train       train(): the loop; its parts: hardware (precision, devices),
                       pipeline (tf.data, augmentation), recipes, checkpoints,
                       progress; cli_train is `python -m cnnlib.train`
    cnnlib.evaluate    accuracy, confusion matrix, mistakes
    cnnlib.results     the stored full-MNIST record of bench/full_mnist.py
    cnnlib.digits      preparing any picture the MNIST way (pictures: reading files)
    cnnlib.predict     predictions for picture files (`python -m cnnlib.predict`)
    cnnlib.activations feature maps and filters of a trained network
    cnnlib.export      float32 deployable model, SavedModel, LiteRT (deployable, litert)
    cnnlib.serve       the HTTP prediction service (serve_app, serve_parse, serve_batch)
    cnnlib.webmodel    the small network's weights for the web page's draw-a-digit box
"""
from __future__ import annotations

import contextlib
import os
import sys
from typing import Iterator

from packaging.version import InvalidVersion, Version

__version__ = "0.1.0"

#: Oldest TensorFlow this book is tested against (Keras 3 is required).
MIN_TENSORFLOW = "2.16"


@contextlib.contextmanager
def quiet_stderr() -> Iterator[None]:
    """Send file descriptor 2 to ``/dev/null`` inside the ``with`` block.

    Python's ``sys.stderr`` is flushed first and fd 2 is restored on exit,
    even when the body raises.
    """
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):  # no real fd 2 (rare hosts)
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def check_tensorflow_version(version: str, minimum: str = MIN_TENSORFLOW) -> None:
    """Raise ``ImportError`` naming both versions when ``version`` is older than ``minimum``.

    Versions are compared as PEP 440 versions (``packaging.version``), so a
    pre-release of the minimum (``2.16.0rc0``, ``2.16.0.dev2024``) is older
    than it, while ``2.17.0rc1`` is newer.
    """
    try:
        too_old = Version(version) < Version(minimum)
    except InvalidVersion:
        raise ImportError(f"cnnlib cannot read TensorFlow's version {version!r}; it needs "
                          f"TensorFlow >= {minimum} (with Keras 3)") from None
    if too_old:
        raise ImportError(
            f"cnnlib needs TensorFlow >= {minimum} (with Keras 3), but TensorFlow "
            f"{version} is installed. Upgrade it with: pip install -U 'tensorflow>={minimum}'"
        )


def _import_tensorflow_quietly():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with quiet_stderr():
        try:
            import tensorflow as tf
        except ModuleNotFoundError as err:
            if err.name != "tensorflow":
                raise
            raise ImportError(
                f"cnnlib needs TensorFlow >= {MIN_TENSORFLOW}, and TensorFlow is not installed. "
                f"Install it with: pip install 'tensorflow>={MIN_TENSORFLOW}'"
            ) from None
        check_tensorflow_version(tf.__version__)
        # The first op initialises the devices and prints the rest of the noise.
        tf.constant(0.0) + 1.0
        tf.get_logger().setLevel("ERROR")
    return tf


_import_tensorflow_quietly()
