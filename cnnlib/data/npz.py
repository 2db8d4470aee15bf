"""Full MNIST as Keras' ``mnist.npz``: the cache, the download, the checksum.

The file ``keras.datasets.mnist.load_data()`` uses: downloaded once from
:data:`MNIST_URL` into Keras' own cache (``~/.keras/datasets/mnist.npz``) and
checked against :data:`MNIST_SHA256` on every load. The download itself is
Keras' ``keras.utils.get_file`` (with the checksum), into a temporary folder
beside the cache; the verified file is then renamed into place, so an
interrupted or corrupted download never replaces a cache entry.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import shutil
import socket
import tempfile
from pathlib import Path
from typing import Optional

import numpy as np

from ..core import files
from . import errors

MNIST_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
MNIST_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
MNIST_FILENAME = "mnist.npz"


def default_cache_dir() -> Path:
    """Keras' dataset cache: ``$KERAS_HOME/datasets`` or ``~/.keras/datasets``."""
    home = os.environ.get("KERAS_HOME") or os.path.join(
        os.path.expanduser("~"), ".keras"
    )
    return Path(home) / "datasets"


def sha256_of(path: files.PathLike) -> str:
    """SHA-256 hex digest of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def fetch_mnist(
    cache_dir: Optional[files.PathLike] = None,
    url: str = MNIST_URL,
    sha256: str = MNIST_SHA256,
    timeout: float = 15.0,
) -> Path:
    """Download ``mnist.npz`` into ``cache_dir`` with ``keras.utils.get_file``,
    verified.

    ``url`` may be ``https://``, ``http://`` or ``file://``; ``timeout`` bounds
    each network wait in seconds.

    Returns:
        The path of the verified file in ``cache_dir``.

    Raises:
        DatasetError: the folder cannot be written, the download failed, or the
            checksum did not match (the file is then discarded).
    """
    from ..core.tf import keras  # the download is Keras' own code

    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    try:
        cache.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".mnist-download-", dir=cache))
    except OSError as err:
        raise errors.DatasetError(
            f"cannot create the dataset cache folder {cache}: {err.strerror or err}"
        ) from err
    target = cache / MNIST_FILENAME
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(timeout)  # get_file has no timeout of its own
    try:
        # get_file prints "Downloading data from ..." and a progress bar on stdout:
        # load_mnist prints its one line and nothing else (notebooks store the output)
        with contextlib.redirect_stdout(io.StringIO()):
            got = keras.utils.get_file(
                MNIST_FILENAME,
                url,
                file_hash=sha256,
                cache_dir=str(staging),
                cache_subdir=str(staging),
            )
        with files.atomic_write(target) as tmp:
            shutil.copyfile(got, tmp)
    except ValueError as err:  # get_file: "Incomplete or corrupted file detected"
        raise errors.DatasetError(
            f"downloaded {url} but its SHA-256 does not match "
            f"{sha256}; the file was discarded ({err})"
        ) from None
    except OSError as err:
        raise errors.DatasetError(
            f"cannot write {target}: {err.strerror or err}"
        ) from err
    except Exception as err:  # noqa: BLE001  (get_file raises Exception("URL fetch failure"))
        raise errors.DatasetError(
            f"could not download {url}: {err}", offline=True
        ) from None
    finally:
        socket.setdefaulttimeout(previous)
        shutil.rmtree(staging, ignore_errors=True)
    return target


def read_npz(
    path: files.PathLike,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``x_train (N, 28, 28) uint8, y_train (N,) int64, x_test, y_test`` of an
    ``mnist.npz``.

    Raises:
        DatasetError: not a readable npz, or arrays of the wrong shape; naming ``path``.
    """
    try:
        with np.load(path, allow_pickle=False) as f:
            arrays = [f[k] for k in ("x_train", "y_train", "x_test", "y_test")]
    except (OSError, ValueError, KeyError) as err:
        raise errors.DatasetError(
            f"{path} is not a readable MNIST file: {err}"
        ) from err
    x_train, y_train, x_test, y_test = arrays
    for name, x in (("x_train", x_train), ("x_test", x_test)):
        if x.ndim != 3 or x.shape[1:] != (28, 28):
            raise errors.DatasetError(
                f"{path}: {name} has shape {x.shape}, expected (N, 28, 28)"
            )
    return (
        x_train.astype(np.uint8, copy=False),
        y_train.astype(np.int64),
        x_test.astype(np.uint8, copy=False),
        y_test.astype(np.int64),
    )


def cached_status(path: Path, sha256: str) -> str:
    """``"missing"``, ``"ok"`` or a description of what is wrong with the cached
    file."""
    if not path.exists():
        return "missing"
    got = sha256_of(path)
    if got == sha256:
        return "ok"
    return (
        f"corrupt (SHA-256 {got[:12]}..., {path.stat().st_size:,} bytes; "
        f"expected {sha256[:12]}...)"
    )


def load_full(
    cache_dir: Optional[files.PathLike], url: str, sha256: str, timeout: float
) -> tuple[tuple[np.ndarray, ...], str]:
    """Verified full MNIST from the cache, downloading it when needed.

    Returns:
        ``(arrays, why)``: the four arrays of :func:`read_npz` and a line saying
        where they came from.

    Raises:
        DatasetError: ``offline=True`` when the file was simply not cached and
            could not be downloaded; otherwise naming the damaged file.
    """
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    path = cache / MNIST_FILENAME
    status = cached_status(path, sha256)
    if status == "ok":
        return read_npz(path), f"found a verified copy in {path}"
    try:
        fetched = fetch_mnist(cache, url=url, sha256=sha256, timeout=timeout)
    except errors.DatasetError as err:
        if status == "missing":
            raise
        raise errors.DatasetError(
            f"the cached file {path} is {status}, so it was not used, and it could not "
            f"be downloaded again ({err}). Delete it and retry when online, or pass "
            "source='sample' to use the offline sample."
        ) from err
    why = (
        "downloaded and verified"
        if status == "missing"
        else f"cached copy was {status}; downloaded again"
    )
    return read_npz(fetched), f"{why}: {fetched}"
