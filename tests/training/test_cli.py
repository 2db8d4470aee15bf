"""``cnnlib train``: exit 2 for usage mistakes (checked before TensorFlow loads), 1 for
failures while running (one ``error:`` line), 0 when the model is saved.

The successful run is a real ``python -m cnnlib train`` on a pseudo-terminal, as
a reader sees it: tqdm's bar is drawn, and every epoch line starts on a line of
its own (the old bug: ``... cost 2.012Epoch: 1 cost = 2.012``).
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios
import textwrap
from pathlib import Path

import pytest

from cnnlib import cli, training
from cnnlib.core.tf import keras
from cnnlib.training import cli as train_cli

from .terminal import screen

ROOT = Path(__file__).resolve().parents[2]


def run_on_a_terminal(args: list[str], timeout: float = 300) -> tuple[int, str]:
    """``python -m cnnlib ARGS``, stdout and stderr on a 100x40 pty: (status, text)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 100, 0, 0))
    env = {**os.environ, "COLUMNS": "100", "LINES": "40", "TERM": "xterm"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "cnnlib", *args],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=slave,
    )
    os.close(slave)
    chunks = []
    try:
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the other side closed
                break
            if not chunk:
                break
            chunks.append(chunk)
        status = proc.wait(timeout=timeout)
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
    return status, b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.slow
def test_training_on_a_terminal_saves_the_model_and_keeps_epoch_lines_whole(tmp_path):
    out = tmp_path / "small.keras"
    status, raw = run_on_a_terminal(
        [
            "train",
            "--out",
            str(out),
            "--arch",
            "small",
            "--epochs",
            "2",
            "--lr",
            "1e-3",
            "--batch-size",
            "25",
            "--data",
            "sample",
            "--validation-split",
            "0.9",
        ]
    )
    assert status == 0, raw[-3000:]
    # the bar was drawn on the terminal, before each epoch's line
    for epoch in (1, 2):
        before = raw.split(f"Epoch: {epoch} cost")[0].rsplit("Epoch:", 1)[-1]
        assert re.search(rf"epoch {epoch}/2:\s+\d+%\|", before), before[-300:]
    lines = [line for line in screen(raw) if line]
    epoch_lines = [line for line in lines if "Epoch:" in line]
    pattern = r"Epoch: (\d) cost = \d+\.\d{3}  validation accuracy: \d\.\d{3}"
    glued = [line for line in epoch_lines if not re.fullmatch(pattern, line)]
    assert not glued, f"an epoch line shares its line with something else: {glued}"
    assert [line.split()[1] for line in epoch_lines] == ["1", "2"]
    assert "%|" not in "\n".join(lines)  # the bar is gone once training ends
    assert lines[-3].startswith("Trained on: MNIST sample")
    assert re.fullmatch(r"Setup: .*, precision \S+; [\d,]+ images/s", lines[-2])
    assert re.fullmatch(
        rf"Saved {re.escape(str(out))} \(test accuracy 0\.\d{{4}}, "
        r"scored once at the end\)",
        lines[-1],
    )
    assert "Traceback" not in raw
    model = keras.models.load_model(out)
    assert model.name == "small_cnn"
    assert not training.checkpoint_dir(out).exists()


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--epochs", "0"], "--epochs: expected a whole number >= 1, got '0'"),
        (["--epochs", "ten"], "--epochs: expected a whole number >= 1, got 'ten'"),
        (
            ["--lr", "-1"],
            "--lr: expected a learning rate between 0 and 1, such as 1e-4, got '-1'",
        ),
        (
            ["--lr", "fast"],
            "--lr: expected a learning rate between 0 and 1, such as 1e-4, got 'fast'",
        ),
        (["--lr", "nan"], "got 'nan'"),
        (["--arch", "medium"], "--arch: invalid choice: 'medium'"),
        (["--recipe", "best"], "--recipe: invalid choice: 'best'"),
        (["--recipe", "FAST"], "--recipe: invalid choice: 'FAST'"),
        (["--arch", "fastest"], "--arch: invalid choice: 'fastest'"),
        (["--data", "imagenet"], "--data: invalid choice: 'imagenet'"),
        (["--batch-size", "0"], "--batch-size: expected a whole number >= 1, got '0'"),
        (["--seed", "-1"], "--seed: expected a whole number 0..4294967295, got '-1'"),
        (["--seed", str(2**32)], "--seed: expected a whole number 0..4294967295"),
        (
            ["--validation-split", "1"],
            "--validation-split: expected a fraction 0 <= f < 1",
        ),
        (["--precision", "fp16"], "--precision: invalid choice: 'fp16'"),
    ],
)
def test_bad_values_exit_2_naming_the_flag(argv, message, capsys, tmp_path):
    with pytest.raises(SystemExit) as info:
        cli.main(["train", *argv, "--out", str(tmp_path / "m.keras")])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: cnnlib train") and message in err


