"""Tests of cnnlib.data: the offline sample, the real download code pointed at
local copies (file:// and a loopback HTTP server), and checksum failures on
corrupted and truncated cache files made here."""
from __future__ import annotations

import functools
import hashlib
import http.server
import threading
from pathlib import Path

import numpy as np
import pytest

from cnnlib import data


# --------------------------------------------------------------------------
# helpers: a small, well-formed mnist.npz made in the test
# --------------------------------------------------------------------------
def make_fake_mnist(path: Path, n_train: int = 30, n_test: int = 10) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    arrays = {
        "x_train": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "y_train": rng.integers(0, 10, n_train).astype(np.uint8),
        "x_test": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "y_test": rng.integers(0, 10, n_test).astype(np.uint8),
    }
    np.savez(path, **arrays)
    return arrays


@pytest.fixture()
def origin(tmp_path: Path):
    """A fake mnist.npz to download, its file:// URL and its SHA-256."""
    src = tmp_path / "origin" / "mnist.npz"
    src.parent.mkdir()
    arrays = make_fake_mnist(src)
    digest = hashlib.sha256(src.read_bytes()).hexdigest()
    return {"path": src, "url": src.as_uri(), "sha256": digest, "arrays": arrays}


@pytest.fixture()
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


DEAD_URL_NAME = "does-not-exist.npz"


def dead_url(tmp_path: Path) -> str:
    """A URL that fails at once, like a machine with no network."""
    return (tmp_path / DEAD_URL_NAME).as_uri()


def load_quiet(source: str, **kw):
    lines: list[str] = []
    result = data.load_mnist(source, printer=lines.append, **kw)
    return result, lines


# --------------------------------------------------------------------------
# the sample
# --------------------------------------------------------------------------
def test_sample_split_shapes_and_labels():
    x_tr, y_tr, x_te, y_te = data.load_sample()
    assert x_tr.shape == (4500, 28, 28) and x_te.shape == (500, 28, 28)
    assert x_tr.dtype == np.uint8 and y_tr.dtype == np.int64
    assert set(np.unique(y_tr)) == set(range(10))
    assert np.bincount(y_tr).tolist() == [450] * 10
    assert np.bincount(y_te).tolist() == [50] * 10
    assert y_tr[:10].tolist() == list(range(10))  # documented order
    assert x_tr.max() == 255 and x_tr.min() == 0


def test_sample_train_and_test_do_not_overlap():
    x_tr, _, x_te, _ = data.load_sample()
    train_rows = {row.tobytes() for row in x_tr}
    assert not any(row.tobytes() in train_rows for row in x_te)


def test_sample_source_prints_which_data():
    result, lines = load_quiet("sample")
    assert result.source == "sample"
    assert "5,000" in result.name and "sample" in result.name
    assert len(lines) == 1 and result.name in lines[0]


# --------------------------------------------------------------------------
# auto: offline fallback, said out loud
# --------------------------------------------------------------------------
def test_auto_offline_falls_back_to_sample_with_one_clear_line(tmp_path, cache):
    result, lines = load_quiet("auto", cache_dir=cache, url=dead_url(tmp_path))
    assert result.source == "sample"
    assert len(lines) == 1
    assert "sample" in lines[0] and "could not be downloaded" in lines[0]
    assert DEAD_URL_NAME in result.detail  # the machine-specific reason is kept


def test_auto_line_is_the_same_on_every_machine(tmp_path, cache):
    # The printed line must not contain paths or error texts: notebooks store it.
    _, lines = load_quiet("auto", cache_dir=cache, url=dead_url(tmp_path))
    assert str(tmp_path) not in lines[0]


def test_auto_uses_full_mnist_when_downloadable(origin, cache):
    result, lines = load_quiet("auto", cache_dir=cache, url=origin["url"], sha256=origin["sha256"])
    assert result.source == "mnist" and "full" in result.name
    np.testing.assert_array_equal(result.x_train, origin["arrays"]["x_train"])
    assert result.y_train.dtype == np.int64
    assert "downloaded" in lines[0]


# --------------------------------------------------------------------------
# the real download code, pointed at local copies
# --------------------------------------------------------------------------
def test_mnist_download_from_file_url_then_from_cache(origin, cache):
    first, _ = load_quiet("mnist", cache_dir=cache, url=origin["url"], sha256=origin["sha256"])
    assert (cache / "mnist.npz").exists()
    origin["path"].unlink()  # the origin is gone: the cache must serve
    second, lines = load_quiet("mnist", cache_dir=cache, url=origin["url"], sha256=origin["sha256"])
    np.testing.assert_array_equal(first.x_test, second.x_test)
    assert "verified copy" in lines[0]


