"""The one definition of a "clear" bad-input error, used by every
tests/<package>/test_bad_inputs.py.

A clear error is a ``TypeError``/``ValueError`` (or a :class:`CnnlibError`)
raised by cnnlib's own code, not a traceback from deep inside NumPy,
TensorFlow or the standard library, whose message names the argument and the
bad value.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable

import pytest

import cnnlib
from cnnlib.core import CnnlibError

CNNLIB = str(Path(cnnlib.__file__).resolve().parent)


def assert_clear_error(call: Callable[[], object], error: type, match: str) -> None:
    """Call ``call()``; it must raise ``error`` from cnnlib with a message matching
    ``match``."""
    with pytest.raises((TypeError, ValueError, CnnlibError)) as info:
        call()
    assert isinstance(info.value, error), f"{type(info.value).__name__}: {info.value}"
    where = str(info.traceback[-1].path)
    assert where.startswith(CNNLIB), f"raised from {where}, not by cnnlib: {info.value}"
    assert re.search(match, str(info.value)), (
        f"message does not name the value: {info.value}"
    )
