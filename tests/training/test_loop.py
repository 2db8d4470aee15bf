"""cnnlib.training.loop: train() monitors validation digits, scores the test digits
once, saves float32, resumes, and takes its defaults from the recipe.

Every run is tiny (conftest's ``tiny_mnist``: 300 digits, the small network, one
or two epochs), and one run serves every check it can: the real recipes are
measured by the training chapter and bench/.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from cnnlib import models, training
from cnnlib.core.tf import keras
from cnnlib.training import loop

SETTINGS = dict(arch="small", epochs=2, batch_size=50, lr=1e-3, seed=1)


@pytest.fixture(scope="module")
def tiny(tiny_mnist):
    return tiny_mnist(30, 10)  # 300 training digits, 100 test digits


@pytest.fixture(scope="module")
def run(tiny, tmp_path_factory):
    """Two epochs, printed lines (verbose=2), TensorBoard logs: (result, lines, dir)."""
    lines: list[str] = []
    logs = tmp_path_factory.mktemp("tb")
    result = training.train(
        **SETTINGS, data=tiny, verbose=2, printer=lines.append, log_dir=logs
    )
    return result, lines, logs


def test_train_monitors_validation_and_scores_the_test_digits_once(run, tiny):
    result, lines, _ = run
    assert [h.epoch for h in result.history] == [1, 2]
    assert result.history[1].cost < result.history[0].cost  # it learns
    assert result.data_name == tiny.name and not result.from_cache
    assert result.n_validation == 30  # 10% of 300, held out of the training digits
    # each epoch's validation numbers are the model's on the held-out digits
    _, _, x_val, y_val = training.split_validation(
        tiny.x_train, tiny.y_train, 0.1, seed=1
    )
    val_acc = models.accuracy(result.model, x_val, y_val)
    assert result.history[-1].val_accuracy == pytest.approx(val_acc, abs=1e-6)
    assert result.val_accuracy == result.history[-1].val_accuracy
    assert result.history[-1].val_cost > 0
    # the test digits are scored once, at the end, by models.accuracy
    test_acc = models.accuracy(result.model, tiny.x_test, tiny.y_test)
    assert result.test_accuracy == test_acc
    assert result.test_accuracy > 0.5  # it learned (chance is 0.1)
    assert lines[0] == (
        "Validation: 30 of the 300 training digits held out (seed 1); training on 270"
    )
    assert lines[1:3] == [training.epoch_line(h) for h in result.history]
    assert lines[-1] == (
        f"Test accuracy: {test_acc:.3f} (100 test digits, scored once after training)"
    )
    assert len(lines) == 4
    assert not any("test" in line.lower() for line in lines[:-1])


def test_it_computes_in_the_precision_it_reports(run):
    result, _, _ = run
    precision = training.pick_precision()
    assert result.setup == training.describe_setup(precision, training.pick_strategy())
    want = "bfloat16" if precision == "mixed_bfloat16" else "float32"
    assert result.model.get_layer("conv1").compute_dtype == want
    assert (
        result.model.get_layer("logits").compute_dtype == "float32"
    )  # logits: float32


def test_tensorboard_gets_a_train_and_a_validation_run(run):
    _, _, logs = run
    assert sorted(p.name for p in logs.iterdir()) == ["train", "validation"]
    for name in ("train", "validation"):
        assert list((logs / name).glob("events.out.tfevents.*"))


def test_same_seed_repeats_the_same_losses(run, tiny):
    first, _, _ = run
    again = training.train(**SETTINGS, data=tiny, verbose=0)
    assert [f"{h.cost:.3f}" for h in again.history] == [
        f"{h.cost:.3f}" for h in first.history
    ]
    np.testing.assert_allclose(
        again.model.get_layer("conv1").get_weights()[0],
        first.model.get_layer("conv1").get_weights()[0],
        atol=1e-3,
    )


@pytest.fixture(scope="module")
def improved_run(tiny, tmp_path_factory):
    """The improved recipe with its defaults changed (small, 1 epoch, batches of 25),
    no validation, saved, resume=True with nothing to resume: (result, lines, out)."""
    recipe = dataclasses.replace(
        training.IMPROVED, arch="small", epochs=1, batch_size=25
    )
    out = tmp_path_factory.mktemp("improved") / "imp.keras"
    lines: list[str] = []
    result = training.train(
        recipe=recipe,
        data=tiny,
        out=out,
        resume=True,
        verbose=2,
        validation_split=0,
        printer=lines.append,
    )
    return result, lines, out


def test_defaults_come_from_the_recipe(improved_run, tiny):
    result, _, _ = improved_run
    assert result.model.name == "small_cnn"  # the recipe's arch, not "large"
    assert [h.epoch for h in result.history] == [1]  # its epochs, not 10
    steps = -(-len(tiny.x_train) // 25)  # its batch size, not 50
    assert int(result.model.optimizer.iterations) == steps == 12
    assert "dropout" in [layer.name for layer in result.model.layers]
    assert isinstance(result.model.optimizer, keras.optimizers.AdamW)


def test_validation_split_zero_trains_without_monitoring(improved_run, tiny):
    result, lines, _ = improved_run
    assert result.n_validation == 0 and np.isnan(result.history[0].val_accuracy)
    assert np.isnan(result.val_accuracy)
    assert lines[0] == f"Epoch: 1 cost = {result.history[0].cost:.3f}"
    assert not any(line.startswith("Validation:") for line in lines)
    assert result.test_accuracy == models.accuracy(
        result.model, tiny.x_test, tiny.y_test
    )


def test_resume_without_a_checkpoint_starts_fresh(improved_run):
    _, lines, _ = improved_run
    assert not any("Resuming" in line for line in lines)


def test_the_saved_model_is_float32_with_the_trained_weights(improved_run, tiny):
    result, _, out = improved_run
    assert out.exists() and not training.checkpoint_dir(out).exists()
    again = keras.models.load_model(out)
    # saved in float32 whatever the training precision: same weights, runs on any CPU
    assert {layer.dtype_policy.name for layer in again.layers} == {"float32"}
    for saved, trained in zip(again.get_weights(), result.model.get_weights()):
        np.testing.assert_array_equal(saved, trained)
    np.testing.assert_allclose(
        again.predict(tiny.x_test[:4], verbose=0),
        models.float32_copy(result.model).predict(tiny.x_test[:4], verbose=0),
        atol=1e-5,
    )
    assert int(again.optimizer.iterations) == 12  # and how far training went


@pytest.mark.parametrize(
    "out, message",
    [
        ("{tmp}/missing/m.keras", "folder '{tmp}/missing' does not exist"),
        ("{tmp}/m.h5", "must be a .keras file, got '{tmp}/m.h5'"),
        ("{tmp}", "must be a .keras file"),
        (
            "{tmp}/dir.keras",
            "cannot write the model to {tmp}/dir.keras: it is a folder",
        ),
    ],
)
def test_unwritable_output_is_refused_before_any_training(
    tmp_path, out, message, monkeypatch
):
    def no_data(*args, **kwargs):  # train() must fail before it even loads the digits
        raise AssertionError("train() loaded data before checking where it writes")

    (tmp_path / "dir.keras").mkdir()
    monkeypatch.setattr(loop, "_load_data", no_data)
    with pytest.raises(
        training.TrainError, match=message.format(tmp=tmp_path).replace(".", r"\.")
    ):
        training.train("small", epochs=1, out=out.format(tmp=tmp_path), verbose=0)


def test_a_log_dir_through_a_file_is_refused_before_any_training(tmp_path, monkeypatch):
    monkeypatch.setattr(loop, "_load_data", lambda *a, **k: pytest.fail("loaded data"))
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(
        training.TrainError, match="cannot be a folder of TensorBoard logs"
    ):
        training.train("small", epochs=1, log_dir=blocker / "tb", verbose=0)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(epochs=0), ValueError, r"epochs must be >= 1, got 0"),
        (dict(epochs=2.5), TypeError, r"epochs must be a whole number, got 2\.5"),
        (dict(batch_size=-1), ValueError, r"batch_size.*got -1"),
        (dict(lr=0.0), ValueError, r"lr.*got 0\.0"),
        (dict(lr=5.0), ValueError, r"lr.*got 5\.0"),
        (dict(arch="medium"), ValueError, r"got 'medium'"),
        (dict(recipe="fastest"), ValueError, r"got 'fastest'"),
        (dict(seed=-3), ValueError, r"seed.*got -3"),
        (dict(resume=True), ValueError, r"resume=True needs out"),
        (dict(validation_split=1.5), ValueError, r"validation_split.*got 1\.5"),
        (dict(validation_split=-0.1), ValueError, r"validation_split.*got -0\.1"),
        (dict(validation_split=1), ValueError, r"validation_split.*got 1"),
    ],
)
def test_bad_arguments_are_named(kwargs, error, match, monkeypatch):
    monkeypatch.setattr(loop, "_load_data", lambda *a, **k: pytest.fail("loaded data"))
    with pytest.raises(error, match=match):
        training.train(**{"arch": "small", **kwargs})


def test_score_test_false_leaves_the_test_digits_unscored(tiny, monkeypatch):
    scored: list[int] = []
    real = loop.inference.accuracy
    monkeypatch.setattr(
        loop.inference,
        "accuracy",
        lambda model, x, y, **kw: scored.append(len(x)) or real(model, x, y, **kw),
    )
    lines: list[str] = []
    settings = {**SETTINGS, "epochs": 1}
    result = training.train(
        **settings, data=tiny, verbose=2, printer=lines.append, score_test=False
    )
    assert np.isnan(result.test_accuracy)
    assert len(tiny.x_test) not in scored
    assert [h.epoch for h in result.history] == [1]
    assert not any("test" in line.lower() for line in lines)