def test_mnist_download_over_loopback_http(origin, cache):
    handler = functools.partial(
        http.server.SimpleHTTPRequestHandler, directory=str(origin["path"].parent)
    )
    handler.log_message = lambda *a, **k: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/mnist.npz"
        result, _ = load_quiet("mnist", cache_dir=cache, url=url, sha256=origin["sha256"], timeout=5)
    finally:
        server.shutdown()
        server.server_close()
    assert result.source == "mnist"
    np.testing.assert_array_equal(result.y_test, origin["arrays"]["y_test"].astype(np.int64))


def test_download_with_wrong_checksum_is_discarded(origin, cache):
    with pytest.raises(data.DatasetError, match="SHA-256 is [0-9a-f]{64}, expected 0{64}"):
        data.load_mnist("mnist", cache_dir=cache, url=origin["url"], sha256="0" * 64, verbose=False)
    assert not (cache / "mnist.npz").exists()
    assert list(cache.iterdir()) == []  # no partial file left behind


def test_mnist_offline_without_cache_is_a_clear_error(tmp_path, cache):
    with pytest.raises(data.DatasetError, match=DEAD_URL_NAME):
        data.load_mnist("mnist", cache_dir=cache, url=dead_url(tmp_path), verbose=False)


# --------------------------------------------------------------------------
# corrupted and truncated cache files
# --------------------------------------------------------------------------
def _install_cache(origin, cache: Path) -> Path:
    cache.mkdir(parents=True, exist_ok=True)
    target = cache / "mnist.npz"
    target.write_bytes(origin["path"].read_bytes())
    return target


def _corrupt(path: Path) -> None:
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    path.write_bytes(bytes(raw))


def _truncate(path: Path) -> None:
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 3])


@pytest.mark.parametrize("damage", [_corrupt, _truncate], ids=["corrupted", "truncated"])
def test_damaged_cache_is_refetched_when_online(origin, cache, damage):
    target = _install_cache(origin, cache)
    damage(target)
    result, lines = load_quiet("auto", cache_dir=cache, url=origin["url"], sha256=origin["sha256"])
    assert result.source == "mnist"
    assert "corrupt" in lines[0] and "downloaded again" in lines[0]
    assert data.sha256_of(target) == origin["sha256"]


@pytest.mark.parametrize("source", ["auto", "mnist"])
@pytest.mark.parametrize("damage", [_corrupt, _truncate], ids=["corrupted", "truncated"])
def test_damaged_cache_offline_is_an_error_not_training_data(origin, cache, tmp_path, source, damage):
    target = _install_cache(origin, cache)
    damage(target)
    with pytest.raises(data.DatasetError) as info:
        data.load_mnist(source, cache_dir=cache, url=dead_url(tmp_path),
                        sha256=origin["sha256"], verbose=False)
    message = str(info.value)
    assert str(target) in message and "corrupt" in message and "source='sample'" in message
    assert target.exists()  # nothing deleted behind the user's back


def test_cache_with_right_hash_but_wrong_content_is_rejected(tmp_path, cache):
    cache.mkdir()
    bad = cache / "mnist.npz"
    np.savez(bad, x_train=np.zeros((2, 5, 5), np.uint8), y_train=np.zeros(2),
             x_test=np.zeros((1, 5, 5), np.uint8), y_test=np.zeros(1))
    digest = data.sha256_of(bad)
    with pytest.raises(data.DatasetError, match=r"shape \(2, 5, 5\), expected \(N, 28, 28\)"):
        data.load_mnist("mnist", cache_dir=cache, url=dead_url(tmp_path), sha256=digest, verbose=False)


# --------------------------------------------------------------------------
# bad input, pixel scaling
# --------------------------------------------------------------------------
@pytest.mark.parametrize("bad", ["MNIST", "full", "", None, 3])
def test_unknown_source_names_the_value(bad):
    with pytest.raises(ValueError, match=f"got {bad!r}".replace("(", r"\(").replace(")", r"\)")):
        data.load_mnist(bad, verbose=False)


def test_scale_pixels_maps_0_255_to_0_1():
    x = np.array([[0, 51, 255]], dtype=np.uint8)
    y = data.scale_pixels(x)
    assert y.dtype == np.float32 and y.shape == x.shape
    np.testing.assert_allclose(y, [[0.0, 0.2, 1.0]], rtol=1e-6)


def test_scale_pixels_rejects_non_numbers():
    with pytest.raises(TypeError, match="dtype <U1"):
        data.scale_pixels(np.array(["a", "b"]))


def test_unwritable_cache_dir_is_a_clear_error(tmp_path, origin):
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("x")
    with pytest.raises(data.DatasetError, match="cannot create the dataset cache folder"):
        data.fetch_mnist(blocker / "sub", url=origin["url"], sha256=origin["sha256"])
