"""Bad input to cnnlib.data's public API gets a clear error: a TypeError/ValueError
(or a DatasetError) raised by cnnlib itself, whose message names the argument and
the bad value (see tests/core/test_bad_inputs.py)."""

from __future__ import annotations

import numpy as np
import pytest

from cnnlib import data
from tests.clear_errors import assert_clear_error

BAD_INPUT = {
    "scale_pixels-nan": (
        lambda tmp: data.scale_pixels(np.array([np.nan, 1.0])),
        ValueError,
        r"x contains NaN.*nan at index \(0,\)",
    ),
    "scale_pixels-range": (
        lambda tmp: data.scale_pixels(np.array([300.0])),
        ValueError,
        r"x must be raw pixels in 0\.\.255.*300",
    ),
    "scale_pixels-text": (
        lambda tmp: data.scale_pixels(np.array(["7"])),
        TypeError,
        r"dtype <U1",
    ),
    "load_mnist-source": (
        lambda tmp: data.load_mnist("full", verbose=False),
        ValueError,
        r"source must be one of \('auto', 'mnist', 'sample'\), got 'full'",
    ),
    "load_mnist-path-with-sample": (
        lambda tmp: data.load_mnist("sample", path=tmp, verbose=False),
        ValueError,
        r"path='.*' names full-MNIST files",
    ),
    "load_mnist-missing-folder": (
        lambda tmp: data.load_mnist("mnist", path=tmp / "nope", verbose=False),
        data.DatasetError,
        r"nope does not exist",
    ),
    "load_idx_folder-sums": (
        lambda tmp: data.load_idx_folder(tmp, {"x": "0" * 64}),
        ValueError,
        r"idx_sha256 must have exactly the keys .* got \['x'\]",
    ),
    "parse_idx-short": (
        lambda tmp: data.parse_idx(b"\x00", "labels.idx"),
        data.DatasetError,
        r"labels\.idx is 1 bytes long",
    ),
    "find_idx_file-missing": (
        lambda tmp: data.find_idx_file(tmp, "t10k-labels-idx1-ubyte"),
        data.DatasetError,
        r"MNIST file t10k-labels-idx1-ubyte .*is missing",
    ),
}


@pytest.mark.parametrize("case", BAD_INPUT)
def test_bad_input_gets_a_clear_error(case, tmp_path, monkeypatch):
    monkeypatch.delenv(data.MNIST_DIR_ENV, raising=False)
    call, error, match = BAD_INPUT[case]
    assert_clear_error(lambda: call(tmp_path), error, match)
