"""Small, well-formed MNIST files made in the tests (a fake mnist.npz, IDX files)."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import numpy as np

from cnnlib import data

DEAD_URL_NAME = "does-not-exist.npz"


def make_fake_mnist(
    path: Path, n_train: int = 30, n_test: int = 10
) -> dict[str, np.ndarray]:
    """A small mnist.npz with Keras' four arrays (uint8 labels, as Keras stores
    them)."""
    rng = np.random.default_rng(0)
    arrays = {
        "x_train": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "y_train": rng.integers(0, 10, n_train).astype(np.uint8),
        "x_test": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "y_test": rng.integers(0, 10, n_test).astype(np.uint8),
    }
    np.savez(path, **arrays)
    return arrays


def dead_url(folder: Path) -> str:
    """A URL that fails at once, like a machine with no network."""
    return (folder / DEAD_URL_NAME).as_uri()


def load_quiet(source: str, **kw):
    """``load_mnist(source, **kw)`` and the lines it printed."""
    lines: list[str] = []
    result = data.load_mnist(source, printer=lines.append, **kw)
    return result, lines


def idx_bytes(arr: np.ndarray) -> bytes:
    """IDX encoding of a uint8 array: 0, 0, type 0x08, ndim, big-endian sizes, data."""
    arr = np.ascontiguousarray(arr, dtype=np.uint8)
    header = bytes([0, 0, 0x08, arr.ndim]) + np.array(arr.shape, ">u4").tobytes()
    return header + arr.tobytes()


def write_idx_folder(
    folder: Path, n_train: int = 20, n_test: int = 5, gz: bool = False
) -> tuple[dict[str, str], dict[str, np.ndarray]]:
    """Four small, valid IDX files in ``folder``; returns their SHA-256s and arrays."""
    rng = np.random.default_rng(1)
    arrays = {
        "train-images-idx3-ubyte": rng.integers(
            0, 256, (n_train, 28, 28), dtype=np.uint8
        ),
        "train-labels-idx1-ubyte": (np.arange(n_train) % 10).astype(np.uint8),
        "t10k-images-idx3-ubyte": rng.integers(
            0, 256, (n_test, 28, 28), dtype=np.uint8
        ),
        "t10k-labels-idx1-ubyte": (np.arange(n_test) % 10).astype(np.uint8),
    }
    folder.mkdir(parents=True, exist_ok=True)
    sums = {}
    for stem, arr in arrays.items():
        raw = idx_bytes(arr)
        sums[stem] = hashlib.sha256(raw).hexdigest()
        if gz:
            (folder / (stem + ".gz")).write_bytes(gzip.compress(raw))
        else:
            (folder / stem).write_bytes(raw)
    return sums, arrays


def install_cache(origin: dict, cache: Path) -> Path:
    """A good copy of ``origin``'s file as the cached mnist.npz."""
    cache.mkdir(parents=True, exist_ok=True)
    target = cache / "mnist.npz"
    target.write_bytes(origin["path"].read_bytes())
    return target
