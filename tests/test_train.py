"""cnnlib.train: the library function, the command line, checkpoints and resume.

Every training here is tiny (a few hundred digits, the small network, one or
two epochs) so the whole file runs in well under a minute; the real recipes
are measured by the CLI commands in the training chapter and the lead's notes.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

import cnnlib
import cnnlib.evaluate
import keras

from cnnlib import data, train

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def tiny() -> data.MnistData:
    x_tr, y_tr, x_te, y_te = data.load_sample()
    return data.MnistData(x_tr[:300], y_tr[:300], x_te[:100], y_te[:100],
                          source="sample", name="300 sample digits (test)")


# --------------------------------------------------------------------------
# The library function
# --------------------------------------------------------------------------
def test_train_monitors_validation_and_scores_the_test_digits_once(tiny):
    lines = []
    result = train.train("small", epochs=2, batch_size=50, lr=1e-3, data=tiny, verbose=2,
                         seed=1, printer=lines.append)
    assert [h.epoch for h in result.history] == [1, 2]
    assert result.history[1].cost < result.history[0].cost  # it learns
    assert result.data_name == "300 sample digits (test)"
    assert result.n_validation == 30  # 10% of 300, held out of the training digits
    # each epoch's validation numbers are the model's on the held-out digits
    _, _, x_val, y_val = train.split_validation(tiny.x_train, tiny.y_train, 0.1, seed=1)
    val_acc = cnnlib.evaluate.accuracy(result.model, x_val, y_val)
    assert result.history[-1].val_accuracy == pytest.approx(val_acc, abs=1e-6)
    assert result.history[-1].val_cost > 0
    # the test digits are scored once, at the end, by evaluate.accuracy
    test_acc = cnnlib.evaluate.accuracy(result.model, tiny.x_test, tiny.y_test)
    assert result.test_accuracy == test_acc
    assert result.test_accuracy > 0.5  # it learned (chance is 0.1)
    epoch_lines = [line for line in lines if line.startswith("Epoch: ")]
    assert epoch_lines == [f"Epoch: {h.epoch} cost = {h.cost:.3f}  validation accuracy: "
                           f"{h.val_accuracy:.3f}" for h in result.history]
    assert lines[-1] == (f"Test accuracy: {test_acc:.3f} (100 test digits, "
                         "scored once after training)")
    assert not any("test" in line.lower() for line in lines[:-1])


def test_validation_digits_are_fixed_by_the_seed_and_stratified(tiny):
    y = tiny.y_train
    a = train.validation_indices(y, 0.1, seed=0)
    assert np.array_equal(a, train.validation_indices(y, 0.1, seed=0))
    assert not np.array_equal(a, train.validation_indices(y, 0.1, seed=1))
    for digit in range(10):  # every class gives its share, within rounding
        assert abs(np.sum(y[a] == digit) - 0.1 * np.sum(y == digit)) <= 0.5
    x_fit, y_fit, x_val, y_val = train.split_validation(tiny.x_train, y, 0.1, seed=0)
    assert len(x_fit) + len(x_val) == 300 and len(y_val) == len(a)
    np.testing.assert_array_equal(x_val, tiny.x_train[a])
    assert len(set(map(bytes, x_fit)) & set(map(bytes, x_val))) == 0  # disjoint
    empty = train.split_validation(tiny.x_train, y, 0.0, seed=0)
    assert len(empty[0]) == 300 and len(empty[2]) == 0


def test_validation_split_zero_trains_without_monitoring(tiny):
    lines = []
    result = train.train("small", epochs=1, data=tiny, verbose=2, seed=1,
                         validation_split=0, printer=lines.append)
    assert result.n_validation == 0 and np.isnan(result.history[0].val_accuracy)
    assert f"Epoch: 1 cost = {result.history[0].cost:.3f}" in lines
    assert result.test_accuracy == cnnlib.evaluate.accuracy(result.model, tiny.x_test,
                                                            tiny.y_test)


def test_same_seed_repeats_the_same_losses(tiny):
    a = train.train("small", epochs=1, data=tiny, verbose=0, seed=4)
    b = train.train("small", epochs=1, data=tiny, verbose=0, seed=4)
    assert f"{a.history[0].cost:.3f}" == f"{b.history[0].cost:.3f}"
    np.testing.assert_allclose(a.model.get_layer("conv1").get_weights()[0],
                               b.model.get_layer("conv1").get_weights()[0], atol=1e-3)


def test_improved_recipe_trains_and_saves(tiny, tmp_path):
    out = tmp_path / "imp.keras"
    result = train.train("small", recipe="improved", epochs=1, data=tiny, out=out, verbose=0)
    assert out.exists() and not train.checkpoint_dir(out).exists()
    again = keras.models.load_model(out)
    np.testing.assert_allclose(again.predict(tiny.x_test[:4], verbose=0),
                               result.model.predict(tiny.x_test[:4], verbose=0), atol=1e-5)
    assert "dropout" in [layer.name for layer in result.model.layers]


def test_improved_schedule_peaks_at_peak_factor_times_lr():
    schedule = train.learning_rate_schedule("improved", 1e-4, steps_per_epoch=10, epochs=5)
    rates = np.array([float(schedule(step)) for step in range(50)])
    assert rates.max() == pytest.approx(train.PEAK_FACTOR * 1e-4, rel=1e-3)
    assert rates.argmax() == 10  # after one epoch of warm-up
    assert rates[0] < rates[5] < rates[10] and rates[-1] < 0.05 * rates.max()


def test_article_recipe_is_constant_adam(tiny):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2)])
    train._compile(model, "article", lr=3e-4, steps_per_epoch=10, epochs=2)
    assert isinstance(model.optimizer, keras.optimizers.Adam)
    assert float(model.optimizer.learning_rate) == pytest.approx(3e-4)


def test_make_dataset_batches_and_shuffles_reproducibly(tiny):
    ds = train.make_dataset(tiny.x_train[:120], tiny.y_train[:120], 50, seed=3)
    batches = list(ds)
    assert [len(b[0]) for b in batches] == [50, 50, 20]
    assert batches[0][0].shape[1:] == (28, 28, 1) and float(batches[0][0].numpy().max()) > 1
    again = [b[1].numpy() for b in train.make_dataset(tiny.x_train[:120], tiny.y_train[:120], 50, seed=3)]
    np.testing.assert_array_equal(batches[0][1].numpy(), again[0])
    other = next(iter(train.make_dataset(tiny.x_train[:120], tiny.y_train[:120], 50, seed=4)))[1]
    assert not np.array_equal(other.numpy(), again[0])


def test_augmentation_changes_digits_but_keeps_their_ink(tiny):
    x = tiny.x_train[:50]
    plain = next(iter(train.make_dataset(x, tiny.y_train[:50], 50, shuffle=False)))[0].numpy()
    aug = next(iter(train.make_dataset(x, tiny.y_train[:50], 50, shuffle=False, augment=True)))[0].numpy()
    assert not np.allclose(plain, aug)
    ink = plain.sum(axis=(1, 2, 3)), aug.sum(axis=(1, 2, 3))
    assert np.median(ink[1] / ink[0]) == pytest.approx(1.0, abs=0.25)


def test_precision_is_detected_from_the_cpu_flags(tmp_path):
    with_bf16 = tmp_path / "cpuinfo_bf16"
    with_bf16.write_text("flags\t\t: fpu sse avx512f avx512_bf16 amx_tile\n")
    without = tmp_path / "cpuinfo_plain"
    without.write_text("flags\t\t: fpu sse avx2\n")
    assert train.cpu_supports_bfloat16(str(with_bf16))
    assert not train.cpu_supports_bfloat16(str(without))
    assert not train.cpu_supports_bfloat16(str(tmp_path / "missing"))


def test_cnnlib_precision_variable_overrides_auto_but_not_an_argument(monkeypatch):
    """README Troubleshooting: ``CNNLIB_PRECISION=float32`` gives float32 on any CPU."""
    for value in ("float32", "mixed_bfloat16"):
        monkeypatch.setenv("CNNLIB_PRECISION", value)
        assert train.pick_precision() == value
        assert train.pick_precision("auto") == value
    monkeypatch.setenv("CNNLIB_PRECISION", "float32")
    assert train.pick_precision("mixed_bfloat16") == "mixed_bfloat16"  # the argument wins
    monkeypatch.setenv("CNNLIB_PRECISION", "fp16")
    with pytest.raises(ValueError, match=r"CNNLIB_PRECISION.*got 'fp16'"):
        train.pick_precision()
    assert train.pick_precision(environ={"CNNLIB_PRECISION": "mixed_bfloat16"}) == "mixed_bfloat16"


@pytest.mark.slow
def test_cnnlib_precision_float32_trains_in_float32(tiny):
    code = textwrap.dedent("""
        import cnnlib
        from cnnlib import data, train
        x, y, xt, yt = data.load_sample()
        tiny = data.MnistData(x[:100], y[:100], xt[:50], yt[:50], source="sample", name="t")
        r = train.train("small", epochs=1, data=tiny, verbose=0)
        print("SETUP", r.setup)
        print("DTYPE", r.model.get_layer("conv1").compute_dtype)
    """)
    env = {**os.environ, "CNNLIB_PRECISION": "float32"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         timeout=300, env=env)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "precision float32" in out.stdout and "DTYPE float32" in out.stdout, out.stdout


def test_setup_is_described_in_words():
    text = train.describe_setup("float32", train.pick_strategy())
    assert text.startswith("one device (") and text.endswith("precision float32")
    assert "_Default" not in text and "Strategy" not in text


# --------------------------------------------------------------------------
# Bad arguments: a clear error naming the value
# --------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs, match", [
    (dict(epochs=0), r"epochs.*got 0"),
    (dict(epochs=2.5), r"epochs.*got 2\.5"),
    (dict(batch_size=-1), r"batch_size.*got -1"),
    (dict(lr=0.0), r"lr.*got 0\.0"),
    (dict(lr=5.0), r"lr.*got 5\.0"),
    (dict(arch="medium"), r"got 'medium'"),
    (dict(recipe="fast"), r"got 'fast'"),
    (dict(seed=-3), r"seed.*got -3"),
    (dict(resume=True), r"resume=True needs out"),
    (dict(validation_split=1.5), r"validation_split.*got 1\.5"),
    (dict(validation_split=-0.1), r"validation_split.*got -0\.1"),
    (dict(validation_split=1), r"validation_split.*got 1"),
])
def test_bad_arguments_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        train.train(**{"arch": "small", **kwargs})


@pytest.mark.parametrize("argv, match", [
    (["--epochs", "0"], "--epochs: expected a whole number >= 1, got '0'"),
    (["--epochs", "ten"], "--epochs: expected a whole number, got 'ten'"),
    (["--lr", "-1"], "--lr: expected a learning rate between 0 and 1, got '-1'"),
    (["--lr", "fast"], "--lr: expected a number such as 1e-4, got 'fast'"),
    (["--arch", "medium"], "--arch: invalid choice: 'medium'"),
    (["--recipe", "best"], "--recipe: invalid choice: 'best'"),
    (["--data", "imagenet"], "--data: invalid choice: 'imagenet'"),
    (["--batch-size", "0"], "--batch-size: expected a whole number >= 1, got '0'"),
])
def test_cli_rejects_bad_values_by_name(argv, match, capsys, tmp_path):
    with pytest.raises(SystemExit) as info:
        train.main(argv + ["--out", str(tmp_path / "m.keras")])
    assert info.value.code == 2
    assert match in capsys.readouterr().err


def test_cli_unwritable_out_is_one_clear_line(capsys, tmp_path):
    out = tmp_path / "no" / "such" / "m.keras"
    assert train.main(["--arch", "small", "--epochs", "1", "--data", "sample", "--out", str(out)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and str(out) in err and err.startswith("error: ")


def test_cli_resume_refuses_changed_settings(tmp_path, tiny, monkeypatch, capsys):
    out = tmp_path / "m.keras"
    ckpt = train.checkpoint_dir(out)
    ckpt.mkdir()
    (ckpt / "state.json").write_text(json.dumps({"config": {"arch": "large"}, "history": []}))
    monkeypatch.setattr(train, "_load_data", lambda *a, **k: tiny)
    code = train.main(["--arch", "small", "--epochs", "2", "--out", str(out), "--resume"])
    assert code == 1
    assert "arch='large' (now 'small')" in capsys.readouterr().err


# --------------------------------------------------------------------------
# Checkpoints and resume, for real: a subprocess killed during epoch 3
# --------------------------------------------------------------------------
CLI = [sys.executable, "-m", "cnnlib.train", "--arch", "small", "--epochs", "5",
       "--batch-size", "50", "--data", "sample", "--quiet", "--seed", "2"]


@pytest.mark.slow
def test_killed_during_epoch_3_resumes_from_epoch_3(tmp_path):
    out = tmp_path / "m.keras"
    ckpt = train.checkpoint_dir(out)
    proc = subprocess.Popen(CLI + ["--out", str(out)], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    seen = []
    try:
        for line in proc.stdout:  # an epoch line is printed after its checkpoint is saved
            seen.append(line)
            if line.startswith("Epoch: 2 "):
                time.sleep(0.3)  # well inside epoch 3
                proc.send_signal(signal.SIGKILL)
                break
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL, "".join(seen)
    state = json.loads((ckpt / "state.json").read_text())
    assert [h["epoch"] for h in state["history"]] == [1, 2]  # killed during epoch 3
    assert not out.exists()
    assert not [p for p in ckpt.iterdir() if p.name.startswith(".")]  # no temp files left visible

    rerun = subprocess.run(CLI + ["--out", str(out), "--resume"], cwd=ROOT, capture_output=True,
                           text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    lines = rerun.stdout.splitlines()
    assert any("2 of 5 epochs already done" in line for line in lines), rerun.stdout
    epochs = [int(line.split()[1]) for line in lines if line.startswith("Epoch: ")]
    assert epochs == [3, 4, 5]  # it did not start again at epoch 1
    assert out.exists() and not ckpt.exists()
    keras.models.load_model(out)


def test_resume_without_checkpoint_starts_fresh(tmp_path, tiny):
    out = tmp_path / "m.keras"
    result = train.train("small", epochs=1, data=tiny, out=out, resume=True, verbose=0)
    assert [h.epoch for h in result.history] == [1]


def test_checkpoint_write_failure_keeps_previous_checkpoint(tmp_path, tiny, monkeypatch):
    folder = tmp_path / "ckpt"
    folder.mkdir()
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2)])
    train.save_checkpoint(model, {"history": [1]}, folder)
    before = (folder / "model.keras").read_bytes()

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(train.json, "dump", full_disk)
    with pytest.raises(train.TrainError, match=r"state\.json: No space left on device"):
        train.save_checkpoint(model, {"history": [1, 2]}, folder)
    assert (folder / "model.keras").read_bytes() == before
    assert json.loads((folder / "state.json").read_text()) == {"history": [1]}
    assert sorted(p.name for p in folder.iterdir()) == ["model.keras", "state.json"]


# --------------------------------------------------------------------------
# Several devices: MirroredStrategy over two logical CPUs, in a subprocess
# --------------------------------------------------------------------------
@pytest.mark.slow
def test_mirrored_strategy_on_two_logical_cpus():
    code = textwrap.dedent("""
        import tensorflow as tf  # before cnnlib: its first op would fix the devices
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
        import cnnlib
        from cnnlib import data, train
        x, y, xt, yt = data.load_sample()
        tiny = data.MnistData(x[:400], y[:400], xt[:100], yt[:100], source="sample", name="tiny")
        devices = [d.name for d in tf.config.list_logical_devices("CPU")]
        strategy = train.pick_strategy(devices)
        r = train.train("small", epochs=2, batch_size=50, lr=1e-3, data=tiny, verbose=0,
                        strategy=strategy, precision="float32")
        print("REPLICAS", strategy.num_replicas_in_sync, type(strategy).__name__)
        print("SETUP", r.setup)
        print("ACC", r.test_accuracy)
    """)
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "REPLICAS 2 MirroredStrategy" in out.stdout
    assert "SETUP MirroredStrategy over 2 devices, precision float32" in out.stdout
    acc = float(out.stdout.split("ACC ")[1].split()[0])
    assert acc > 0.5, out.stdout  # it learned (chance is 0.1)
