"""Fixtures of the cnnlib.data tests: a fake mnist.npz to download, a cache folder,
a folder of small IDX files; and no $CNNLIB_MNIST_DIR from the developer's shell."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from cnnlib import data

from .fakes import make_fake_mnist, write_idx_folder


@pytest.fixture(autouse=True)
def no_mnist_dir_env(monkeypatch):
    """Each test starts without $CNNLIB_MNIST_DIR (a developer may have it set)."""
    monkeypatch.delenv(data.MNIST_DIR_ENV, raising=False)


@pytest.fixture()
def origin(tmp_path: Path) -> dict:
    """A fake mnist.npz to download, its file:// URL and its SHA-256."""
    src = tmp_path / "origin" / "mnist.npz"
    src.parent.mkdir()
    arrays = make_fake_mnist(src)
    digest = hashlib.sha256(src.read_bytes()).hexdigest()
    return {"path": src, "url": src.as_uri(), "sha256": digest, "arrays": arrays}


@pytest.fixture()
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


@pytest.fixture()
def idx_folder(tmp_path: Path):
    """``(folder, sha256 by file, arrays by file)`` of four small valid IDX files."""
    folder = tmp_path / "idx"
    sums, arrays = write_idx_folder(folder)
    return folder, sums, arrays
