"""The Colab cell (_ext/colab_cell.py): one text in every chapter, pinned to
the release tag, and loud when the install fails."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "_ext"))
import colab_cell  # noqa: E402

FAKE_COLAB = (
    "import sys, types\n"
    "sys.modules['google'] = types.ModuleType('google')\n"
    "sys.modules['google.colab'] = types.ModuleType('google.colab')\n"
)


def run_cell(source: str, prelude: str = "") -> subprocess.CompletedProcess:
    code = prelude + source
    command = [sys.executable, "-c", code]
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


def test_every_chapter_has_the_pinned_cell():
    assert colab_cell.chapters(), "no chapters found"
    assert colab_cell.stale() == [], "run: python _ext/colab_cell.py --write"


def test_the_cell_pins_the_release_tag_not_main():
    source = colab_cell.cell_source(colab_cell.pinned_ref())
    assert "@main" not in source
    assert colab_cell.pinned_ref().startswith("v")
    assert f'@{colab_cell.pinned_ref()}"' in source


def test_outside_colab_the_cell_does_nothing():
    done = run_cell(
        colab_cell.cell_source("v0", repo="https://git.invalid/cnn-tf-book/cnns")
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_a_failed_install_stops_with_a_clear_message():
    # An unreachable host: git exits 128, as when Colab has no network.
    repo = "https://git.invalid/cnn-tf-book/cnns"
    done = run_cell(colab_cell.cell_source("v0", repo=repo), FAKE_COLAB)
    assert done.returncode != 0
    assert f"RuntimeError: Could not install cnnlib @ git+{repo}@v0" in done.stderr
    assert "run this cell again" in done.stderr


def test_a_good_install_says_what_it_installed():
    stub = (
        "import subprocess\n"
        "subprocess.run = lambda *a, **k: subprocess.CompletedProcess(a, 0, '', '')\n"
    )
    done = run_cell(colab_cell.cell_source("v9.9"), FAKE_COLAB + stub)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"installed cnnlib @ git+{colab_cell.REPO}@v9.9\n"


def test_a_chapter_without_the_cell_is_named(tmp_path):
    (tmp_path / "chapters").mkdir()
    (tmp_path / "pyproject.toml").write_text('[project]\nversion = "1.2.3"\n')
    bad = tmp_path / "chapters" / "01_x.ipynb"
    bad.write_text('{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}')
    with pytest.raises(ValueError, match="01_x.ipynb: expected one code cell"):
        colab_cell.stale(tmp_path)
