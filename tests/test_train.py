"""cnnlib.train: the library function, the command line, checkpoints and resume.

Every training here is tiny (a few hundred digits, the small network, one or
two epochs) so the whole file runs in well under a minute; the real recipes
are measured by the CLI commands in the training chapter and the lead's notes.
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import cnnlib
import cnnlib.evaluate
import keras

from cnnlib import data, export, train

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


def test_tensorboard_gets_a_train_and_a_validation_run(tiny, tmp_path):
    train.train("small", epochs=1, data=tiny, verbose=0, seed=1, log_dir=tmp_path / "tb")
    runs = sorted(p.name for p in (tmp_path / "tb").iterdir())
    assert runs == ["train", "validation"]
    assert list((tmp_path / "tb" / "validation").glob("events.out.tfevents.*"))


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
    # saved in float32 whatever the training precision: same weights, runs on any CPU
    assert {layer.dtype_policy.name for layer in again.layers} == {"float32"}
    for saved, trained in zip(again.get_weights(), result.model.get_weights()):
        np.testing.assert_array_equal(saved, trained)
    np.testing.assert_allclose(again.predict(tiny.x_test[:4], verbose=0),
                               export.float32_copy(result.model).predict(tiny.x_test[:4],
                                                                         verbose=0),
                               atol=1e-5)
    assert "dropout" in [layer.name for layer in result.model.layers]


def test_improved_schedule_peaks_at_peak_factor_times_lr():
    schedule = train.learning_rate_schedule("improved", 1e-4, steps_per_epoch=10, epochs=5)
    rates = np.array([float(schedule(step)) for step in range(50)])
    assert rates.max() == pytest.approx(train.PEAK_FACTOR * 1e-4, rel=1e-3)
    assert rates.argmax() == 10  # after one epoch of warm-up
    assert rates[0] < rates[5] < rates[10] and rates[-1] < 0.05 * rates.max()


def test_article_recipe_is_constant_adam_and_improved_is_adamw_with_smoothing():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2)])
    train.compile_model(model, "article", lr=3e-4, steps_per_epoch=10, epochs=2)
    assert type(model.optimizer) is keras.optimizers.Adam
    assert float(model.optimizer.learning_rate) == pytest.approx(3e-4)
    assert isinstance(model.loss, keras.losses.SparseCategoricalCrossentropy)
    train.compile_model(model, train.IMPROVED_RECIPE, lr=1e-4, steps_per_epoch=10, epochs=2)
    assert isinstance(model.optimizer, keras.optimizers.AdamW)
    assert model.optimizer.weight_decay == pytest.approx(0.1)
    assert model.loss.get_config()["label_smoothing"] == pytest.approx(0.1)


def test_recipe_is_an_object_made_once_from_its_name():
    from cnnlib import recipes

    assert train.get_recipe("improved") is recipes.IMPROVED
    assert train.get_recipe(recipes.ARTICLE) is recipes.ARTICLE
    with pytest.raises(ValueError, match=r"recipe must be one of \('article', 'improved'\)"):
        train.get_recipe("fast")
    with pytest.raises(Exception):  # frozen: a recipe cannot be changed in place
        recipes.IMPROVED.dropout = 0.0
    # the chapter prints train.IMPROVED: the improved recipe's settings, flat
    assert train.IMPROVED == {"dropout": 0.5, "label_smoothing": 0.1, "weight_decay": 0.1,
                              "shift": 0.1, "rotate_degrees": 10.0, "zoom": 0.1, "copies": 3}
    assert train.PEAK_FACTOR == recipes.IMPROVED.peak_factor == 20.0
    assert not recipes.ARTICLE.one_hot and recipes.IMPROVED.one_hot


# --------------------------------------------------------------------------
# The input pipeline train() uses
# --------------------------------------------------------------------------
def _stream(tiny, n=120, **kw):
    ds = train.make_training_dataset(tiny.x_train[:n], tiny.y_train[:n], 50, **kw)
    return [(a.numpy(), b.numpy()) for a, b in ds]


def test_training_stream_visits_every_digit_once_per_epoch_in_a_new_order(tiny):
    batches = _stream(tiny, seed=3, epochs=2)
    assert [len(b[0]) for b in batches] == [50, 50, 20, 50, 50, 20]
    assert batches[0][0].shape[1:] == (28, 28, 1) and batches[0][0].max() > 1  # raw 0..255
    x = tiny.x_train[:120].reshape(120, -1)
    index = {bytes(row.astype(np.float32)): i for i, row in enumerate(x)}
    order = [[index[bytes(d.reshape(-1))] for a, _ in batches[k:k + 3] for d in a]
             for k in (0, 3)]
    for epoch in order:  # each epoch: every digit exactly once, labels kept with digits
        assert sorted(epoch) == list(range(120))
    assert order[0] != order[1]  # a new order each epoch
    labels = np.concatenate([b for _, b in batches[:3]])
    np.testing.assert_array_equal(labels, tiny.y_train[:120][order[0]])
    np.testing.assert_array_equal(order[0], train.epoch_order(120, 3, 0).numpy())


def test_training_stream_repeats_with_the_seed_and_resumes_mid_way(tiny):
    full = _stream(tiny, seed=5, epochs=3, augment=True, one_hot=True)
    again = _stream(tiny, seed=5, epochs=3, augment=True, one_hot=True)
    for (a, b), (c, d) in zip(full, again):
        np.testing.assert_array_equal(a, c)
        np.testing.assert_array_equal(b, d)
    # a resumed run (first_epoch=2) gets exactly the batches an uninterrupted one gets
    tail = _stream(tiny, seed=5, first_epoch=2, epochs=3, augment=True, one_hot=True)
    assert len(tail) == 3
    for (a, b), (c, d) in zip(full[6:], tail):
        np.testing.assert_array_equal(a, c)
        np.testing.assert_array_equal(b, d)
    other = _stream(tiny, seed=6, epochs=1)
    assert not np.array_equal(other[0][1], _stream(tiny, seed=5, epochs=1)[0][1])


def test_improved_recipe_stream_stacks_augmented_copies(tiny):
    aug = train.IMPROVED_RECIPE.augmentation
    plain = _stream(tiny, n=50, seed=1)[0]
    copies = _stream(tiny, n=50, seed=1, augment=aug, one_hot=True)[0]
    assert copies[0].shape == (150, 28, 28, 1) and copies[1].shape == (150, 10)
    for k in range(3):  # three copies of the same 50 digits and labels ...
        np.testing.assert_array_equal(copies[1][50 * k:50 * (k + 1)].argmax(1), plain[1])
    a, b = copies[0][:50], copies[0][50:100]
    assert not np.allclose(a, b) and not np.allclose(a, plain[0])  # ... each moved differently
    ink = plain[0].sum(axis=(1, 2, 3)), a.sum(axis=(1, 2, 3))
    assert np.median(ink[1] / ink[0]) == pytest.approx(1.0, abs=0.25)


def test_random_affine_matches_an_independent_affine_resampling(tiny):
    ndimage = pytest.importorskip("scipy.ndimage")
    import tensorflow as tf

    x = tiny.x_train[:8].astype(np.float32)[..., None]
    key = [7, 11]
    out = train.random_affine(x, key, shift=0.1, rotate_degrees=10, zoom=0.1).numpy()
    u = tf.random.stateless_uniform([8, 4], seed=tf.constant(key, tf.int64),
                                    minval=-1.0, maxval=1.0).numpy().astype(np.float64)
    for i in range(8):
        angle, scale = u[i, 0] * np.deg2rad(10), 1 + u[i, 1] * 0.1
        t = np.array([u[i, 3], u[i, 2]]) * 0.1 * 28  # (row, column) shift
        # output pixel p comes from input c + R(-angle)/scale (p - c - t), (row, col) order
        cos, sin = np.cos(angle) / scale, np.sin(angle) / scale
        m = np.array([[cos, -sin], [sin, cos]])
        c = np.array([13.5, 13.5])
        want = ndimage.affine_transform(x[i, ..., 0].astype(np.float64), m,
                                        offset=c - m @ (c + t), order=1,
                                        mode="grid-constant", cval=0.0)
        np.testing.assert_allclose(out[i, ..., 0], want, atol=0.05)


def test_random_affine_is_the_identity_at_zero_and_repeats_with_its_key(tiny):
    x = tiny.x_train[:4].astype(np.float32)[..., None]
    same = train.random_affine(x, [1, 2], shift=0.0, rotate_degrees=0.0, zoom=0.0).numpy()
    np.testing.assert_allclose(same, x, atol=1e-3)
    a = train.random_affine(x, [1, 2]).numpy()
    np.testing.assert_array_equal(a, train.random_affine(x, [1, 2]).numpy())
    assert not np.allclose(a, train.random_affine(x, [1, 3]).numpy())
    assert a.min() >= 0 and a.max() <= 255


def test_epoch_order_is_a_permutation_keyed_by_seed_and_epoch():
    orders = {(s, e): train.epoch_order(50, s, e).numpy() for s in (0, 1) for e in (0, 1)}
    for order in orders.values():
        assert sorted(order) == list(range(50))
    assert len({tuple(o) for o in orders.values()}) == 4  # all four differ
    np.testing.assert_array_equal(orders[(1, 1)], train.epoch_order(50, 1, 1).numpy())
    assert list(orders[(0, 0)]) != list(range(50))  # it shuffles


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


def test_progress_bar_shows_its_text_in_a_notebook_not_a_quoted_string(monkeypatch):
    import types

    import IPython.display
    from IPython.core.formatters import DisplayFormatter

    shown = []

    class Handle:
        def update(self, obj):
            shown.append(obj)

    def display(obj, display_id=False):
        shown.append(obj)
        return Handle()

    monkeypatch.setitem(sys.modules, "ipykernel", types.ModuleType("ipykernel"))
    monkeypatch.setattr(IPython.display, "display", display)
    bar = train.ProgressBar(epochs=2, steps=20, every=10, width=10)
    bar.on_train_begin()
    bar.on_epoch_begin(1)
    bar.on_train_batch_end(9, {"loss": 0.25})
    texts = [DisplayFormatter().format(obj)[0]["text/plain"] for obj in shown]
    assert texts == ["[          ] epoch 1/2, step 0/20",
                     "[########  ] epoch 2/2, step 10/20  cost 0.250"]


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
