"""Tests of the package itself: TensorFlow checks (cnnlib.core.quiet), the quiet
import (cnnlib.core.tf), and that installing cnnlib next to an existing
TensorFlow (as in Colab) keeps it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import cnnlib
from cnnlib.core import quiet

ROOT = Path(__file__).resolve().parents[1]
COLAB_OWNED = ("tensorflow", "keras", "numpy", "matplotlib")


def run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )


def test_too_old_tensorflow_names_both_versions():
    with pytest.raises(
        ImportError, match=r"TensorFlow >= 2\.16.*TensorFlow 2\.10\.1 is installed"
    ):
        quiet.check_tensorflow_version("2.10.1")


@pytest.mark.parametrize(
    "ok",
    [
        "2.16",
        "2.16.0",
        "2.16.1",
        "2.21.0",
        "2.17.0rc0",
        "2.30.0rc1",
        "2.18.0.dev20240501",
        "2.16.1+cpu",
        "3.0",
    ],
)
def test_recent_tensorflow_is_accepted(ok):
    quiet.check_tensorflow_version(ok)


@pytest.mark.parametrize(
    "old",
    [
        "2.16.0rc0",
        "2.16.0rc2",
        "2.16.0.dev20240101",
        "2.16.0a1",
        "2.15.1",
        "2.9.0",
        "1.15.5",
    ],
)
def test_pre_releases_of_the_minimum_are_too_old(old):
    """2.16.0rc0 comes before 2.16.0 (PEP 440), so it is refused like 2.15."""
    with pytest.raises(
        ImportError,
        match=rf"TensorFlow >= 2\.16.*TensorFlow {re.escape(old)} is installed",
    ):
        quiet.check_tensorflow_version(old)


def test_unreadable_tensorflow_version_is_named():
    with pytest.raises(ImportError, match=r"cannot read TensorFlow's version 'banana'"):
        quiet.check_tensorflow_version("banana")


def test_the_minimum_is_the_one_pyproject_asks_for():
    text = (ROOT / "pyproject.toml").read_text()
    assert f'"tensorflow>={quiet.MIN_TENSORFLOW}"' in text


def test_the_core_api_gives_the_same_objects():
    from cnnlib import core

    assert core.quiet_stderr is quiet.quiet_stderr
    assert core.check_tensorflow_version is quiet.check_tensorflow_version
    assert core.MIN_TENSORFLOW == quiet.MIN_TENSORFLOW == "2.16"


def test_import_cnnlib_loads_no_tensorflow():
    out = run_python(
        "import sys, cnnlib, cnnlib.core; print('tensorflow' in sys.modules)"
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout == "False\n"


def test_missing_tensorflow_says_how_to_install():
    """A module that computes with TensorFlow (cnnlib.models) refuses to load without
    it."""
    code = (
        "import sys; sys.modules['tensorflow'] = None\n"
        "import cnnlib, cnnlib.ops\n"  # NumPy-only parts still work
        "try:\n    import cnnlib.models.inference\n"
        "except ImportError as e:\n    print(e)\n"
        "else:\n    print('imported')\n"
    )
    out = run_python(code)
    assert out.returncode == 0, out.stderr
    assert "TensorFlow is not installed" in out.stdout, out.stdout + out.stderr
    assert "pip install 'tensorflow>=2.16'" in out.stdout


def test_import_with_too_old_tensorflow_names_both_versions():
    code = (
        "import sys, types\n"
        "fake = types.ModuleType('tensorflow'); fake.__version__ = '2.12.1'\n"
        "sys.modules['tensorflow'] = fake\n"
        "try:\n    import cnnlib.models.inference\n"
        "except ImportError as err:\n    print(err)\n"
        "else:\n    print('imported')\n"
    )
    out = run_python(code)
    assert "cnnlib needs TensorFlow >= 2.16" in out.stdout, out.stdout + out.stderr
    assert "TensorFlow 2.12.1 is installed" in out.stdout
    assert "pip install -U 'tensorflow>=2.16'" in out.stdout


def test_import_prints_nothing_on_stdout_or_stderr():
    """``import cnnlib.models`` and the first name that loads TensorFlow print nothing:
    TensorFlow's C++ start-up lines (written straight to fd 2) must not show."""
    code = (
        "import sys\n"
        "import cnnlib, cnnlib.models\n"
        "from cnnlib.models import logits  # loads cnnlib.core.tf, so TensorFlow\n"
        "sys.exit(0 if 'tensorflow' in sys.modules else 3)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env=env,
    )
    assert out.returncode == 0, (
        out.returncode,
        out.stderr,
    )  # 3: TensorFlow never loaded
    assert out.stdout == "" and out.stderr == "", (out.stdout, out.stderr)


def test_quiet_stderr_silences_fd2_and_restores_it():
    code = (
        "import os, sys\n"
        "from cnnlib.core.quiet import quiet_stderr\n"
        "os.write(2, b'before\\n')\n"
        "with quiet_stderr():\n    os.write(2, b'hidden\\n')\n"
        "try:\n    with quiet_stderr():\n        raise KeyError('x')\n"
        "except KeyError:\n    pass\n"
        "os.write(2, b'after\\n')\n"
    )
    out = run_python(code)
    assert out.returncode == 0
    assert out.stderr == "before\nafter\n"


def test_quiet_stderr_restores_fd2_in_this_process():
    before = os.fstat(2)
    with quiet.quiet_stderr():
        inside = os.fstat(2)
    after = os.fstat(2)
    assert (inside.st_dev, inside.st_ino) == (
        os.stat(os.devnull).st_dev,
        os.stat(os.devnull).st_ino,
    )
    assert (before.st_dev, before.st_ino) == (after.st_dev, after.st_ino)


def test_version_is_known():
    assert cnnlib.__version__ and isinstance(cnnlib.__version__, str)


def test_dependencies_are_minimums_only():
    try:
        import tomllib
    except ModuleNotFoundError:  # Python < 3.11
        tomllib = pytest.importorskip("tomli")
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "dependencies"
    ]
    for dep in deps:
        name = dep.split(">")[0].split("=")[0].split("<")[0].strip().lower()
        if name in COLAB_OWNED:
            assert ">=" in dep and "==" not in dep and "<" not in dep, dep


@pytest.mark.slow
def test_installing_next_to_tensorflow_installs_only_cnnlib(tmp_path):
    """pip's resolver, asked to install this repo into this environment (which
    already has TensorFlow, as Colab does), would install cnnlib and nothing else."""
    report = tmp_path / "report.json"
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--dry-run",
        "--no-index",
        "--no-build-isolation",
        "--quiet",
        "--report",
        str(report),
        str(ROOT),
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    installs = json.loads(report.read_text())["install"]
    names = sorted(item["metadata"]["name"].lower() for item in installs)
    assert names == ["cnnlib"], f"pip would also install or replace: {names}"
