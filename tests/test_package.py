"""Tests of the package itself: TensorFlow checks, the quiet import, and that
installing cnnlib next to an existing TensorFlow (as in Colab) keeps it."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import cnnlib

ROOT = Path(__file__).resolve().parents[1]
COLAB_OWNED = ("tensorflow", "keras", "numpy", "matplotlib")


def test_too_old_tensorflow_names_both_versions():
    with pytest.raises(ImportError, match=r"TensorFlow >= 2\.16.*TensorFlow 2\.10\.1 is installed"):
        cnnlib.check_tensorflow_version("2.10.1")


@pytest.mark.parametrize("ok", ["2.16", "2.16.0", "2.16.1", "2.21.0", "2.17.0rc0",
                                "2.30.0rc1", "2.18.0.dev20240501", "2.16.1+cpu", "3.0"])
def test_recent_tensorflow_is_accepted(ok):
    cnnlib.check_tensorflow_version(ok)


@pytest.mark.parametrize("old", ["2.16.0rc0", "2.16.0rc2", "2.16.0.dev20240101", "2.16.0a1",
                                 "2.15.1", "2.9.0", "1.15.5"])
def test_pre_releases_of_the_minimum_are_too_old(old):
    """2.16.0rc0 comes before 2.16.0 (PEP 440), so it is refused like 2.15."""
    with pytest.raises(ImportError, match=rf"TensorFlow >= 2\.16.*TensorFlow {re.escape(old)} is installed"):
        cnnlib.check_tensorflow_version(old)


def test_unreadable_tensorflow_version_is_named():
    with pytest.raises(ImportError, match=r"cannot read TensorFlow's version 'banana'"):
        cnnlib.check_tensorflow_version("banana")


def test_missing_tensorflow_says_how_to_install():
    code = (
        "import sys; sys.modules['tensorflow'] = None\n"
        "try:\n    import cnnlib\nexcept ImportError as e:\n    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert "TensorFlow is not installed" in out.stdout
    assert "pip install 'tensorflow>=2.16'" in out.stdout


def test_import_prints_nothing_on_stdout_or_stderr():
    out = subprocess.run([sys.executable, "-c", "import cnnlib"], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0
    assert out.stdout == "" and out.stderr == "", (out.stdout, out.stderr)


def test_quiet_stderr_restores_fd2():
    import os
    before = os.fstat(2)
    with cnnlib.quiet_stderr():
        pass
    after = os.fstat(2)
    assert (before.st_dev, before.st_ino) == (after.st_dev, after.st_ino)


def test_dependencies_are_minimums_only():
    try:
        import tomllib
    except ModuleNotFoundError:  # Python < 3.11
        tomllib = pytest.importorskip("tomli")
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    for dep in deps:
        name = dep.split(">")[0].split("=")[0].split("<")[0].strip().lower()
        if name in COLAB_OWNED:
            assert ">=" in dep and "==" not in dep and "<" not in dep, dep


@pytest.mark.slow
def test_installing_next_to_tensorflow_installs_only_cnnlib(tmp_path):
    """pip's resolver, asked to install this repo into this environment (which
    already has TensorFlow, as Colab does), would install cnnlib and nothing else."""
    report = tmp_path / "report.json"
    cmd = [sys.executable, "-m", "pip", "install", "--dry-run", "--no-index",
           "--no-build-isolation", "--quiet", "--report", str(report), str(ROOT)]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    installs = json.loads(report.read_text())["install"]
    names = sorted(item["metadata"]["name"].lower() for item in installs)
    assert names == ["cnnlib"], f"pip would also install or replace: {names}"
