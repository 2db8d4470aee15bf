"""Saving and checkpoints, tested with real kills and real write failures.

Kills: a real training subprocess is SIGKILLed at the dangerous moment (a
checkpoint complete, its pointer not yet written: the test hook
``CNNLIB_TEST_KILL_AT`` of :mod:`cnnlib.checkpoints`), while a checkpoint's
model is written, and at random times; every time, ``--resume`` finishes the
run, and a resumed improved-recipe run ends with exactly the weights of an
uninterrupted one.

Write failures are real, not patched: a file-size limit (``RLIMIT_FSIZE``) in
a subprocess, a small full tmpfs (root only), a read-only folder for a
non-root user (a subprocess that drops to ``nobody`` when the tests run as
root), and a path through a file (``ENOTDIR``).
"""
from __future__ import annotations

import errno
import hashlib
import json
import os
import random
import resource
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

import cnnlib  # noqa: F401
import keras

from cnnlib import data, models, train
from cnnlib.checkpoints import KILL_ENV, POINTER, CheckpointManager, random_states

ROOT = Path(__file__).resolve().parents[1]

#: Trains the small network on 400 sample digits; argv: out, recipe, epochs.
#: Prints the epoch lines. ``_train_here`` is the same, in this process.
SCRIPT = textwrap.dedent("""
    import sys
    import cnnlib
    from cnnlib import data, train
    out, recipe, epochs = sys.argv[1], sys.argv[2], int(sys.argv[3])
    x, y, xt, yt = data.load_sample()
    tiny = data.MnistData(x[:400], y[:400], xt[:50], yt[:50], source="sample", name="t400")
    r = train.train("small", recipe=recipe, epochs=epochs, batch_size=50, data=tiny, out=out,
                    resume=True, verbose=2, seed=1, printer=lambda s: print(s, flush=True))
""")


def _run(out: Path, recipe: str = "article", epochs: int = 3, kill_at: str = "", **kw):
    env = {**os.environ, KILL_ENV: kill_at}
    return subprocess.run([sys.executable, "-c", SCRIPT, str(out), recipe, str(epochs)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300, env=env, **kw)


def _train_here(out: Path, recipe: str = "article", epochs: int = 3):
    """What SCRIPT does, in this process: ``(weights, printed lines)``."""
    x, y, xt, yt = data.load_sample()
    tiny = data.MnistData(x[:400], y[:400], xt[:50], yt[:50], source="sample", name="t400")
    lines: list[str] = []
    result = train.train("small", recipe=recipe, epochs=epochs, batch_size=50, data=tiny,
                         out=out, resume=True, verbose=2, seed=1, printer=lines.append)
    return result.model.get_weights(), lines


def _pointer(out: Path) -> dict:
    return json.loads((train.checkpoint_dir(out) / POINTER).read_text())


def _assert_consistent(out: Path, steps_per_epoch: int) -> int:
    """The pointer names a complete checkpoint whose model and state agree; its epoch."""
    ckpt = train.checkpoint_dir(out)
    if not (ckpt / POINTER).exists():
        return 0
    latest = ckpt / _pointer(out)["latest"]
    state = json.loads((latest / "state.json").read_text())
    model = keras.models.load_model(latest / "model.keras")
    assert [h["epoch"] for h in state["history"]] == list(range(1, state["epoch"] + 1))
    assert int(model.optimizer.iterations) == state["epoch"] * steps_per_epoch
    assert latest.name == f"ckpt-{state['epoch']:04d}"
    return state["epoch"]


# --------------------------------------------------------------------------
# Kills
# --------------------------------------------------------------------------
@pytest.mark.slow
def test_kill_between_checkpoint_and_pointer_resumes_to_identical_weights(tmp_path):
    """The dangerous instant: checkpoint 2 is complete, the pointer still names 1.
    Resuming from 1 must end, improved recipe and all, with the uninterrupted
    run's weights exactly (same batches, augmentation, dropout masks, optimizer)."""
    whole, cut = tmp_path / "whole.keras", tmp_path / "cut.keras"
    killed = _run(cut, "improved", kill_at="before-pointer:2")
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-3000:]
    ckpt = train.checkpoint_dir(cut)
    assert (ckpt / "ckpt-0002" / "model.keras").exists()  # written, but never named
    assert _pointer(cut)["latest"] == "ckpt-0001"
    assert _assert_consistent(cut, steps_per_epoch=8) == 1

    resumed, lines = _train_here(cut, "improved")
    assert any("1 of 3 epochs already done" in line for line in lines), lines
    assert [line.split()[1] for line in lines if line.startswith("Epoch:")] == ["2", "3"]
    assert cut.exists() and not ckpt.exists()
    uninterrupted, _ = _train_here(whole, "improved")
    for a, b in zip(uninterrupted, resumed):
        np.testing.assert_array_equal(a, b)


