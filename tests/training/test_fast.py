"""The fast recipe: its network (cnnlib.training.fastnet), its one-cycle Adam, and a
few real training steps through ``train`` on a tiny slice of the sample."""

from __future__ import annotations

import numpy as np
import pytest

from cnnlib import models, training
from cnnlib.core.tf import keras


def test_fast_recipe_holds_its_settings():
    fast = training.get_recipe("fast")
    assert fast is training.FAST is training.RECIPES["fast"]
    assert (fast.arch, fast.epochs, fast.batch_size) == ("fast", 2, 256)
    assert fast.lr * fast.peak_factor == pytest.approx(0.01)  # the one-cycle's peak
    assert (fast.beta_1, fast.beta_2, fast.warmup_fraction) == (0.7, 0.9, 0.3)
    assert fast.dropout == 0 and fast.augmentation is None and not fast.one_hot
    settings = fast.settings()
    assert settings["beta_1"] == 0.7 and settings["warmup_fraction"] == 0.3
    # the later settings appear only where a recipe changes them
    assert "beta_1" not in training.ARTICLE.settings()
    assert "warmup_fraction" not in training.IMPROVED.settings()


def test_fast_network_shapes_follow_train_mnist_fast():
    model = training.build_fast_model(seed=3)
    table = {name: (shape, n) for name, shape, n in models.layer_table(model)}
    assert model.name == "fast_cnn"
    assert table["conv1"] == ((24, 24, 24), 5 * 5 * 24 + 24)  # no padding
    assert table["pool1"][0] == (12, 12, 24)
    assert table["conv2"] == ((10, 10, 32), 3 * 3 * 24 * 32 + 32)
    assert table["flatten"][0] == (800,)
    assert table["dense1"] == ((256,), 800 * 256 + 256)
    assert table["logits"] == ((10,), 2570)
    names = [layer.name for layer in model.layers]
    assert names.index("pool1") < names.index("relu1")  # pooling before ReLU
    assert model.get_layer("logits").dtype_policy.compute_dtype == "float32"


def test_fast_network_normalises_raw_digits_like_train_mnist_fast():
    model = training.build_fast_model()
    scale = keras.Model(model.input, model.get_layer("normalise").output)
    pixels = np.array([0.0, 255.0], np.float32).reshape(1, 1, 2, 1)
    pixels = np.tile(pixels, (1, 28, 14, 1))
    got = scale(pixels).numpy()[0, 0, :2, 0]
    want = (np.array([0.0, 1.0]) - 0.1307) / 0.3081
    np.testing.assert_allclose(got, want, rtol=1e-5)


def test_same_seed_same_weights_and_bad_arguments_are_named():
    a = training.build_fast_model(seed=5).get_weights()
    b = training.build_fast_model(seed=5).get_weights()
    c = training.build_fast_model(seed=6).get_weights()
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not np.array_equal(a[0], c[0])
    with pytest.raises(ValueError, match=r"init.*got 'article'"):
        training.build_fast_model(init="article")
    with pytest.raises(ValueError, match=r"dtype.*got 'float16'"):
        training.build_fast_model(dtype="float16")
    with pytest.raises(ValueError, match=r"arch.*got 'huge'"):
        training.build_network("huge")


def test_one_cycle_rises_to_0_01_in_30_percent_of_the_steps_then_falls_to_zero():
    schedule = training.learning_rate_schedule(
        "fast", training.FAST.lr, steps_per_epoch=50, epochs=2
    )
    rates = np.array([float(schedule(step)) for step in range(101)])
    assert rates[0] == pytest.approx(4e-4, rel=1e-3)
    assert rates.argmax() == 30 and rates.max() == pytest.approx(0.01, rel=1e-3)
    assert np.all(np.diff(rates[:31]) > 0) and np.all(np.diff(rates[30:]) < 0)
    assert rates[100] == pytest.approx(0.0, abs=1e-9)
    adam = training.make_optimizer("fast", training.FAST.lr, 50, 2)
    assert type(adam) is keras.optimizers.Adam
    assert (adam.beta_1, adam.beta_2) == (0.7, 0.9)


@pytest.mark.slow
def test_fast_recipe_trains_a_few_steps(tiny_mnist):
    """300 digits of the sample (conftest): 2 epochs of 5 steps of 64 learn."""
    data = tiny_mnist(30, 10)  # 300 training digits, 100 test digits
    lines: list[str] = []
    result = training.train(
        recipe="fast",
        batch_size=64,
        data=data,
        seed=2,
        verbose=2,
        printer=lines.append,
        precision="float32",
    )
    assert result.model.name == "fast_cnn"
    assert [h.epoch for h in result.history] == [1, 2]
    assert result.history[1].cost < result.history[0].cost
    assert result.test_accuracy > 0.3  # chance: 0.1
    assert result.model.optimizer.iterations.numpy() == 2 * 5  # ceil(270 / 64) = 5
    assert lines[-1].startswith("Test accuracy:")


def test_a_batch_larger_than_the_training_digits_is_refused(tiny_mnist):
    data = tiny_mnist(10, 2)  # 100 training digits: 90 after validation
    with pytest.raises(ValueError, match=r"batch_size=91 is larger than the 90 digits"):
        training.train(recipe="fast", batch_size=91, data=data, verbose=0)
