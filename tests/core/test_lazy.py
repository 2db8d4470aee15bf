"""Tests of cnnlib.core.lazy.public_api: a package API whose modules load on first use.

A real package is written to a temporary folder and imported, so the tests see
exactly what a reader's ``from cnnlib.x import name`` does.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from cnnlib.core import lazy

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def package(tmp_path, monkeypatch):
    """A package ``lazypkg`` with modules ``one`` and ``two``; removed from sys.modules
    after."""
    pkg = tmp_path / "lazypkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text(
        textwrap.dedent("""
        from cnnlib.core.lazy import public_api

        __getattr__, __dir__, __all__ = public_api(__name__, {
            "one": ["ONE", "first"],
            "two": ["Second"],
        })
    """)
    )
    (pkg / "one.py").write_text("ONE = 1\n\ndef first():\n    return 'first'\n")
    (pkg / "two.py").write_text("class Second:\n    pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "lazypkg"
    for name in [n for n in sys.modules if n == "lazypkg" or n.startswith("lazypkg.")]:
        del sys.modules[name]


def test_all_lists_every_name_sorted_and_dir_gives_it(package):
    mod = importlib.import_module(package)
    assert mod.__all__ == ["ONE", "Second", "first"]
    assert dir(mod) == mod.__all__


def test_a_module_loads_only_when_one_of_its_names_is_read(package):
    mod = importlib.import_module(package)
    assert "lazypkg.one" not in sys.modules and "lazypkg.two" not in sys.modules
    assert mod.ONE == 1
    assert "lazypkg.one" in sys.modules and "lazypkg.two" not in sys.modules
    assert mod.first is sys.modules["lazypkg.one"].first  # the object itself, one home
    from lazypkg import Second  # noqa: E402  (the from-import form)

    assert Second is sys.modules["lazypkg.two"].Second


def test_a_name_read_once_is_kept_in_the_package(package):
    mod = importlib.import_module(package)
    assert "ONE" not in vars(mod)
    mod.ONE  # noqa: B018  (the read under test)
    assert vars(mod)["ONE"] == 1  # later reads skip __getattr__


def test_an_unknown_name_is_an_attribute_error_naming_it(package):
    mod = importlib.import_module(package)
    with pytest.raises(
        AttributeError, match=r"module 'lazypkg' has no attribute 'third'"
    ):
        mod.third  # noqa: B018
    assert not hasattr(mod, "one_more")
    with pytest.raises(ImportError, match="third"):
        exec("from lazypkg import third", {})


def test_a_name_listed_under_two_modules_is_refused():
    with pytest.raises(
        ValueError, match=r"pkg: 'train' is listed under both 'loop' and 'cli'"
    ):
        lazy.public_api("pkg", {"loop": ["train"], "cli": ["main", "train"]})


def test_an_empty_api_is_allowed():
    getattr_, dir_, all_ = lazy.public_api("pkg", {})
    assert all_ == [] and dir_() == []
    with pytest.raises(AttributeError):
        getattr_("x")


def test_importing_a_cnnlib_package_loads_none_of_its_modules():
    """``import cnnlib.training`` is only its __init__: the modules wait for their
    names."""
    code = (
        "import sys, cnnlib.training, cnnlib.figures\n"
        "print(sorted(m for m in sys.modules if m.startswith(('cnnlib.training.', "
        "'cnnlib.figures.'))))\n"
        "cnnlib.training.Recipe\n"
        "print(sorted(m for m in sys.modules if m.startswith('cnnlib.training.')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert out.returncode == 0, out.stderr
    before, after = out.stdout.splitlines()
    assert before == "[]"
    assert after == "['cnnlib.training.recipes']"
