"""Full MNIST as Keras' ``mnist.npz``: cache, download, checksum.

The file ``keras.datasets.mnist.load_data()`` uses, downloaded once from
:data:`MNIST_URL` into Keras' own cache (``~/.keras/datasets/mnist.npz``) and
checked against :data:`MNIST_SHA256` on every load. Used by
:func:`cnnlib.data.load_mnist`; everything here is also importable from
:mod:`cnnlib.data`.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.error
import urllib.request
from pathlib import Path
from typing import Optional

import numpy as np

from .idx import DatasetError, PathLike

MNIST_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
MNIST_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
MNIST_FILENAME = "mnist.npz"


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