@pytest.mark.slow
def test_kill_while_a_checkpoint_is_written_resumes_from_the_previous_one(tmp_path):
    out = tmp_path / "m.keras"
    killed = _run(out, kill_at="in-model:3")
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-3000:]
    ckpt = train.checkpoint_dir(out)
    assert [p.name for p in ckpt.iterdir() if p.name.startswith(".tmp-ckpt-0003")]  # half-made
    assert _assert_consistent(out, steps_per_epoch=8) == 2
    _, lines = _train_here(out)
    assert any("2 of 3 epochs already done" in line for line in lines), lines
    assert [line.split()[1] for line in lines if line.startswith("Epoch:")] == ["3"]
    assert out.exists() and not ckpt.exists()
    keras.models.load_model(out)


CLI = [sys.executable, "-m", "cnnlib.train", "--arch", "small", "--epochs", "4",
       "--batch-size", "50", "--data", "sample", "--validation-split", "0.5", "--quiet",
       "--seed", "2"]


@pytest.mark.slow
def test_cli_killed_at_random_times_always_resumes_to_a_finished_model(tmp_path, capsys):
    """README Troubleshooting, "training was killed": the CLI is SIGKILLed at random
    instants of training (and checkpointing) three times in a row, each time with
    ``--resume``; the checkpoint is consistent after every kill, and a last
    ``--resume`` finishes from it, not from epoch 1."""
    out = tmp_path / "m.keras"
    x, y, _, _ = data.load_sample()
    fit = train.split_validation(x, y, 0.5, seed=2)[0]
    steps = -(-len(fit) // 50)
    rng = random.Random(13)
    epochs_done, finished = 0, False
    for _ in range(3):
        proc = subprocess.Popen(CLI + ["--out", str(out), "--resume"], cwd=ROOT, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        try:
            for line in proc.stdout:  # printed just before fit starts
                if line.startswith(("Validation:", "Resuming")):
                    break
            time.sleep(rng.uniform(0.0, 2.5))
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
        if (train.checkpoint_dir(out) / POINTER).exists():
            now = _assert_consistent(out, steps)
            assert now >= epochs_done  # never loses a committed epoch
            epochs_done = now
        elif out.exists():  # killed after the final save
            finished = True
            break
    if not finished:  # the last --resume, in this process
        capsys.readouterr()
        assert train.main(CLI[3:] + ["--out", str(out), "--resume"]) == 0
        stdout = capsys.readouterr().out
        printed = [int(line.split()[1]) for line in stdout.splitlines()
                   if line.startswith("Epoch: ")]
        assert printed == list(range(epochs_done + 1, 5))  # not from epoch 1 again
        if epochs_done:
            assert f"{epochs_done} of 4 epochs already done" in stdout
    assert out.exists() and not train.checkpoint_dir(out).exists()
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
    manager = CheckpointManager(tmp_path / "c", keep=2)
    assert manager.latest() is None and manager.load() is None
    for n in (1, 2, 3):
        manager.save(small_model, {"epoch": n, "history": []}, n)
    assert sorted(p.name for p in manager.folder.iterdir()) == [POINTER, "ckpt-0002", "ckpt-0003"]
    assert manager.latest() == manager.folder / "ckpt-0003"
    model, state = manager.load()
    assert state["epoch"] == 3
    for a, b in zip(model.get_weights(), small_model.get_weights()):
        np.testing.assert_array_equal(a, b)
    (manager.folder / ".tmp-ckpt-0004-x").mkdir()  # left by a kill
    manager.save(small_model, {"epoch": 4}, 4)
    assert not list(manager.folder.glob(".tmp*"))
    manager.remove()
    assert not manager.folder.exists()


def test_dropout_random_state_is_restored_from_a_checkpoint(tmp_path):
    model = models.build_model("small", dropout=0.5, seed=3)
    model.compile(optimizer="adam", loss="mse")
    state = [v for v in model.non_trainable_variables if "seed_generator" in v.path][0]
    state.assign(np.array([3, 41], dtype=np.asarray(state.numpy()).dtype))
    manager = CheckpointManager(tmp_path / "c")
    manager.save(model, {"random_states": random_states(model)}, 1)
    loaded, _ = manager.load()
    again = [v for v in loaded.non_trainable_variables if "seed_generator" in v.path][0]
    assert np.asarray(again.numpy()).tolist() == [3, 41]


def test_resume_refuses_a_checkpoint_made_with_other_settings(tmp_path, small_model, capsys):
    out = tmp_path / "m.keras"
    CheckpointManager(train.checkpoint_dir(out)).save(
        small_model, {"config": {"arch": "large"}, "history": []}, 1)
    code = train.main(["--arch", "small", "--epochs", "2", "--data", "sample",
                       "--out", str(out), "--resume"])
    assert code == 1
    assert "arch='large' (now 'small')" in capsys.readouterr().err


def test_resume_without_checkpoint_starts_fresh(tmp_path):
    x, y, xt, yt = data.load_sample()
    tiny = data.MnistData(x[:200], y[:200], xt[:50], yt[:50], source="sample", name="t")
    out = tmp_path / "m.keras"
    result = train.train("small", epochs=1, data=tiny, out=out, resume=True, verbose=0)
    assert [h.epoch for h in result.history] == [1]
    assert out.exists() and not train.checkpoint_dir(out).exists()


# --------------------------------------------------------------------------
# Real write failures
# --------------------------------------------------------------------------
def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _limit_file_size(nbytes: int):
    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (nbytes, nbytes))
    return limit


SAVE_AGAIN = textwrap.dedent("""
    import sys
    import cnnlib
    from cnnlib import models, train
    try:
        train.save_atomic(models.build_model("small", seed=1), sys.argv[1])
    except train.TrainError as err:
        print("TrainError:", err)
""")


@pytest.mark.slow
def test_file_size_limit_while_saving_keeps_the_previous_file(tmp_path, small_model):
    target = tmp_path / "model.keras"
    train.save_atomic(small_model, target)
    before = _sha256(target)
    out = subprocess.run([sys.executable, "-c", SAVE_AGAIN, str(target)], cwd=ROOT,
                         capture_output=True, text=True, timeout=300,
                         preexec_fn=_limit_file_size(100_000))
    assert out.returncode == 0, out.stderr[-3000:]
    message = out.stdout.strip()
    assert message.startswith(f"TrainError: could not save the model to {target}: "
                              f"{os.strerror(errno.EFBIG)}"), message
    assert "previous file there is kept intact" in message
    assert _sha256(target) == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.keras"]  # no temp file left
    keras.models.load_model(target)


FAIL_AFTER_EPOCH_1 = textwrap.dedent("""
    import resource, sys
    import cnnlib
    from cnnlib import data, train
    x, y, xt, yt = data.load_sample()
    tiny = data.MnistData(x[:200], y[:200], xt[:50], yt[:50], source="sample", name="t")

    def printer(line):  # epoch 1 is saved before its line: from now on files stay small
        print(line, flush=True)
        if line.startswith("Epoch: 1 "):
            resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, 100_000))
    try:
        train.train("small", epochs=2, data=tiny, out=sys.argv[1], seed=3, verbose=2,
                    printer=printer)
    except train.TrainError as err:
        print("TrainError:", err)
""")


@pytest.mark.slow
def test_file_size_limit_mid_training_keeps_the_last_checkpoint_and_resumes(tmp_path):
    out = tmp_path / "m.keras"
    ckpt = train.checkpoint_dir(out)
    run = subprocess.run([sys.executable, "-c", FAIL_AFTER_EPOCH_1, str(out)], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    assert (f"TrainError: could not write the checkpoint {ckpt / 'ckpt-0002'}: "
            f"{os.strerror(errno.EFBIG)} (the previous checkpoint is kept)") in run.stdout
    assert _pointer(out)["latest"] == "ckpt-0001"
    assert sorted(p.name for p in ckpt.iterdir()) == [POINTER, "ckpt-0001"]  # nothing half-made
    assert not out.exists()

    x, y, xt, yt = data.load_sample()
    tiny = data.MnistData(x[:200], y[:200], xt[:50], yt[:50], source="sample", name="t")
    result = train.train("small", epochs=2, data=tiny, out=out, seed=3, verbose=0, resume=True)
    assert [h.epoch for h in result.history] == [1, 2]
    assert out.exists() and not ckpt.exists()


@pytest.fixture()
def small_tmpfs():
    """A 1 MiB tmpfs (room for about two small models); root only."""
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a small tmpfs needs root")
    folder = Path(tempfile.mkdtemp(prefix="cnnlib-tmpfs-"))
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(folder)],
                      capture_output=True).returncode:
        folder.rmdir()
        pytest.skip("this machine does not allow mounting a tmpfs")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False)
        folder.rmdir()


