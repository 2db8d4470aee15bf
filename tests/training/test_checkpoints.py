"""Saving and checkpoints (cnnlib.training.checkpoints), tested with real kills and real
write failures.

Kills: a real ``cnnlib train`` process is SIGKILLed at the dangerous moment (a
checkpoint complete, its pointer not yet written) and while a checkpoint's
model is written, by tests/training/kill_harness.py (the library has no test
hook), and at random instants of a plain ``python -m cnnlib train``. Every time,
``--resume`` finishes the run, and a resumed improved-recipe run ends with
exactly the weights of an uninterrupted one.

Write failures are real, not patched: a file-size limit (``RLIMIT_FSIZE``) in
a subprocess, a small full tmpfs (root only), a read-only folder for a
non-root user (a subprocess that drops to ``nobody`` when the tests run as
root), and a path through a file (``ENOTDIR``).
"""

from __future__ import annotations

import datetime
import errno
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

import cnnlib
from cnnlib import cli, data, models, training
from cnnlib.core.tf import keras, tf
from cnnlib.models import files as model_files
from cnnlib.training.checkpoints import POINTER

ROOT = Path(__file__).resolve().parents[2]
HARNESS = Path(__file__).with_name("kill_harness.py")

#: The improved recipe (augmentation, dropout, a schedule: every kind of state a
#: resume must restore) on the 450 sample digits that a 0.9 validation split leaves.
TRAIN = [
    "--arch",
    "small",
    "--recipe",
    "improved",
    "--epochs",
    "3",
    "--batch-size",
    "50",
    "--data",
    "sample",
    "--validation-split",
    "0.9",
    "--seed",
    "1",
    "--quiet",
]


def _steps(validation_split: float, seed: int, batch_size: int = 50) -> int:
    x, y, _, _ = data.load_sample()
    fit = training.split_validation(x, y, validation_split, seed=seed)[0]
    return -(-len(fit) // batch_size)


def _killed_run(out: Path, moment: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            str(HARNESS),
            "--kill-at",
            moment,
            "--",
            *TRAIN,
            "--out",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _resume_here(out: Path, capsys) -> tuple[list[np.ndarray], str]:
    """``cnnlib train ... --resume`` in this process: (saved weights, its output)."""
    capsys.readouterr()
    assert cli.main(["train", *TRAIN, "--out", str(out), "--resume"]) == 0
    printed = capsys.readouterr().out
    return keras.models.load_model(out).get_weights(), printed


def _epochs_printed(text: str) -> list[int]:
    return [
        int(line.split()[1]) for line in text.splitlines() if line.startswith("Epoch:")
    ]


def _pointer(out: Path) -> dict:
    return json.loads((training.checkpoint_dir(out) / POINTER).read_text())


def _assert_consistent(out: Path, steps_per_epoch: int) -> int:
    """The pointer names a complete checkpoint, model and state agreeing: its epoch."""
    ckpt = training.checkpoint_dir(out)
    if not (ckpt / POINTER).exists():
        return 0
    latest = ckpt / _pointer(out)["latest"]
    state = json.loads((latest / "state.json").read_text())
    model = keras.models.load_model(latest / "model.keras")
    assert [h["epoch"] for h in state["history"]] == list(range(1, state["epoch"] + 1))
    assert int(model.optimizer.iterations) == state["epoch"] * steps_per_epoch
    assert latest.name == f"ckpt-{state['epoch']:04d}"
    return state["epoch"]


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory) -> list[np.ndarray]:
    """The saved weights of the same run, never interrupted (``cnnlib train`` here)."""
    out = tmp_path_factory.mktemp("whole") / "whole.keras"
    assert cli.main(["train", *TRAIN, "--out", str(out)]) == 0
    return keras.models.load_model(out).get_weights()


# --------------------------------------------------------------------------
# Kills
# --------------------------------------------------------------------------
@pytest.mark.slow
def test_kill_between_checkpoint_and_pointer_resumes_to_identical_weights(
    tmp_path, uninterrupted, capsys
):
    """The dangerous instant: checkpoint 2 is complete, the pointer still names 1.
    Resuming from 1 must end, improved recipe and all, with the uninterrupted
    run's weights exactly (same batches, augmentation, dropout masks, optimizer)."""
    cut = tmp_path / "cut.keras"
    killed = _killed_run(cut, "before-pointer:2")
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-3000:]
    assert _epochs_printed(killed.stdout) == [1]  # epoch 2 was saved, never printed
    ckpt = training.checkpoint_dir(cut)
    assert (ckpt / "ckpt-0002" / "model.keras").exists()  # written, but never named
    assert _pointer(cut)["latest"] == "ckpt-0001"
    assert _assert_consistent(cut, _steps(0.9, 1)) == 1

    resumed, printed = _resume_here(cut, capsys)
    assert f"Resuming from {ckpt / 'ckpt-0001'}: 1 of 3 epochs already done" in printed
    assert _epochs_printed(printed) == [2, 3]
    assert cut.exists() and not ckpt.exists()
    assert len(resumed) == len(uninterrupted)
    for a, b in zip(uninterrupted, resumed):
        np.testing.assert_array_equal(a, b)