@pytest.mark.parametrize(
    "out, message",
    [
        (
            "{tmp}/no/such/m.keras",
            "cannot write '{tmp}/no/such/m.keras': folder "
            "'{tmp}/no/such' does not exist",
        ),
        (
            "{tmp}/file/m.keras",
            "cannot write '{tmp}/file/m.keras': '{tmp}/file' is a file, not a folder",
        ),
        ("{tmp}/m.h5", "expected a .keras file name, got '{tmp}/m.h5'"),
        (
            "{tmp}/dir.keras",
            "cannot write '{tmp}/dir.keras': '{tmp}/dir.keras' is a folder, expected "
            "a .keras file",
        ),
        (
            "{tmp}/ro/m.keras",
            "cannot write '{tmp}/ro/m.keras': folder '{tmp}/ro' is not writable",
        ),
    ],
)
def test_an_out_that_cannot_be_written_exits_2_before_tensorflow_loads(
    out, message, tmp_path
):
    (tmp_path / "file").write_text("x")
    (tmp_path / "ro").mkdir()
    (tmp_path / "ro").chmod(0o555)
    (tmp_path / "dir.keras").mkdir()
    code = textwrap.dedent("""
        import sys
        from cnnlib import cli
        try:
            cli.main(sys.argv[1:])
        except SystemExit as stop:
            print("EXIT", stop.code, "tensorflow" in sys.modules)
    """)
    argv = ["train", "--out", out.format(tmp=tmp_path), "--arch", "small"]
    if out.startswith("{tmp}/ro") and os.geteuid() == 0:
        pytest.skip("root may write into a read-only folder")
    done = subprocess.run(
        [sys.executable, "-c", code, *argv],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert done.stdout.strip() == "EXIT 2 False", done.stderr  # TensorFlow never loaded
    assert done.stderr.startswith("usage: cnnlib train")
    assert done.stderr.strip().splitlines()[-1] == (
        f"cnnlib train: error: argument --out: {message.format(tmp=tmp_path)}"
    )


def test_an_out_on_a_kernel_file_system_exits_2_before_tensorflow_loads():
    """Permission bits let root "write" into /proc; the folder is really tried."""
    from cnnlib.core import files

    if files.filesystem_type("/proc") != "proc":
        pytest.skip("/proc is not a proc file system here")
    done = run_probe(["train", "--out", "/proc/m.keras", "--arch", "small"])
    assert done.stdout.strip() == "EXIT 2 False", done.stderr  # TensorFlow never loaded
    why = (
        "'/proc' is on a proc file system, which the kernel fills itself and which "
        "takes no new files or folders"
        if os.geteuid() == 0
        else "folder '/proc' is not writable"
    )
    assert done.stderr.strip().splitlines()[-1] == (
        f"cnnlib train: error: argument --out: cannot write '/proc/m.keras': {why}"
    )


def test_an_existing_out_exits_2_before_tensorflow_and_is_kept(tmp_path):
    out = tmp_path / "m.keras"
    out.write_bytes(b"an earlier model")
    done = run_probe(["train", "--out", str(out), "--data", "sample"])
    assert done.stdout.strip() == "EXIT 2 False", done.stderr  # TensorFlow never loaded
    assert done.stderr.startswith("usage: cnnlib train")
    assert done.stderr.strip().splitlines()[-1] == (
        f"cnnlib train: error: argument --out: {str(out)!r} already exists; pass "
        "--overwrite to replace it"
    )
    assert out.read_bytes() == b"an earlier model"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.keras"]


def test_overwrite_lets_training_start_and_removes_nothing_before_the_save(
    tmp_path, capsys, monkeypatch
):
    """--overwrite lets training start over an existing --out; the command removes
    nothing itself, so a run that fails before its save leaves the old file as it
    was (the save is a temporary file renamed over it: test_checkpoints.py's
    test_full_disk_while_saving_keeps_the_previous_file)."""
    from cnnlib.training import loop

    def stop(**kwargs):
        raise training.TrainError(f"stopped before saving {kwargs['out']}")

    monkeypatch.setattr(loop, "train", stop)
    out = tmp_path / "m.keras"
    out.write_bytes(b"an earlier model")
    argv = ["train", "--out", str(out), "--data", "sample", "--overwrite"]
    assert cli.main(argv) == 1
    assert capsys.readouterr().err == f"error: stopped before saving {out}\n"
    assert out.read_bytes() == b"an earlier model"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.keras"]


PROBE = textwrap.dedent("""
    import sys
    from cnnlib import cli
    try:
        code = cli.main(sys.argv[1:])
    except SystemExit as stop:
        code = stop.code
    print("EXIT", code, "tensorflow" in sys.modules)
""")


def run_probe(argv: list[str], **env: str) -> subprocess.CompletedProcess:
    """``cnnlib ARGV`` in a real subprocess that prints its exit status and whether
    TensorFlow was imported."""
    return subprocess.run(
        [sys.executable, "-c", PROBE, *argv],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env={**os.environ, **env},
    )


@pytest.mark.parametrize("where", ["notes.txt", "notes.txt/tb"])
def test_a_log_dir_that_is_a_file_exits_2_before_tensorflow_or_data_load(
    where, tmp_path
):
    (tmp_path / "notes.txt").write_text("my notes")
    log_dir = tmp_path / where
    culprit = "it" if where == "notes.txt" else repr(str(tmp_path / "notes.txt"))
    argv = ["train", "--out", str(tmp_path / "m.keras"), "--log-dir", str(log_dir)]
    done = run_probe(argv)
    assert done.stdout.strip() == "EXIT 2 False", done.stderr  # TensorFlow never loaded
    assert "Data:" not in done.stdout  # nor the data
    assert done.stderr.strip().splitlines()[-1] == (
        f"cnnlib train: error: argument --log-dir: {str(log_dir)!r} cannot be a "
        f"folder of TensorBoard logs: {culprit} is a file"
    )
    assert "Traceback" not in done.stderr
    assert (tmp_path / "notes.txt").read_text() == "my notes"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_a_batch_larger_than_the_training_digits_exits_2_before_tensorflow(tmp_path):
    out = tmp_path / "m.keras"
    argv = ["train", "--out", str(out), "--data", "sample", "--batch-size", "100000"]
    done = run_probe(argv)
    assert done.stdout.strip().splitlines()[-1] == "EXIT 2 False", done.stderr
    assert done.stderr == (
        "cnnlib train: error: argument --batch-size: 100000 is larger than the "
        "4,050 digits it would train on (4,500 training digits, --validation-split "
        "0.1 held out); use at most 4,050\n"
    )
    assert not out.exists() and not training.checkpoint_dir(out).exists()


def test_the_data_line_and_errors_speak_of_data_not_source(tmp_path, capsys):
    """The command line has --data, not load_mnist's source=: the Data line says
    '--data sample' (seen here on a batch refused once the digits are read)."""
    argv = ["train", "--out", str(tmp_path / "m.keras"), "--data", "sample"]
    assert cli.main([*argv, "--batch-size", "100000"]) == 2
    out, err = capsys.readouterr()
    assert out.endswith("Why: --data sample was asked for.\n") and "source=" not in out
    assert err.startswith("cnnlib train: error: argument --batch-size: 100000 ")


def test_resume_without_a_checkpoint_says_it_starts_afresh(
    tmp_path, capsys, monkeypatch
):
    """--resume with an --out that has no checkpoint (a typo, or a finished run)
    trains from epoch 1, and says so first (it used to be silent)."""
    from cnnlib.training import loop

    def stop(**kwargs):
        raise training.TrainError(f"stopped before training, resume={kwargs['resume']}")

    monkeypatch.setattr(loop, "train", stop)
    out = tmp_path / "m.keras"
    argv = ["train", "--out", str(out), "--data", "sample", "--resume"]
    assert cli.main(argv) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [
        f"--resume: no checkpoint of an interrupted run in '{out}.ckpt' (a finished "
        "run leaves none), so training starts at epoch 1",
        "error: stopped before training, resume=True",
    ]
    assert cli.main(argv[:-1]) == 1  # without --resume: nothing to say
    assert capsys.readouterr().err == "error: stopped before training, resume=False\n"


@pytest.mark.slow
def test_resume_of_other_settings_exits_1_in_the_flags_words(tmp_path):
    """A checkpoint made with other settings is refused in one line naming the
    flags (--arch, --lr), not train()'s arguments (arch=, lr=)."""
    from cnnlib import data, models

    out = tmp_path / "m.keras"
    model = models.build_model("small", seed=0)
    model.compile(optimizer="adam", loss="mse")
    model.optimizer.build(model.trainable_variables)  # as a trained one is saved
    config = {"arch": "large", "recipe": "article", "batch_size": 50, "lr": 0.5}
    config.update(seed=0, data=data.load_mnist("sample").name, validation_split=0.1)
    training.CheckpointManager(training.checkpoint_dir(out)).save(
        model, {"config": config, "history": []}, 1
    )
    argv = ["train", "--out", str(out), "--arch", "small", "--data", "sample"]
    done = run_probe([*argv, "--lr", "0.001", "--resume"])
    assert done.stdout.strip().splitlines()[-1] == "EXIT 1 True", done.stderr
    assert done.stderr.splitlines() == [
        f"error: --resume: cannot resume {out}.ckpt: it was trained with --arch "
        "large (now small), --lr 0.5 (now 0.001); pass the flags it was trained "
        "with, or leave out --resume to start afresh"
    ]
    assert not out.exists()


def test_training_count_is_what_split_validation_keeps(mnist):
    for fraction in (0.0, 0.1, 0.37):
        x_fit = training.split_validation(
            mnist.x_train, mnist.y_train, fraction, seed=4
        )[0]
        assert train_cli.training_count(mnist.y_train, fraction) == len(x_fit)


def test_a_failure_while_running_exits_1_in_one_line(tmp_path):
    """Full MNIST asked for from a folder without it: a runtime failure (exit 1)."""
    empty = tmp_path / "no-mnist"
    empty.mkdir()
    argv = ["train", "--out", str(tmp_path / "m.keras"), "--data", "mnist"]
    done = run_probe(argv, CNNLIB_MNIST_DIR=str(empty))
    assert done.stdout.strip().splitlines()[-1] == "EXIT 1 False", done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: --data mnist: "), lines
    assert str(empty) in lines[0]
    assert lines[0].endswith(
        "; pass --data sample to use the offline 5,000-digit sample"
    )
    assert not (tmp_path / "m.keras").exists()


@pytest.mark.slow
def test_recipe_fast_trains_and_saves_the_fast_network(tmp_path):
    out = tmp_path / "fast.keras"
    argv = ["train", "--out", str(out), "--recipe", "fast", "--data", "sample"]
    done = run_probe([*argv, "--epochs", "1", "--quiet"])
    assert done.stdout.strip().splitlines()[-1] == "EXIT 0 True", done.stderr[-2000:]
    assert "Epoch: 1 cost = " in done.stdout
    assert f"Saved {out} (test accuracy 0." in done.stdout
    model = keras.models.load_model(out)
    assert model.name == "fast_cnn" and model.optimizer.beta_1 == 0.7


def test_help_names_the_recipes_defaults(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["train", "--help"])
    assert info.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "default: the recipe's (article large, improved large, fast fast)" in text
    assert "--resume" in text
    assert f"{training.IMPROVED.peak_factor:g} x LR" in text
    assert "--recipe {article,improved,fast}" in text
    assert "(article 10, improved 10, fast 2)" in text