def test_full_disk_while_saving_keeps_the_previous_file(small_tmpfs, small_model):
    target = small_tmpfs / "model.keras"
    train.save_atomic(small_model, target)
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
    with pytest.raises(train.TrainError) as info:
        train.save_atomic(models.build_model("small", seed=1), target)
    message = str(info.value)
    assert f"could not save the model to {target}: {os.strerror(errno.ENOSPC)}" in message
    assert "kept intact" in message
    assert _sha256(target) == before
    assert sorted(p.name for p in small_tmpfs.iterdir()) == ["filler", "model.keras"]
    keras.models.load_model(target)


def test_full_disk_on_a_first_save_leaves_nothing_behind(small_tmpfs, small_model):
    (small_tmpfs / "filler").write_bytes(b"\0" * (1024 * 1024 - 200_000))
    target = small_tmpfs / "model.keras"
    with pytest.raises(train.TrainError, match=os.strerror(errno.ENOSPC)):
        train.save_atomic(small_model, target)
    assert sorted(p.name for p in small_tmpfs.iterdir()) == ["filler"]


READ_ONLY = textwrap.dedent("""
    import os, sys, tempfile
    from pathlib import Path
    import cnnlib
    from cnnlib import models, train
    folder, uid, gid = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    with tempfile.TemporaryDirectory() as warm:  # every lazy import done while allowed
        train.save_atomic(models.build_model("small"), Path(warm) / "m.keras")
    if uid != os.getuid():  # from here on an ordinary user (Python lives under /root)
        os.setgroups([])
        os.setgid(gid)
        os.setuid(uid)
    for call in (lambda: train.check_writable(folder / "m.keras"),
                 lambda: train.save_atomic(models.build_model("small"), folder / "m.keras"),
                 lambda: train.train("small", epochs=1, data="sample", out=folder / "m.keras")):
        try:
            call()
        except train.TrainError as err:
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
        out = subprocess.run([sys.executable, "-c", READ_ONLY, str(folder), *map(str, ids)],
                             cwd=ROOT, capture_output=True, text=True, timeout=300, env=env)
        assert out.returncode == 0, out.stderr[-3000:]
        lines = out.stdout.strip().splitlines()
        target = folder / "m.keras"
        assert lines == [
            f"TrainError: cannot write the model to {target}: folder '{folder}' is not writable",
            f"TrainError: cannot write the model to {target}: {os.strerror(errno.EACCES)}",
            f"TrainError: cannot write the model to {target}: folder '{folder}' is not writable",
        ], out.stdout
        assert list(folder.iterdir()) == []
    finally:
        shutil.rmtree(home, ignore_errors=True)


def test_a_path_through_a_file_is_refused_by_name(tmp_path, small_model):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    target = blocker / "m.keras"
    with pytest.raises(train.TrainError,
                       match=f"cannot write the model to {target}: {os.strerror(errno.ENOTDIR)}"):
        train.save_atomic(small_model, target)
    with pytest.raises(train.TrainError, match=f"could not write the checkpoint {blocker}"):
        CheckpointManager(blocker / "ckpt").save(small_model, {}, 1)
    assert blocker.read_text() == "not a folder"


def test_saving_into_a_missing_folder_names_the_path(tmp_path, small_model):
    target = tmp_path / "no-such-folder" / "model.keras"
    with pytest.raises(train.TrainError, match=f"cannot write the model to {target}"):
        train.save_atomic(small_model, target)


@pytest.mark.parametrize("out, message", [
    ("{tmp}/missing/m.keras", "folder '{tmp}/missing' does not exist"),
    ("{tmp}/m.h5", "must be a .keras file, got '{tmp}/m.h5'"),
    ("{tmp}", "must be a .keras file"),
])
def test_unwritable_output_is_refused_before_any_training(tmp_path, out, message, monkeypatch):
    def no_data(*args, **kwargs):  # train() must fail before it even loads the digits
        raise AssertionError("train() loaded data before checking where it writes")

    monkeypatch.setattr(train, "_load_data", no_data)
    out = out.format(tmp=tmp_path)
    with pytest.raises(train.TrainError, match=message.format(tmp=tmp_path).replace(".", r"\.")):
        train.train("small", epochs=1, out=out, verbose=0)
