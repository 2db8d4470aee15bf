"""Bad input to cnnlib.core's public API gets a clear error.

A "clear" error is a ``TypeError``/``ValueError`` (or a :class:`CnnlibError`)
raised by cnnlib's own code, not a traceback from deep inside NumPy or the
standard library, whose message names the argument and the bad value. Each
package's tests/<package>/test_bad_inputs.py holds its rows of the README's
"bad input to a public cnnlib function" line.
"""

from __future__ import annotations

import numpy as np
import pytest

from cnnlib import core
from tests.clear_errors import assert_clear_error

BAD_INPUT = {
    "int_in-type": (
        lambda: core.int_in("3", "epochs", 1),
        TypeError,
        r"epochs must be a whole number, got '3'",
    ),
    "int_in-range": (
        lambda: core.int_in(11, "k", 1, 10),
        ValueError,
        r"k must be 1\.\.10, got 11",
    ),
    "number_in-nan": (
        lambda: core.number_in(float("nan"), "lr", 0, 1),
        ValueError,
        r"lr must be a finite number, got nan",
    ),
    "number_in-range": (
        lambda: core.number_in(1.5, "dropout", 0, 1, high_open=True),
        ValueError,
        r"dropout must be 0 <= dropout < 1, got 1\.5",
    ),
    "number_in-type": (
        lambda: core.number_in("fast", "lr"),
        TypeError,
        r"lr must be a number, got 'fast'",
    ),
    "one_of": (
        lambda: core.one_of("fp16", "precision", ("float32",)),
        ValueError,
        r"precision must be one of \('float32',\), got 'fp16'",
    ),
    "int_pair-zero": (
        lambda: core.int_pair((3, 0), "size"),
        ValueError,
        r"size must be >= 1, got \(3, 0\)",
    ),
    "int_pair-type": (
        lambda: core.int_pair(2.5, "size"),
        TypeError,
        r"size .* got 2\.5",
    ),
    "finite_array-nan": (
        lambda: core.finite_array([1.0, np.nan], "w"),
        ValueError,
        r"w contains NaN.*nan at index \(1,\)",
    ),
    "finite_array-text": (
        lambda: core.finite_array(["a"], "w"),
        TypeError,
        r"w must hold numbers, got dtype <U1",
    ),
    "pixel_array-range": (
        lambda: core.pixel_array("digits", [0.0, 256.0]),
        ValueError,
        r"digits must be raw pixels in 0\.\.255.*256 at index \(1,\)",
    ),
    "pixel_array-shape": (
        lambda: core.pixel_array("digits", np.zeros((2, 5)), shape=("N", 28, 28)),
        ValueError,
        r"digits must have shape \(N, 28, 28\), got shape \(2, 5\)",
    ),
    "label_array-digit": (
        lambda: core.label_array("y", [3, 12]),
        ValueError,
        r"y must be digits 0\.\.9, got 12 at index \(1,\)",
    ),
    "label_array-count": (
        lambda: core.label_array("y", [3, 1], n=5),
        ValueError,
        r"y: got 5 digits but 2 labels",
    ),
    "path_list-single": (
        lambda: core.path_list("seven.png"),
        TypeError,
        r"paths must be a list of paths, got the single path 'seven\.png'",
    ),
    "public_api-twice": (
        lambda: core.public_api("pkg", {"a": ["x"], "b": ["x"]}),
        ValueError,
        r"'x' is listed under both 'a' and 'b'",
    ),
}


@pytest.mark.parametrize("case", BAD_INPUT)
def test_bad_input_gets_a_clear_error(case):
    assert_clear_error(*BAD_INPUT[case])


def test_every_error_cnnlib_defines_is_a_cnnlib_error():
    """``except CnnlibError`` catches each package's own errors, as core.errors
    promises."""
    from cnnlib import data, digits, results

    for err in (
        data.DatasetError,
        digits.ImageError,
        digits.ImageTooLargeError,
        results.RecordError,
        results.SchemaError,
    ):
        assert issubclass(err, core.CnnlibError), err
    assert issubclass(data.DatasetError, RuntimeError)
    assert issubclass(digits.ImageError, ValueError) and issubclass(
        results.RecordError, ValueError
    )
    assert (
        data.DatasetError("x").offline is False
        and data.DatasetError("x", offline=True).offline
    )
