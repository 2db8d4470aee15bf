"""Bad input to cnnlib.serve's public API gets a clear error naming the value
(see tests/clear_errors.py), before any socket is bound."""

from __future__ import annotations

import pytest

from cnnlib import serve
from tests.clear_errors import assert_clear_error

BAD_INPUT = {
    "make_server-port": (
        lambda m: serve.make_server(m, port=-5),
        ValueError,
        r"got -5",
    ),
    "make_server-batch": (
        lambda m: serve.make_server(m, max_batch=0),
        ValueError,
        r"max_batch.*got 0",
    ),
    "make_server-http": (
        lambda m: serve.make_server(m, http="h3"),
        ValueError,
        r"got 'h3'",
    ),
}


@pytest.mark.parametrize("case", BAD_INPUT)
def test_bad_input_gets_a_clear_error(case, ridge_model):
    call, error, match = BAD_INPUT[case]
    assert_clear_error(lambda: call(ridge_model), error, match)
