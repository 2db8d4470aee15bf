"""Tests of cnnlib.core.checks: the one place cnnlib checks what a caller passed.

Each check returns the value in the form the code needs, or a TypeError (the
wrong kind of thing) / ValueError (the right kind, a bad value) whose message
names the argument and the value.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from cnnlib.core import checks


# --------------------------------------------------------------------------
# int_in
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "value, low, high",
    [(1, 1, None), (5, 1, 5), (np.int64(3), 0, 9), (0, 0, 0), (10**12, 1, None)],
)
def test_int_in_accepts_whole_numbers_in_range(value, low, high):
    got = checks.int_in(value, "epochs", low, high)
    assert got == value and type(got) is int


@pytest.mark.parametrize(
    "value, low, high, error, message",
    [
        (0, 1, None, ValueError, r"epochs must be >= 1, got 0"),
        (-3, 0, None, ValueError, r"epochs must be >= 0, got -3"),
        (6, 1, 5, ValueError, r"epochs must be 1\.\.5, got 6"),
        (0, 1, 5, ValueError, r"epochs must be 1\.\.5, got 0"),
        (1.0, 1, None, TypeError, r"epochs must be a whole number, got 1\.0"),
        (True, 0, None, TypeError, r"epochs must be a whole number, got True"),
        (
            np.bool_(True),
            0,
            None,
            TypeError,
            r"epochs must be a whole number, got .*True",
        ),
        ("3", 1, None, TypeError, r"epochs must be a whole number, got '3'"),
        (None, 1, None, TypeError, r"epochs must be a whole number, got None"),
    ],
)
def test_int_in_refuses_by_name_and_value(value, low, high, error, message):
    with pytest.raises(error, match=message):
        checks.int_in(value, "epochs", low, high)


# --------------------------------------------------------------------------
# number_in
# --------------------------------------------------------------------------
def test_number_in_returns_a_float_and_keeps_the_bounds():
    assert checks.number_in(3, "lr") == 3.0 and type(checks.number_in(3, "lr")) is float
    assert checks.number_in(np.float32(0.5), "lr", 0, 1) == 0.5
    assert checks.number_in(0, "f", 0, 1, high_open=True) == 0.0  # closed low bound
    assert checks.number_in(1, "f", 0, 1) == 1.0  # closed high bound


@pytest.mark.parametrize(
    "value, kw, error, message",
    [
        (
            0.0,
            dict(low=0, high=1, low_open=True, high_open=True, example="1e-4"),
            ValueError,
            r"^lr must be 0 < lr < 1 \(e\.g\. 1e-4\), got 0\.0$",
        ),
        (
            1,
            dict(low=0, high=1, high_open=True),
            ValueError,
            r"^lr must be 0 <= lr < 1, got 1$",
        ),
        (-0.5, dict(low=0), ValueError, r"^lr must be 0 <= lr, got -0\.5$"),
        (2, dict(high=1), ValueError, r"^lr must be lr <= 1, got 2$"),
        (
            float("nan"),
            dict(low=0, high=1),
            ValueError,
            r"^lr must be a finite number, got nan$",
        ),
        (float("inf"), dict(low=0), ValueError, r"lr must be a finite number, got inf"),
        (-np.inf, dict(), ValueError, r"lr must be a finite number, got -inf"),
        (
            "0.1",
            dict(example="1e-4"),
            TypeError,
            r"^lr must be a number \(e\.g\. 1e-4\), got '0\.1'$",
        ),
        (True, dict(), TypeError, r"lr must be a number, got True"),
        (None, dict(), TypeError, r"lr must be a number, got None"),
        ([0.1], dict(), TypeError, r"lr must be a number, got \[0\.1\]"),
    ],
)
def test_number_in_refuses_by_name_and_value(value, kw, error, message):
    with pytest.raises(error, match=message):
        checks.number_in(value, "lr", **kw)


# --------------------------------------------------------------------------
# one_of
# --------------------------------------------------------------------------
def test_one_of_returns_the_value_itself():
    assert checks.one_of("max", "op", ("conv", "max")) == "max"
    assert checks.one_of(None, "dtype", (None, "float32")) is None


@pytest.mark.parametrize(
    "value, message",
    [
        ("sum", r"^op must be one of \('conv', 'max'\), got 'sum'$"),
        ("MAX", r"got 'MAX'"),
        (["max"], r"got \['max'\]"),  # unhashable: refused, not a TypeError from `in`
        ({"max": 1}, r"got \{'max': 1\}"),
        (None, r"got None"),
    ],
)
def test_one_of_names_the_choices_and_the_value(value, message):
    with pytest.raises(ValueError, match=message):
        checks.one_of(value, "op", ["conv", "max"])


# --------------------------------------------------------------------------
# int_pair
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "value, pair",
    [
        (3, (3, 3)),
        ((2, 1), (2, 1)),
        ([1, 4], (1, 4)),
        (np.int32(2), (2, 2)),
        ((np.int64(1), 2), (1, 2)),
    ],
)
def test_int_pair_makes_pairs(value, pair):
    got = checks.int_pair(value, "stride")
    assert got == pair and all(type(v) is int for v in got)


@pytest.mark.parametrize(
    "value, error, message",
    [
        (0, ValueError, r"^stride must be >= 1, got 0$"),
        ((2, 0), ValueError, r"^stride must be >= 1, got \(2, 0\)$"),
        (-1, ValueError, r"got -1"),
        (
            1.5,
            TypeError,
            r"^stride must be a positive int or a pair of them, got 1\.5$",
        ),
        ((1, 2, 3), TypeError, r"got \(1, 2, 3\)"),
        ((1.0, 2), TypeError, r"got \(1\.0, 2\)"),
        (True, TypeError, r"got True"),
        ((True, 1), TypeError, r"got \(True, 1\)"),
        ("2", TypeError, r"got '2'"),
    ],
)
def test_int_pair_refuses_by_name_and_value(value, error, message):
    with pytest.raises(error, match=message):
        checks.int_pair(value, "stride")


# --------------------------------------------------------------------------
# finite_array
# --------------------------------------------------------------------------
def test_finite_array_gives_float64_of_the_same_shape():
    got = checks.finite_array(np.arange(6, dtype=np.uint8).reshape(2, 3), "a", ndim=2)
    assert got.dtype == np.float64 and got.shape == (2, 3) and got[1, 2] == 5.0
    assert checks.finite_array([True, False], "a").tolist() == [1.0, 0.0]


@pytest.mark.parametrize(
    "value, kw, error, message",
    [
        (np.array(["a"]), {}, TypeError, r"^a must hold numbers, got dtype <U1$"),
        ([1, None], {}, TypeError, r"got dtype object"),
        (np.ones(3, complex), {}, TypeError, r"got dtype complex128"),
        (
            np.zeros(3),
            dict(ndim=2, shape_hint="(H, W)"),
            ValueError,
            r"^a must have shape \(H, W\), got shape \(3,\)$",
        ),
        (
            np.zeros(3),
            dict(ndim=2),
            ValueError,
            r"a must have .*2 axes, got shape \(3,\)",
        ),
        (np.zeros((0, 4)), {}, ValueError, r"^a is empty \(shape \(0, 4\)\)$"),
        (
            [[1.0, 2.0], [np.nan, np.inf]],
            {},
            ValueError,
            r"^a contains NaN or infinite values \(2 of 4, the first nan at index "
            r"\(1, 0\)\); expected finite numbers$",
        ),
        (
            np.array(-np.inf),
            {},
            ValueError,
            r"\(1 of 1, the first -inf\)",
        ),  # 0-d: no index
    ],
)
def test_finite_array_refuses_by_name_and_value(value, kw, error, message):
    with pytest.raises(error, match=message):
        checks.finite_array(value, "a", **kw)


# --------------------------------------------------------------------------
# pixel_array: the one check for raw pixels 0..255
# --------------------------------------------------------------------------
def test_pixel_array_accepts_exactly_0_to_255():
    ok = checks.pixel_array("x", np.array([[0, 255]], np.uint8), shape=("N", 2))
    assert ok.dtype == np.float32 and ok.tolist() == [[0.0, 255.0]]
    assert checks.pixel_array("x", [0.5, 254.9], dtype=np.float64).dtype == np.float64
    for bad in (-0.01, 255.01, 1e6, -1e6):
        with pytest.raises(
            ValueError,
            match=rf"x must be raw pixels in 0\.\.255.*"
            rf"{re.escape(f'{bad:g}')} at index \(1,\)",
        ):
            checks.pixel_array("x", [3.0, bad])
    for bad in (np.nan, np.inf):
        with pytest.raises(
            ValueError, match=rf"x contains NaN.*the first {bad} at index \(0, 1\)"
        ):
            checks.pixel_array("x", [[3.0, bad]])
    with pytest.raises(
        TypeError, match=r"x must hold pixel numbers 0\.\.255, got dtype object"
    ):
        checks.pixel_array("x", [1, None])
    with pytest.raises(
        ValueError, match=r"x must have shape \(N, 28, 28\), got shape \(2, 28\)"
    ):
        checks.pixel_array("x", np.zeros((2, 28)), shape=("N", 28, 28))
    with pytest.raises(
        ValueError, match=r"x must have shape \(N, 28, 28\), got shape \(2, 27, 28\)"
    ):
        checks.pixel_array("x", np.zeros((2, 27, 28)), shape=("N", 28, 28))
    with pytest.raises(ValueError, match=r"x must have 2 or 3 axes, got shape \(4,\)"):
        checks.pixel_array("x", np.zeros(4), ndim=(2, 3))
    with pytest.raises(ValueError, match=r"x must have 2 axes, got shape \(4,\)"):
        checks.pixel_array("x", np.zeros(4), ndim=2)
    with pytest.raises(ValueError, match=r"x is empty \(shape \(0, 3\)\)"):
        checks.pixel_array("x", np.zeros((0, 3)))
    assert checks.pixel_array("x", np.zeros((0, 3)), allow_empty=True).shape == (0, 3)


def test_pixel_array_message_gives_the_range_seen():
    with pytest.raises(
        ValueError,
        match=r"got values from 0 to 300 \(the first out of range: "
        r"300 at index \(0, 2\)\)",
    ):
        checks.pixel_array("digits", [[0, 10, 300, 255]])


# --------------------------------------------------------------------------
# label_array
# --------------------------------------------------------------------------
def test_label_array_accepts_digits_and_refuses_the_rest():
    labels = checks.label_array("y", np.array([0.0, 9.0, 4.0]), n=3)
    assert labels.dtype == np.int64 and labels.tolist() == [0, 9, 4]
    assert checks.label_array("y", np.array([3], np.uint8)).dtype == np.int64
    cases = [
        ([0, 10], ValueError, r"y must be digits 0\.\.9, got 10 at index \(1,\)"),
        ([-1, 3], ValueError, r"y must be digits 0\.\.9, got -1 at index \(0,\)"),
        (
            [1.0, 2.5],
            TypeError,
            r"y must be whole numbers 0\.\.9, got 2\.5 at index \(1,\)",
        ),
        ([1.0, np.nan], TypeError, r"got nan at index \(1,\)"),
        ([True, False], TypeError, r"got dtype bool"),
        (["1", "2"], TypeError, r"got dtype <U1"),
        ([[1, 2]], ValueError, r"1-D array of digits 0\.\.9, got shape \(1, 2\)"),
        (5, ValueError, r"got shape \(\)"),
    ]
    for value, error, message in cases:
        with pytest.raises(error, match=message):
            checks.label_array("y", value)
    with pytest.raises(ValueError, match=r"y: got 3 digits but 2 labels"):
        checks.label_array("y", [1, 2], n=3)


# --------------------------------------------------------------------------
# path_list
# --------------------------------------------------------------------------
def test_path_list_takes_any_iterable_of_paths():
    assert checks.path_list(("a.png", Path("b.png"))) == ["a.png", Path("b.png")]
    assert checks.path_list(p for p in ["c.png"]) == ["c.png"]
    assert checks.path_list([]) == []


@pytest.mark.parametrize("single", ["a.png", b"a.png", Path("a.png")])
def test_path_list_refuses_a_single_path_and_says_how(single):
    with pytest.raises(
        TypeError,
        match=rf"files must be a list of paths, got the single path "
        rf"{re.escape(repr(single))}; pass \[{re.escape(repr(single))}\]",
    ):
        checks.path_list(single, "files")