@pytest.mark.slow
def test_kill_while_a_checkpoint_is_written_resumes_from_the_previous_one(
    tmp_path, uninterrupted, capsys
):
    out = tmp_path / "m.keras"
    killed = _killed_run(out, "in-model:3")
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-3000:]
    ckpt = training.checkpoint_dir(out)
    (half,) = [p for p in ckpt.iterdir() if p.name.startswith(".ckpt-0003.")]
    assert (half / "model.keras").exists() and not (half / "state.json").exists()
    assert not (ckpt / "ckpt-0003").exists()
    assert _assert_consistent(out, _steps(0.9, 1)) == 2

    resumed, printed = _resume_here(out, capsys)
    assert "2 of 3 epochs already done" in printed
    assert _epochs_printed(printed) == [3]
    assert out.exists() and not ckpt.exists()  # the half-made folder went with the rest
    for a, b in zip(uninterrupted, resumed):
        np.testing.assert_array_equal(a, b)


RANDOM = [
    "--arch",
    "small",
    "--epochs",
    "4",
    "--batch-size",
    "50",
    "--data",
    "sample",
    "--validation-split",
    "0.5",
    "--quiet",
    "--seed",
    "2",
]


@pytest.mark.slow
def test_cli_killed_at_random_times_always_resumes_to_a_finished_model(
    tmp_path, capsys
):
    """README Troubleshooting, "training was killed": ``cnnlib train`` is SIGKILLed at
    random instants of training and checkpointing (after a random number of epoch
    lines, plus a random delay) three times in a row, each time with ``--resume``;
    the checkpoint is consistent after every kill, never loses a committed epoch,
    and a last ``--resume`` finishes from it, not from epoch 1."""
    out = tmp_path / "m.keras"
    steps = _steps(0.5, 2)
    rng = random.Random(13)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}  # each line as it is printed
    epochs_done, finished, landed = 0, False, 0
    for _ in range(3):
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "cnnlib",
                "train",
                *RANDOM,
                "--out",
                str(out),
                "--resume",
            ],
            cwd=ROOT,
            text=True,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        wait_epochs, delay = rng.randrange(3), rng.uniform(0.0, 0.5)
        try:
            started = False
            for line in proc.stdout:  # "Validation:" is printed just before fit starts
                started = started or line.startswith(("Validation:", "Resuming"))
                wait_epochs -= line.startswith("Epoch:")
                if started and wait_epochs < 0:
                    break
            time.sleep(delay)
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                landed += 1
            proc.wait(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            proc.stdout.close()
        if (training.checkpoint_dir(out) / POINTER).exists():
            now = _assert_consistent(out, steps)
            assert now >= epochs_done  # never loses a committed epoch
            epochs_done = now
        elif out.exists():  # finished before the kill
            finished = True
            break
    assert landed >= 1, "training always finished before the kill: nothing was tested"
    if not finished:  # the last --resume, in this process
        capsys.readouterr()
        assert cli.main(["train", *RANDOM, "--out", str(out), "--resume"]) == 0
        stdout = capsys.readouterr().out
        assert _epochs_printed(stdout) == list(range(epochs_done + 1, 5))  # not from 1
        if epochs_done:
            assert f"{epochs_done} of 4 epochs already done" in stdout
    assert out.exists() and not training.checkpoint_dir(out).exists()
    model = keras.models.load_model(out)
    assert int(model.optimizer.iterations) == 4 * steps


# --------------------------------------------------------------------------
# The checkpoint folder itself
# --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def small_model():
    model = models.build_model("small", seed=0)
    model.compile(optimizer="adam", loss="mse")
    return model


def test_manager_keeps_the_last_two_and_points_to_the_newest(tmp_path, small_model):
    manager = training.CheckpointManager(tmp_path / "c", keep=2)
    assert manager.latest() is None and manager.load() is None
    for n in (1, 2, 3):
        manager.save(small_model, {"epoch": n, "history": []}, n)
    assert sorted(p.name for p in manager.folder.iterdir()) == [
        POINTER,
        "ckpt-0002",
        "ckpt-0003",
    ]
    assert manager.latest() == manager.folder / "ckpt-0003"
    assert _pointer_of(manager) == {"latest": "ckpt-0003", "number": 3}
    model, state = manager.load()
    assert state["epoch"] == 3
    for a, b in zip(model.get_weights(), small_model.get_weights()):
        np.testing.assert_array_equal(a, b)
    (manager.folder / ".ckpt-0004.x1y2.tmp").mkdir()  # left by a kill
    (manager.folder / f".{POINTER}.abc.tmp").write_text("{")
    manager.save(small_model, {"epoch": 4}, 4)
    assert not list(manager.folder.glob(".*tmp*"))
    manager.remove()
    assert not manager.folder.exists()


def _pointer_of(manager) -> dict:
    return json.loads((manager.folder / POINTER).read_text())


def test_a_broken_pointer_is_reported_by_name(tmp_path):
    manager = training.CheckpointManager(tmp_path / "c")
    manager.folder.mkdir()
    (manager.folder / POINTER).write_text("not json")
    with pytest.raises(training.TrainError, match="cannot read the checkpoint pointer"):
        manager.latest()


def test_dropout_random_state_is_restored_from_a_checkpoint(tmp_path):
    model = models.build_model("small", dropout=0.5, seed=3)
    model.compile(optimizer="adam", loss="mse")
    state = [v for v in model.non_trainable_variables if "seed_generator" in v.path][0]
    state.assign(np.array([3, 41], dtype=np.asarray(state.numpy()).dtype))
    assert training.random_states(model) == [[3, 41]]
    manager = training.CheckpointManager(tmp_path / "c")
    manager.save(model, {"random_states": training.random_states(model)}, 1)
    loaded, _ = manager.load()
    again = [v for v in loaded.non_trainable_variables if "seed_generator" in v.path][0]
    assert np.asarray(again.numpy()).tolist() == [3, 41]
    with pytest.raises(training.TrainError, match="holds 2 random-generator states"):
        training.restore_random_states(loaded, [[1, 2], [3, 4]])


def test_resume_refuses_a_checkpoint_made_with_other_settings(
    tmp_path, small_model, capsys
):
    out = tmp_path / "m.keras"
    training.CheckpointManager(training.checkpoint_dir(out)).save(
        small_model, {"config": {"arch": "large"}, "history": []}, 1
    )
    code = cli.main(
        [
            "train",
            "--arch",
            "small",
            "--epochs",
            "2",
            "--data",
            "sample",
            "--out",
            str(out),
            "--resume",
        ]
    )
    assert code == 1
    err = capsys.readouterr().err
    assert err.startswith("error: --resume: cannot resume") and err.count("\n") == 1
    assert "--arch large (now small)" in err and "arch=" not in err  # CLI words
    assert not out.exists()


def test_resume_error_names_the_arguments_in_python(tmp_path, small_model, tiny_mnist):
    out = tmp_path / "m.keras"
    tiny = tiny_mnist()
    config = {"arch": "large", "recipe": "article", "batch_size": 50, "lr": 0.5}
    config.update(seed=0, data=tiny.name, validation_split=0.1)
    training.CheckpointManager(training.checkpoint_dir(out)).save(
        small_model, {"config": config, "history": []}, 1
    )
    with pytest.raises(training.ResumeError) as info:
        training.train(arch="small", epochs=1, data=tiny, out=out, resume=True)
    assert isinstance(info.value, training.TrainError)
    assert "arch='large' (now 'small'), lr=0.5 (now 0.0001)" in str(info.value)
    assert info.value.changed["arch"] == ("large", "small")
    assert not out.exists()


def test_check_writable_names_the_argument(tmp_path):
    assert training.check_writable(tmp_path / "m.keras") == tmp_path / "m.keras"
    with pytest.raises(training.TrainError, match="--out must be a .keras file"):
        training.check_writable(tmp_path / "m.h5", what="--out")
    assert training.checkpoint_dir(tmp_path / "m.keras") == tmp_path / "m.keras.ckpt"


# --------------------------------------------------------------------------
# What the saved model says it is (cnnlib.json inside the .keras archive)
# --------------------------------------------------------------------------
def test_saved_facts_travel_inside_a_file_keras_still_loads(tmp_path, small_model):
    target = tmp_path / "m.keras"
    facts = {
        "seed": 3,
        "validation_accuracy": float("nan"),
        "test_accuracy": np.float32(0.5),
        "recipe_settings": {"lr": np.float64(1e-3), "epochs": np.int64(2)},
    }
    training.save_atomic(small_model, target, facts=facts)
    saved = model_files.saved_facts(target)
    assert saved["seed"] == 3 and saved["test_accuracy"] == 0.5
    assert saved["recipe_settings"] == {"lr": 1e-3, "epochs": 2}
    assert saved["validation_accuracy"] is None  # NaN is not JSON
    assert saved["versions"] == {
        "cnnlib": cnnlib.__version__,
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
    }
    assert datetime.datetime.fromisoformat(saved["date"]).utcoffset().seconds == 0
    loaded = keras.models.load_model(target)
    for a, b in zip(loaded.get_weights(), small_model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert [p.name for p in tmp_path.iterdir()] == ["m.keras"]


def test_facts_that_are_not_json_leave_no_file_behind(tmp_path, small_model):
    with pytest.raises(TypeError, match="not JSON serializable"):
        training.save_atomic(small_model, tmp_path / "m.keras", facts={"x": object()})
    assert list(tmp_path.iterdir()) == []


def test_a_trained_file_records_its_run(tiny_mnist, tmp_path):
    """``train(out=...)``: the file says what data, recipe, seed and precision made
    it, the accuracies the run measured, and the versions; Keras loads it."""
    out = tmp_path / "tiny.keras"
    tiny = tiny_mnist(20, 5)
    result = training.train(
        arch="small", epochs=1, data=tiny, out=out, seed=2, verbose=0, lr=1e-3
    )
    facts = model_files.saved_facts(out)
    assert facts["data"] == tiny.name and facts["data_source"] == "sample"
    assert facts["train_digits"] + facts["validation_digits"] == len(tiny.x_train)
    assert facts["validation_digits"] == result.n_validation > 0
    assert facts["test_digits"] == len(tiny.x_test)
    assert (facts["recipe"], facts["arch"], facts["seed"]) == ("article", "small", 2)
    assert facts["epochs"] == facts["recipe_settings"]["epochs"] == 1
    assert facts["recipe_settings"]["lr"] == 1e-3  # the run's, not the recipe's 1e-4
    assert facts["precision"] == training.pick_precision("auto")
    assert facts["test_accuracy"] == pytest.approx(result.test_accuracy, abs=1e-12)
    assert facts["validation_accuracy"] == pytest.approx(result.val_accuracy, abs=1e-7)
    assert facts["versions"]["cnnlib"] == cnnlib.__version__
    assert keras.models.load_model(out).count_params() == result.model.count_params()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny.keras"]


# --------------------------------------------------------------------------
# Real write failures
# --------------------------------------------------------------------------
def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


#: Two epochs on the 450 sample digits a 0.9 validation split leaves.
SMALL_RUN = dict(arch="small", epochs=2, data="sample", validation_split=0.9, seed=3)

#: Both file-size-limit failures in one process (TensorFlow loads once): files stay
#: under 100,000 bytes from epoch 1's line on, so the training run (argv[1]) fails
#: at checkpoint 2; then a model saved over the file at argv[2] cannot be written
#: either. A ``---`` line separates what each printed.
FILE_SIZE_LIMIT = textwrap.dedent(f"""
    import resource, sys
    from cnnlib import models, training

    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, 100_000))

    def printer(line):  # epoch 1 is saved before its line: from now on files stay small
        print(line, flush=True)
        if line.startswith("Epoch: 1 "):
            limit()
    try:
        training.train(**{SMALL_RUN!r}, out=sys.argv[1], verbose=2, printer=printer)
    except training.TrainError as err:
        print("TrainError:", err)
    print("---", flush=True)
    limit()
    try:
        training.save_atomic(models.build_model("small", seed=1), sys.argv[2])
    except training.TrainError as err:
        print("TrainError:", err)
""")


@pytest.fixture(scope="module")
def file_size_limited(tmp_path_factory, small_model):
    """The FILE_SIZE_LIMIT process, run once: (its output before and after ``---``,
    the training run's --out, the saved-over file and its SHA-256 before)."""
    out = tmp_path_factory.mktemp("mid-training") / "m.keras"
    target = tmp_path_factory.mktemp("saving") / "model.keras"
    training.save_atomic(small_model, target)
    before = _sha256(target)
    run = subprocess.run(
        [sys.executable, "-c", FILE_SIZE_LIMIT, str(out), str(target)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.count("---\n") == 1, run.stdout
    training_out, saving_out = run.stdout.split("---\n")
    return training_out, out, saving_out, target, before


@pytest.mark.slow
def test_file_size_limit_while_saving_keeps_the_previous_file(file_size_limited):
    _, _, printed, target, before = file_size_limited
    message = printed.strip()
    assert message.startswith(
        f"TrainError: could not save the model to {target}: {os.strerror(errno.EFBIG)}"
    ), message
    assert "previous file there is kept intact" in message
    assert _sha256(target) == before
    assert [p.name for p in target.parent.iterdir()] == ["model.keras"]  # no temp
    keras.models.load_model(target)


@pytest.mark.slow
def test_file_size_limit_mid_training_keeps_the_last_checkpoint_and_resumes(
    file_size_limited,
):
    printed, out, _, _, _ = file_size_limited
    ckpt = training.checkpoint_dir(out)
    assert (
        f"TrainError: could not write the checkpoint {ckpt / 'ckpt-0002'}: "
        f"{os.strerror(errno.EFBIG)} (the previous checkpoint is kept)"
    ) in printed
    assert _pointer(out)["latest"] == "ckpt-0001"
    assert sorted(p.name for p in ckpt.iterdir()) == [POINTER, "ckpt-0001"]  # none half
    assert not out.exists()

    lines = []
    result = training.train(
        **SMALL_RUN, out=out, verbose=2, resume=True, printer=lines.append
    )
    assert any("1 of 2 epochs already done" in line for line in lines), lines
    assert [h.epoch for h in result.history] == [1, 2]
    assert out.exists() and not ckpt.exists()


@pytest.fixture()
def small_tmpfs():
    """A 1 MiB tmpfs (room for about two small models); root only."""
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a small tmpfs needs root")
    folder = Path(tempfile.mkdtemp(prefix="cnnlib-tmpfs-"))
    if subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(folder)],
        capture_output=True,
    ).returncode:
        folder.rmdir()
        pytest.skip("this machine does not allow mounting a tmpfs")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False)
        folder.rmdir()


def test_full_disk_while_saving_keeps_the_previous_file(small_tmpfs, small_model):
    target = small_tmpfs / "model.keras"
    training.save_atomic(small_model, target)
    before = _sha256(target)
    fd = os.open(small_tmpfs / "filler", os.O_WRONLY | os.O_CREAT)
    try:  # fill the disk to the last byte
        for chunk in (65536, 4096, 1):
            try:
                while True:
                    os.write(fd, b"\0" * chunk)
            except OSError as err:
                assert err.errno == errno.ENOSPC
    finally:
        os.close(fd)
    with pytest.raises(training.TrainError) as info:
        training.save_atomic(models.build_model("small", seed=1), target)
    message = str(info.value)
    assert (
        f"could not save the model to {target}: {os.strerror(errno.ENOSPC)}" in message
    )
    assert "kept intact" in message
    assert _sha256(target) == before
    assert sorted(p.name for p in small_tmpfs.iterdir()) == ["filler", "model.keras"]
    keras.models.load_model(target)


def test_full_disk_on_a_first_save_leaves_nothing_behind(small_tmpfs, small_model):
    (small_tmpfs / "filler").write_bytes(b"\0" * (1024 * 1024 - 200_000))
    target = small_tmpfs / "model.keras"
    with pytest.raises(training.TrainError, match=os.strerror(errno.ENOSPC)):
        training.save_atomic(small_model, target)
    assert sorted(p.name for p in small_tmpfs.iterdir()) == ["filler"]


READ_ONLY = textwrap.dedent("""
    import os, sys, tempfile
    from pathlib import Path
    from cnnlib import models, training
    folder, uid, gid = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    with tempfile.TemporaryDirectory() as warm:  # every lazy import done while allowed
        training.save_atomic(models.build_model("small"), Path(warm) / "m.keras")
    if uid != os.getuid():  # from here on an ordinary user (Python lives under /root)
        os.setgroups([])
        os.setgid(gid)
        os.setuid(uid)
    target = folder / "m.keras"
    for call in (lambda: training.check_writable(target),
                 lambda: training.save_atomic(models.build_model("small"), target),
                 lambda: training.train("small", epochs=1, data="sample", out=target)):
        try:
            call()
        except training.TrainError as err:
            print("TrainError:", err)
""")


@pytest.mark.slow
def test_read_only_folder_as_a_non_root_user_names_the_path():
    root = os.geteuid() == 0
    if root:
        try:
            import pwd

            nobody = pwd.getpwnam("nobody")
        except (ImportError, KeyError):
            pytest.skip("running as root and there is no 'nobody' user to drop to")
    home = Path(tempfile.mkdtemp(prefix="cnnlib-ro-"))
    try:
        folder = home / "read-only"
        folder.mkdir()
        folder.chmod(0o555)
        home.chmod(0o777)
        # root may write anywhere: the script drops to nobody, who may not
        ids = (nobody.pw_uid, nobody.pw_gid) if root else (os.getuid(), os.getgid())
        env = {**os.environ, "HOME": str(home), "KERAS_HOME": str(home / ".keras")}
        out = subprocess.run(
            [sys.executable, "-c", READ_ONLY, str(folder), *map(str, ids)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
            env=env,
        )
        assert out.returncode == 0, out.stderr[-3000:]
        lines = out.stdout.strip().splitlines()
        target = folder / "m.keras"
        not_writable = (
            f"TrainError: cannot write the model to {target}: folder "
            f"'{folder}' is not writable"
        )
        assert lines == [
            not_writable,
            f"TrainError: could not save the model to {target}: "
            f"{os.strerror(errno.EACCES)}",
            not_writable,
        ], out.stdout
        assert list(folder.iterdir()) == []
    finally:
        shutil.rmtree(home, ignore_errors=True)


def test_a_path_through_a_file_is_refused_by_name(tmp_path, small_model):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    target = blocker / "m.keras"
    with pytest.raises(
        training.TrainError, match=f"{target}: {os.strerror(errno.ENOTDIR)}"
    ):
        training.save_atomic(small_model, target)
    with pytest.raises(
        training.TrainError, match=f"could not write the checkpoint {blocker}"
    ):
        training.CheckpointManager(blocker / "ckpt").save(small_model, {}, 1)
    assert blocker.read_text() == "not a folder"
    with pytest.raises(
        training.TrainError, match=f"'{blocker}' is a file, not a folder"
    ):
        training.check_writable(target)


def test_saving_into_a_missing_folder_names_the_path(tmp_path, small_model):
    target = tmp_path / "no-such-folder" / "model.keras"
    with pytest.raises(training.TrainError, match=f"the model to {target}"):
        training.save_atomic(small_model, target)
    with pytest.raises(training.TrainError, match="must end in .keras"):
        training.save_atomic(small_model, tmp_path / "model.h5")
