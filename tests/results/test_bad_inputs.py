"""Bad input to cnnlib.results's public API gets a clear error: a TypeError/ValueError
(a RecordError/SchemaError is a ValueError) raised by cnnlib itself, whose message
names the argument or entry and the bad value (see tests/core/test_bad_inputs.py)."""

from __future__ import annotations

import pytest

from cnnlib import results
from tests.clear_errors import assert_clear_error

from .records import make_record, write
from .tta_records import make_tta


def record():
    return results.check_record(make_record())


BAD_INPUT = {
    "full_mnist_table-dict": (
        lambda tmp: results.full_mnist_table(make_record()),
        TypeError,
        r"record must be a Record .*got dict",
    ),
    "full_mnist_table-article": (
        lambda tmp: results.full_mnist_table(record(), article=[0.9]),
        ValueError,
        r"article must be a mapping .* got \[0\.9\]",
    ),
    "full_mnist_table-article-lengths": (
        lambda tmp: results.full_mnist_table(
            record(), article={"cost": [1, 2], "test_accuracy": [1]}
        ),
        ValueError,
        r"equally long .* got 2 and 1",
    ),
    "time_to_accuracy_table-number": (
        lambda tmp: results.time_to_accuracy_table(3),
        TypeError,
        r"record must be a TimeToAccuracy, a path to its JSON or None, got int",
    ),
    "load_time_to_accuracy-list": (
        lambda tmp: results.load_time_to_accuracy([tmp]),
        TypeError,
        r"path must be a str or Path to the JSON record, got list",
    ),
    "check_time_to_accuracy-empty": (
        lambda tmp: results.check_time_to_accuracy({**make_tta(), "runs": {}}),
        results.RecordError,
        r'"runs" is empty',
    ),
    "check_record-list": (
        lambda tmp: results.check_record([]),
        results.RecordError,
        r"the record must be an object, got list",
    ),
    "check_record-accuracy": (
        lambda tmp: results.check_record(
            {"runs": {"small": {**make_record()["runs"]["small"], "test_accuracy": 7}}}
        ),
        results.RecordError,
        r"test_accuracy must be in 0\.\.1, got 7",
    ),
    "load_record-missing": (
        lambda tmp: results.load_record(tmp / "none.json"),
        results.RecordError,
        r"no full-MNIST results record at .*none\.json",
    ),
    "load_record-not-json": (
        lambda tmp: results.load_record(write(tmp, "[1,")),
        results.RecordError,
        r"full_mnist\.json is not a readable JSON record",
    ),
    "from_json-unknown": (
        lambda tmp: results.from_json(results.Epoch, {"epoch": 1, "when": 2}, "e"),
        results.SchemaError,
        r"e has unknown entries \['when'\]",
    ),
    "Epoch-accuracy": (
        lambda tmp: results.Epoch(1, 0.1, 0.1, 1.5, 1.0),
        ValueError,
        r"val_accuracy of epoch 1 must be in 0\.\.1, got 1\.5",
    ),
    "Repeat-accuracy": (
        lambda tmp: results.Repeat(seed=4, test_accuracy=-0.1),
        ValueError,
        r"seed 4: test_accuracy must be in 0\.\.1, got -0\.1",
    ),
}


@pytest.mark.parametrize("case", BAD_INPUT)
def test_bad_input_gets_a_clear_error(case, tmp_path):
    call, error, match = BAD_INPUT[case]
    assert_clear_error(lambda: call(tmp_path), error, match)
