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

import cnnlib
from cnnlib import cli, digits, models
from cnnlib.core.tf import keras, tf

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


@pytest.mark.slow
def test_a_model_safe_mode_refuses_exits_1_in_the_commands_words(tmp_path, pictures):
    """A Lambda layer: refused in one line that names no Python argument
    (safe_mode=False), since the command has no way to turn safe mode off."""
    inp = keras.Input((28, 28, 1))
    doubled = keras.layers.Lambda(lambda t: t * 2.0)(inp)
    path = tmp_path / "lambda.keras"
    keras.Model(inp, keras.layers.Dense(10)(keras.layers.Flatten()(doubled))).save(path)
    done = cnnlib_predict(path, pictures[2][0])
    assert done.returncode == 1, done.stderr[-3000:]
    assert done.stdout == ""
    assert done.stderr == (
        f"error: {path}: refused by Keras safe mode: the file contains Python code "
        "(a Lambda layer) that would run when loaded. cnnlib commands never load "
        "such a file; save the model without Lambda layers\n"
    )


# --------------------------------------------------------------------------
# cnnlib predict --about MODEL: what the model says it is
# --------------------------------------------------------------------------
NO_TF = """
import sys
for blocked in ("tensorflow", "keras"):
    sys.modules[blocked] = None  # importing either now raises ImportError
from cnnlib.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.fixture(scope="module")
def trained(tiny_mnist, tmp_path_factory):
    """A 1-epoch run of cnnlib.train on a tiny sample, saved and exported both ways:
    ``(TrainResult, data, {"keras": file, "saved_model": folder, "tflite": file})``.
    """
    from cnnlib import training

    folder = tmp_path_factory.mktemp("trained")
    data = tiny_mnist(20, 5)
    result = training.train(
        arch="small", epochs=1, data=data, out=folder / "t.keras", seed=5, verbose=0
    )
    keras_file = str(folder / "t.keras")
    assert cli.main(["export", keras_file, str(folder / "digits")]) == 0
    tflite = str(folder / "t.tflite")
    assert cli.main(["export", keras_file, tflite, "--format", "tflite"]) == 0
    paths = {"keras": keras_file, "saved_model": str(folder / "digits" / "1")}
    return result, data, dict(paths, tflite=tflite)


def about(path, capsys) -> list[str]:
    capsys.readouterr()
    assert cli.main(["predict", "--about", str(path)]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    return out.splitlines()


@pytest.mark.parametrize("form", ["keras", "saved_model", "tflite"])
def test_about_prints_what_a_trained_model_says_one_fact_a_line(form, trained, capsys):
    result, data, paths = trained
    lines = about(paths[form], capsys)
    kind = {"keras": ".keras file", "saved_model": "SavedModel folder"}
    assert lines[0] == f"model: {paths[form]} (a {kind.get(form, 'LiteRT file')})"
    facts = dict(line.split(": ", 1) for line in lines)
    assert facts["labels"] == "0 1 2 3 4 5 6 7 8 9"
    assert facts["input"].startswith("digits float32 (N, 28, 28")
    out = "logits" if form == "keras" else "probabilities"
    assert facts["output"].startswith(f"{out} float32 (N, 10): ")
    assert facts["training data"] == data.name
    validation = result.n_validation
    assert (facts["training digits"], facts["validation digits"]) == (
        str(len(data.x_train) - validation),
        str(validation),
    )
    assert facts["test digits"] == str(len(data.x_test))
    assert (facts["recipe"], facts["arch"], facts["seed"]) == ("article", "small", "5")
    assert float(facts["test accuracy"]) == pytest.approx(
        result.test_accuracy, abs=1e-4
    )
    assert float(facts["validation accuracy"]) == pytest.approx(
        result.val_accuracy, abs=1e-4
    )
    assert facts["trained with"] == (
        f"cnnlib {cnnlib.__version__}, tensorflow {tf.__version__}, "
        f"keras {keras.__version__}"
    )
    assert ("exported with" in facts) == (form != "keras")
    assert len(facts) == len(lines)  # one fact a line, no name twice


@pytest.mark.slow
def test_about_as_a_reader_runs_it_exits_0(trained):
    done = cnnlib_predict("--about", trained[2]["keras"])
    assert done.returncode == 0, done.stderr[-3000:]
    assert "seed: 5" in done.stdout.splitlines()
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("form", ["keras", "saved_model", "tflite"])
def test_about_reads_every_form_without_tensorflow(form, trained):
    """``--about`` answers at once: TensorFlow (and Keras) cannot be imported in
    the process, and every form of a trained model is still described."""
    done = subprocess.run(
        [sys.executable, "-c", NO_TF, "predict", "--about", trained[2][form]],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stderr == ""
    lines = done.stdout.splitlines()
    assert "labels: 0 1 2 3 4 5 6 7 8 9" in lines and "seed: 5" in lines
    assert any(line.startswith("input: digits float32 (N, 28, 28") for line in lines)


def test_about_a_plain_keras_file_without_tensorflow(saved):
    done = subprocess.run(
        [sys.executable, "-c", NO_TF, "predict", "--about", saved],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.splitlines()[1:4] == [
        "labels: 0 1 2 3 4 5 6 7 8 9",
        "input: digits float32 (N, 28, 28, 1): pixels 0..255, a white digit on "
        "black, 28x28, as in MNIST",
        "output: logits float32 (N, 10): a score per label, in the order of "
        "labels; softmax of the scores gives the probabilities",
    ]


def test_about_a_model_without_facts_says_so(saved, tmp_path, capsys):
    lines = about(saved, capsys)  # conftest's ridge model, saved by model.save
    assert "training: no training facts recorded" in lines
    assert f"saved by Keras: {keras.__version__}" in lines
    assert not any(line.startswith(("seed", "test accuracy")) for line in lines)
    bare = tmp_path / "bare.tflite"  # a LiteRT file whose card was not kept
    bare.write_bytes(b"\x1c\x00\x00\x00TFL3" + bytes(32))
    lines = about(bare, capsys)
    assert lines[:2] == [
        f"model: {bare} (a LiteRT file)",
        f"card: none (no {tmp_path / 'bare.card.json'})",
    ]
    assert lines[-1] == "training: no training facts recorded"


def test_about_a_file_that_is_not_a_model_exits_1_in_one_line(tmp_path, capsys):
    fake = tmp_path / "notes.tflite"
    fake.write_text("shopping list\n")
    assert cli.main(["predict", "--about", str(fake)]) == 1
    assert capsys.readouterr() == (
        "",
        f"error: {fake}: not a LiteRT (.tflite) model file\n",
    )


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["--about", "{tmp}/none.keras"],
            "argument model: no such file: '{tmp}/none.keras'",
        ),
        (
            ["--about", "{tmp}"],
            "argument model: '{tmp}' is a folder without saved_model.pb; expected "
            "a SavedModel folder (such as models/digits/1)",
        ),
        (
            ["--about", "{tmp}/notes.txt"],
            "argument model: expected a .keras file, a .tflite file or a "
            "SavedModel folder, got '{tmp}/notes.txt'",
        ),
        (
            ["--about", "{tmp}/notes.txt", "x.png"],
            "argument --about: takes only MODEL, got IMAGE 'x.png' too",
        ),
    ],
)
def test_about_mistakes_exit_2_in_one_line_before_tensorflow(args, message, tmp_path):
    (tmp_path / "notes.txt").write_text("not a model\n")
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            NO_TF,
            "predict",
            *(a.format(tmp=tmp_path) for a in args),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert done.returncode == 2, done.stderr
    assert done.stdout == "" and done.stderr.startswith("usage: cnnlib predict ")
    last = done.stderr.strip().splitlines()[-1]
    assert last == f"cnnlib predict: error: {message.format(tmp=tmp_path)}"
    assert "Traceback" not in done.stderr


def test_help_shows_about_with_its_default_and_an_example():
    done = subprocess.run(
        [sys.executable, "-c", NO_TF, "predict", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    text = " ".join(done.stdout.split())
    assert "--about" in text and "(default: off, the pictures are predicted)" in text
    assert "cnnlib predict --about small.keras" in text
