"""The book built once per session for tests/web (test_site.py and
test_tfjs.py both open it): a build takes about half a minute and more on a
loaded machine, and both files used to build their own copy."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def site_build(tmp_path_factory):
    from .test_site import _chromium_paths, build_book

    _chromium_paths()  # skips with the reason (fails under CI) without Chromium
    return build_book(tmp_path_factory)
