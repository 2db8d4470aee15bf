"""cnnlib's version: one string, ``version`` in pyproject.toml.

An installed cnnlib (``pip install``, also editable) reads it from the package
metadata (:mod:`importlib.metadata`); a source tree that was never installed
reads it from the pyproject.toml beside the package.
"""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

#: The pyproject.toml of a source tree (the folder above the ``cnnlib`` package).
PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"

_VERSION_LINE = re.compile(r'^version\s*=\s*"([^"]+)"\s*$', re.MULTILINE)


def pyproject_version(path: Path = PYPROJECT) -> str:
    """The ``version = "..."`` of ``path``'s ``[project]`` table; ``"0+unknown"``
    when there is no such file or line."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return "0+unknown"
    project = text.split("[project]", 1)[-1].split("\n[", 1)[0]
    found = _VERSION_LINE.search(project)
    return found.group(1) if found else "0+unknown"


def package_version() -> str:
    """cnnlib's version: the installed package's, else the source tree's."""
    try:
        return metadata.version("cnnlib")
    except metadata.PackageNotFoundError:  # a source tree that was never installed
        return pyproject_version()
