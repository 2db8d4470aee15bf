"""Fixtures of the cnnlib.results tests."""

from __future__ import annotations

import pytest

from .records import make_record


@pytest.fixture()
def record() -> dict:
    """A well-formed record (as JSON) of two runs, "article" and "small"."""
    return make_record()
