"""cnnlib.models: both article networks, Keras and low-level, give the same logits."""
from __future__ import annotations

import numpy as np
import pytest

import cnnlib  # noqa: F401  (imports TensorFlow quietly)
import keras
import tensorflow as tf

from cnnlib import models
from cnnlib.data import PIXEL_SCALE

RNG = np.random.default_rng(0)
DIGITS = RNG.integers(0, 256, size=(6, 28, 28)).astype(np.uint8)

# (layer, output shape, parameters) computed by hand from the article's sizes
EXPECTED = {
    "large": {
        "conv1": ((28, 28, 32), 5 * 5 * 1 * 32 + 32),
        "pool1": ((14, 14, 32), 0),
        "conv2": ((14, 14, 64), 5 * 5 * 32 * 64 + 64),
        "pool2": ((7, 7, 64), 0),
        "flatten": ((3136,), 0),
        "dense1": ((1000,), 3136 * 1000 + 1000),
        "logits": ((10,), 1000 * 10 + 10),
    },
    "small": {
        "conv1": ((28, 28, 6), 5 * 5 * 1 * 6 + 6),
        "pool1": ((14, 14, 6), 0),
        "conv2": ((14, 14, 16), 5 * 5 * 6 * 16 + 16),
        "pool2": ((7, 7, 16), 0),
        "flatten": ((784,), 0),
        "dense1": ((128,), 784 * 128 + 128),
        "logits": ((10,), 128 * 10 + 10),
    },
}


@pytest.fixture(scope="module", params=models.ARCHS)
def arch_model(request):
    return request.param, models.build_model(request.param, seed=1)


def test_shapes_and_parameter_counts_match_the_articles(arch_model):
    arch, model = arch_model
    table = {name: (shape, params) for name, shape, params in models.layer_table(model)}
    for name, (shape, params) in EXPECTED[arch].items():
        assert table[name] == (shape, params), name
    assert model.count_params() == sum(p for _, p in EXPECTED[arch].values())


def test_large_flatten_is_3136_not_the_articles_3164():
    model = models.build_model("large")
    assert model.get_layer("flatten").output.shape[1] == 7 * 7 * 64 == 3136 != 3164


def test_relu_order_follows_each_article():
    names = lambda arch: [l.name for l in models.build_model(arch).layers]  # noqa: E731
    large, small = names("large"), names("small")
    assert large.index("relu1") < large.index("pool1")  # 001: conv -> ReLU -> pool
    assert small.index("pool1") < small.index("relu1")  # 000: conv -> pool -> ReLU


@pytest.mark.parametrize("shape, dtype", [((6, 28, 28), np.uint8), ((6, 28, 28, 1), np.float64),
                                          ((6, 28, 28), np.int32)])
def test_model_takes_raw_digits_of_any_numeric_dtype(arch_model, shape, dtype):
    _, model = arch_model
    logits = np.asarray(model(DIGITS.reshape(shape).astype(dtype)))
    reference = np.asarray(model(DIGITS[..., None].astype(np.float32)))
    assert logits.shape == (6, 10)
    np.testing.assert_allclose(logits, reference, rtol=1e-6, atol=1e-6)


def test_model_rescales_with_pixel_scale():
    model = models.build_model("small")
    layer = model.get_layer("scale_0_1")
    assert layer.scale == PIXEL_SCALE
    assert isinstance(model.layers[1], keras.layers.Rescaling)


@pytest.mark.parametrize("arch", models.ARCHS)
def test_low_level_and_keras_give_the_same_logits(arch):
    model = models.build_model(arch, init="he", seed=3)
    low = models.LowLevelCNN.from_keras(model)
    np.testing.assert_allclose(low(DIGITS).numpy(), np.asarray(model(DIGITS)), rtol=1e-5, atol=1e-5)
    # and it is a different function from an independently initialised network
    other = models.LowLevelCNN(arch, seed=7)
    assert np.abs(other(DIGITS).numpy() - np.asarray(model(DIGITS))).max() > 1e-3


def test_low_level_uses_tf_variables_with_the_articles_shapes():
    low = models.LowLevelCNN("large", seed=0)
    shapes = {v.name.split(":")[0]: tuple(v.shape) for v in low.trainable_variables}
    assert shapes["w1"] == (5, 5, 1, 32)
    assert shapes["w2"] == (5, 5, 32, 64)
    assert shapes["wd1"] == (3136, 1000)
    assert shapes["wd2"] == (1000, 10)
    assert all(isinstance(v, tf.Variable) for v in low.trainable_variables)


def test_low_level_gradients_flow_to_every_variable():
    low = models.LowLevelCNN("small", seed=0)
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=np.arange(6) % 10, logits=low(DIGITS)))
    grads = tape.gradient(loss, low.trainable_variables)
    assert all(g is not None and float(tf.reduce_sum(tf.abs(g))) > 0 for g in grads)


def test_article_init_matches_the_articles_stddev():
    model = models.build_model("large", init="article", seed=0)
    w = model.get_layer("dense1").get_weights()[0]
    assert abs(w.std() - 0.03 * 0.88) < 0.002  # truncated at 2 sigma: std = 0.88 sigma
    assert np.abs(w).max() <= 0.06 + 1e-6


@pytest.mark.parametrize("dtype", ["float32", "mixed_bfloat16"])
@pytest.mark.parametrize("arch", models.ARCHS)
def test_saved_model_reloads_and_predicts_raw_digits(tmp_path, arch, dtype):
    from cnnlib.hardware import pick_precision

    if dtype != "float32" and pick_precision("auto") != dtype:
        pytest.skip(f"{dtype} is not used here: pick_precision('auto') is {pick_precision('auto')!r} "
                    "(no bfloat16 on this CPU, or CNNLIB_PRECISION says so)")
    model = models.build_model(arch, seed=2, dtype=dtype)
    path = tmp_path / f"{arch}.keras"
    model.save(path)
    again = keras.models.load_model(path)
    np.testing.assert_allclose(np.asarray(again(DIGITS)), np.asarray(model(DIGITS)), atol=1e-6)
    assert again.predict(DIGITS, verbose=0).dtype == np.float32


def test_probabilities_are_the_softmax_of_the_logits_in_any_chunking():
    model = models.build_model("small", seed=3)
    want = tf.nn.softmax(model(DIGITS[..., None].astype(np.float32))).numpy()
    whole = models.probabilities(model, DIGITS)
    assert whole.shape == (6, 10) and whole.dtype == np.float32
    np.testing.assert_allclose(whole, want, atol=1e-6)
    np.testing.assert_allclose(models.probabilities(model, DIGITS, batch_size=4), whole, atol=1e-6)
    np.testing.assert_allclose(whole.sum(axis=1), 1.0, rtol=1e-5)
    assert not np.allclose(whole, 0.1)          # an untrained model, but not uniform


def test_probabilities_has_one_home():
    from cnnlib import predict

    assert predict.probabilities is models.probabilities is models.predict_proba


def test_unknown_arch_is_named():
    with pytest.raises(ValueError, match="got 'medium'"):
        models.build_model("medium")
    with pytest.raises(ValueError, match="got 'tiny'"):
        models.LowLevelCNN("tiny")
