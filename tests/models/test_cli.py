"""``cnnlib predict`` as a reader runs it: ``python -m cnnlib predict MODEL IMAGE...``.

Exit statuses (cnnlib/cli.py, cnnlib/models/cli.py): 0 every picture read; 1 a
picture (or the model) could not be used, one ``error: ...`` line each, the
other pictures still predicted; 2 a usage mistake (argparse, before TensorFlow
loads). Real subprocesses, real files; the model is conftest's ridge classifier.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from cnnlib import cli, digits, models

ROOT = Path(__file__).resolve().parents[2]


def cnnlib_predict(*args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cnnlib", "predict", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )


@pytest.fixture(scope="module")
def saved(ridge_model, tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "ridge.keras"
    ridge_model.save(path)
    return path


@pytest.fixture(scope="module")
def pictures(ridge_model, mnist, tmp_path_factory):
    """``{digit: [MNIST-style PNG, photo-of-paper PNG]}`` of digits the model reads."""
    folder = tmp_path_factory.mktemp("pictures")
    ok = models.predict_labels(ridge_model, mnist.x_test) == mnist.y_test
    out = {}
    for d in (2, 3, 7):
        digit = mnist.x_test[int(np.flatnonzero(ok & (mnist.y_test == d))[0])]
        small, big = folder / f"mnist_{d}.png", folder / f"paper_{d}.png"
        Image.fromarray(digit).save(small)
        Image.fromarray(digits.render_like_paper(digit, scale=10)).save(big)
        out[d] = [small, big]
    return out


@pytest.mark.slow
def test_every_picture_read_exits_0_with_one_line_each(saved, pictures):
    files = pictures[2] + pictures[7]
    done = cnnlib_predict(saved, *files, "--all")
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 4
    for line, label, f in zip(lines, [2, 2, 7, 7], files):
        head, probs = line.split("  [")
        digit, prob, name = head.split(" ", 2)
        assert int(digit) == label and name == str(f)
        shown = dict(item.split(":") for item in probs.rstrip("]").split())
        assert list(shown) == [str(d) for d in range(10)]
        assert float(shown[digit]) == pytest.approx(float(prob), abs=1e-3)
        assert sum(map(float, shown.values())) == pytest.approx(1, abs=0.01)
    assert "Traceback" not in done.stderr


@pytest.mark.slow
def test_a_text_file_among_pictures_exits_1_and_the_rest_are_predicted(
    saved, pictures, tmp_path
):
    bad = tmp_path / "readme.png"
    bad.write_text("this is text, not a picture\n")
    files = [pictures[3][0], bad, pictures[3][1], pictures[7][0]]
    done = cnnlib_predict(saved, *files)
    assert done.returncode == 1, done.stderr[-3000:]
    lines = done.stdout.strip().splitlines()
    good = [f for f in files if f != bad]
    assert len(lines) == 3
    for line, label, f in zip(lines, [3, 3, 7], good):
        digit, prob, name = line.split(" ", 2)
        assert int(digit) == label and 0 < float(prob) <= 1 and name == str(f)
    errors = [e for e in done.stderr.splitlines() if e.startswith("error:")]
    assert errors == [
        f"error: {bad}: not an image (Pillow cannot identify it as PNG, "
        "JPEG, GIF, BMP, ...)"
    ]
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    "args, prog, message",
    [
        (
            ["{tmp}/none.keras", "x.png"],
            "cnnlib predict",
            "argument model: no such file: '{tmp}/none.keras'",
        ),
        (
            ["{tmp}", "x.png"],
            "cnnlib predict",
            "argument model: '{tmp}' is a folder, expected a file",
        ),
        (["{model}"], "cnnlib predict", "the following arguments are required: IMAGE"),
        (["{model}", "x.png", "--every"], "cnnlib", "unrecognized arguments: --every"),
    ],
)
def test_usage_mistakes_exit_2_with_one_error_line(
    args, prog, message, saved, tmp_path
):
    fill = {"tmp": tmp_path, "model": saved}
    done = cnnlib_predict(*[a.format(**fill) for a in args])
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith(f"usage: {prog} ")
    last = done.stderr.strip().splitlines()[-1]
    assert last == f"{prog}: error: {message.format(**fill)}"
    assert "Traceback" not in done.stderr


def test_a_file_that_is_not_a_model_exits_1_in_one_line(tmp_path, capsys):
    fake = tmp_path / "fake.keras"
    fake.write_text("not a zip")
    picture = tmp_path / "p.png"
    Image.fromarray(np.eye(28, dtype=np.uint8) * 255).save(picture)
    assert cli.main(["predict", str(fake), str(picture)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        f"error: {fake}: not a .keras model file (expected a .keras zip archive)\n"
    )
