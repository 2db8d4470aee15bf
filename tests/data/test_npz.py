"""Tests of cnnlib.data.npz: Keras' mnist.npz, cached and downloaded, checksummed.

The real download code (``keras.utils.get_file`` into a temporary folder beside
the cache, then an atomic rename) is pointed at local copies: a ``file://`` URL
and a loopback HTTP server. Corrupted and truncated cache files are made here.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import os
import stat
import threading
from pathlib import Path

import numpy as np
import pytest

from cnnlib import data
from cnnlib.data import npz

from .fakes import dead_url, install_cache, load_quiet


@pytest.fixture()
def http_origin(origin):
    """``origin``'s file served over loopback HTTP: yields its URL, and the paths asked
    for."""
    asked: list[str] = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):  # quiet
            pass

        def do_GET(self):  # noqa: N802  (http.server's name)
            asked.append(self.path)
            super().do_GET()

    handler = functools.partial(Handler, directory=str(origin["path"].parent))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/mnist.npz", asked
    finally:
        server.shutdown()
        server.server_close()


def only_the_cache_file(cache: Path) -> bool:
    """Nothing but mnist.npz in the cache: no staging folder, no temporary file."""
    return sorted(p.name for p in cache.iterdir()) == ["mnist.npz"]


# --------------------------------------------------------------------------
# the download, pointed at local copies
# --------------------------------------------------------------------------
def test_fetch_from_a_file_url_leaves_only_the_verified_file(origin, cache):
    got = data.fetch_mnist(cache, url=origin["url"], sha256=origin["sha256"])
    assert got == cache / "mnist.npz"
    assert data.sha256_of(got) == origin["sha256"]
    assert only_the_cache_file(cache)


def test_download_from_file_url_then_from_cache(origin, cache):
    first, _ = load_quiet(
        "mnist", cache_dir=cache, url=origin["url"], sha256=origin["sha256"]
    )
    assert (cache / "mnist.npz").exists()
    origin["path"].unlink()  # the origin is gone: the cache must serve
    second, lines = load_quiet(
        "mnist", cache_dir=cache, url=origin["url"], sha256=origin["sha256"]
    )
    np.testing.assert_array_equal(first.x_test, second.x_test)
    assert "verified copy" in lines[0]


def test_download_over_loopback_http(origin, cache, http_origin):
    url, asked = http_origin
    result, lines = load_quiet(
        "mnist", cache_dir=cache, url=url, sha256=origin["sha256"], timeout=5
    )
    assert asked == ["/mnist.npz"]  # it really went over HTTP
    assert result.source == "mnist" and "downloaded and verified" in lines[0]
    np.testing.assert_array_equal(
        result.y_test, origin["arrays"]["y_test"].astype(np.int64)
    )
    assert only_the_cache_file(cache)


def test_a_missing_file_on_the_http_server_is_an_offline_error(
    origin, cache, http_origin
):
    url, _ = http_origin
    with pytest.raises(
        data.DatasetError, match=r"could not download .*/gone\.npz"
    ) as info:
        data.fetch_mnist(
            cache,
            url=url.replace("mnist.npz", "gone.npz"),
            sha256=origin["sha256"],
            timeout=5,
        )
    assert info.value.offline
    assert list(cache.iterdir()) == []


def test_download_with_wrong_checksum_is_discarded(origin, cache):
    with pytest.raises(data.DatasetError) as info:
        data.load_mnist(
            "mnist", cache_dir=cache, url=origin["url"], sha256="0" * 64, verbose=False
        )
    message = str(info.value)
    assert (
        f"downloaded {origin['url']} but its SHA-256 does not match {'0' * 64}"
        in message
    )
    assert "the file was discarded" in message
    assert not info.value.offline  # a bad file is not "no network"
    assert not (cache / "mnist.npz").exists()
    assert list(cache.iterdir()) == []  # no partial file or staging folder left behind


def test_a_wrong_download_never_replaces_a_cache_file(origin, cache, tmp_path):
    """A damaged cache stays as it was when the fresh download is wrong too."""
    target = install_cache(origin, cache)
    _corrupt(target)
    damaged = target.read_bytes()
    other = tmp_path / "other.npz"
    other.write_bytes(b"not mnist at all")
    with pytest.raises(data.DatasetError, match="does not match"):
        data.load_mnist(
            "mnist",
            cache_dir=cache,
            url=other.as_uri(),
            sha256=origin["sha256"],
            verbose=False,
        )
    assert target.read_bytes() == damaged
    assert only_the_cache_file(cache)


def test_the_downloaded_file_follows_the_umask(origin, cache):
    saved = os.umask(0o077)
    try:
        got = data.fetch_mnist(cache, url=origin["url"], sha256=origin["sha256"])
    finally:
        os.umask(saved)
    assert stat.S_IMODE(got.stat().st_mode) == 0o600


def test_offline_without_cache_is_a_clear_offline_error(tmp_path, cache):
    with pytest.raises(
        data.DatasetError, match=r"could not download .*does-not-exist\.npz"
    ) as info:
        data.fetch_mnist(cache, url=dead_url(tmp_path))
    assert info.value.offline
    assert list(cache.iterdir()) == []


def test_unwritable_cache_dir_is_a_clear_error(tmp_path, origin):
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("x")
    with pytest.raises(
        data.DatasetError,
        match=f"cannot create the dataset cache folder {blocker / 'sub'}",
    ) as info:
        data.fetch_mnist(blocker / "sub", url=origin["url"], sha256=origin["sha256"])
    assert not info.value.offline


def test_default_cache_dir_is_keras_own(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "kh"))
    assert data.default_cache_dir() == tmp_path / "kh" / "datasets"
    monkeypatch.delenv("KERAS_HOME")
    assert data.default_cache_dir() == Path.home() / ".keras" / "datasets"


def test_sha256_of_reads_the_whole_file(tmp_path):
    f = tmp_path / "big.bin"
    payload = np.random.default_rng(0).bytes(
        3 * (1 << 20) + 17
    )  # over three 1 MiB chunks
    f.write_bytes(payload)
    assert data.sha256_of(f) == hashlib.sha256(payload).hexdigest()


# --------------------------------------------------------------------------
# corrupted and truncated cache files
# --------------------------------------------------------------------------
def _corrupt(path: Path) -> None:
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    path.write_bytes(bytes(raw))


def _truncate(path: Path) -> None:
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 3])


def test_cached_status_says_what_is_wrong(origin, cache):
    target = cache / "mnist.npz"
    assert npz.cached_status(target, origin["sha256"]) == "missing"
    install_cache(origin, cache)
    assert npz.cached_status(target, origin["sha256"]) == "ok"
    _truncate(target)
    status = npz.cached_status(target, origin["sha256"])
    assert (
        status.startswith("corrupt (SHA-256 ")
        and f"{target.stat().st_size:,} bytes" in status
    )
    assert f"expected {origin['sha256'][:12]}..." in status


@pytest.mark.parametrize(
    "damage", [_corrupt, _truncate], ids=["corrupted", "truncated"]
)
def test_damaged_cache_is_refetched_when_online(origin, cache, damage):
    target = install_cache(origin, cache)
    damage(target)
    result, lines = load_quiet(
        "auto", cache_dir=cache, url=origin["url"], sha256=origin["sha256"]
    )
    assert result.source == "mnist"
    assert "corrupt" in lines[0] and "downloaded again" in lines[0]
    assert data.sha256_of(target) == origin["sha256"]
    assert only_the_cache_file(cache)


@pytest.mark.parametrize("source", ["auto", "mnist"])
@pytest.mark.parametrize(
    "damage", [_corrupt, _truncate], ids=["corrupted", "truncated"]
)
def test_damaged_cache_offline_is_an_error_not_training_data(
    origin, cache, tmp_path, source, damage
):
    target = install_cache(origin, cache)
    damage(target)
    before = target.read_bytes()
    with pytest.raises(data.DatasetError) as info:
        data.load_mnist(
            source,
            cache_dir=cache,
            url=dead_url(tmp_path),
            sha256=origin["sha256"],
            verbose=False,
        )
    message = str(info.value)
    assert (
        str(target) in message and "corrupt" in message and "source='sample'" in message
    )
    assert (
        target.read_bytes() == before
    )  # nothing deleted or changed behind the user's back


def test_cache_with_right_hash_but_wrong_content_is_rejected(tmp_path, cache):
    cache.mkdir()
    bad = cache / "mnist.npz"
    np.savez(
        bad,
        x_train=np.zeros((2, 5, 5), np.uint8),
        y_train=np.zeros(2),
        x_test=np.zeros((1, 5, 5), np.uint8),
        y_test=np.zeros(1),
    )
    digest = data.sha256_of(bad)
    with pytest.raises(
        data.DatasetError,
        match=r"x_train has shape \(2, 5, 5\), expected \(N, 28, 28\)",
    ):
        data.load_mnist(
            "mnist",
            cache_dir=cache,
            url=dead_url(tmp_path),
            sha256=digest,
            verbose=False,
        )


def test_read_npz_refuses_a_file_that_is_not_mnist(tmp_path):
    missing_key = tmp_path / "three.npz"
    np.savez(
        missing_key,
        x_train=np.zeros((1, 28, 28), np.uint8),
        y_train=np.zeros(1),
        x_test=np.zeros((1, 28, 28), np.uint8),
    )
    with pytest.raises(
        data.DatasetError, match=rf"{missing_key} is not a readable MNIST file"
    ):
        npz.read_npz(missing_key)
    text = tmp_path / "text.npz"
    text.write_text("hello")
    with pytest.raises(
        data.DatasetError, match=rf"{text} is not a readable MNIST file"
    ):
        npz.read_npz(text)


def test_read_npz_gives_uint8_digits_and_int64_labels(origin):
    x_train, y_train, x_test, y_test = npz.read_npz(origin["path"])
    assert x_train.dtype == x_test.dtype == np.uint8
    assert y_train.dtype == y_test.dtype == np.int64
    np.testing.assert_array_equal(y_train, origin["arrays"]["y_train"])
