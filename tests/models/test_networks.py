"""cnnlib.models.networks: both article networks, Keras and low-level, give the same
logits; float32_copy keeps the weights (and, when asked, the optimizer's state)."""

from __future__ import annotations

import numpy as np
import pytest

from cnnlib import models, training
from cnnlib.core.tf import keras, tf
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


def test_each_conv_layer_uses_its_own_kernel_size_from_the_spec(arch_model):
    arch, model = arch_model
    spec = models.SPECS[arch]
    assert spec.kernel == (5, 5)  # one size per conv layer, both 5x5 in the articles
    for i, (filters, k) in enumerate(zip(spec.filters, spec.kernel), start=1):
        conv = model.get_layer(f"conv{i}")
        assert conv.filters == filters and tuple(conv.kernel_size) == (k, k)


def test_large_flatten_is_3136_not_the_articles_3164():
    model = models.build_model("large")
    assert model.get_layer("flatten").output.shape[1] == 7 * 7 * 64 == 3136 != 3164


def test_relu_order_follows_each_article():
    def names(arch):
        return [layer.name for layer in models.build_model(arch).layers]

    large, small = names("large"), names("small")
    assert large.index("relu1") < large.index("pool1")  # 001: conv -> ReLU -> pool
    assert small.index("pool1") < small.index("relu1")  # 000: conv -> pool -> ReLU


@pytest.mark.parametrize(
    "shape, dtype",
    [((6, 28, 28), np.uint8), ((6, 28, 28, 1), np.float64), ((6, 28, 28), np.int32)],
)
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
    np.testing.assert_allclose(
        low(DIGITS).numpy(), np.asarray(model(DIGITS)), rtol=1e-5, atol=1e-5
    )
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
        loss = tf.reduce_mean(
            tf.nn.sparse_softmax_cross_entropy_with_logits(
                labels=np.arange(6) % 10, logits=low(DIGITS)
            )
        )
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
    auto = training.pick_precision("auto")
    if dtype != "float32" and auto != dtype:
        pytest.skip(
            f"{dtype} is not used here: pick_precision('auto') is {auto!r} "
            "(no bfloat16 on this CPU, or CNNLIB_PRECISION says so)"
        )
    model = models.build_model(arch, seed=2, dtype=dtype)
    path = tmp_path / f"{arch}.keras"
    model.save(path)
    again = keras.models.load_model(path)
    np.testing.assert_allclose(
        np.asarray(again(DIGITS)), np.asarray(model(DIGITS)), atol=1e-6
    )
    assert again.predict(DIGITS, verbose=0).dtype == np.float32


def test_float32_copy_can_keep_the_optimizer_and_its_state(mnist, tmp_path):
    """``train(out=...)`` saves ``float32_copy(model, keep_optimizer=True)``: the saved
    file computes in float32 and still records how far training went (step count and
    Adam's moments), as the trained model's own file would."""
    bf16 = training.bfloat16_runs()
    keras.utils.set_random_seed(0)
    model = models.build_model(
        "small", init="he", seed=0, dtype="mixed_bfloat16" if bf16 else None
    )
    model.compile(
        keras.optimizers.Adam(1e-3),
        keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    model.fit(
        mnist.x_train[:96, ..., None].astype("float32"),
        mnist.y_train[:96],
        batch_size=32,
        epochs=1,
        verbose=0,
    )
    copy = models.float32_copy(model, keep_optimizer=True)
    assert {layer.dtype_policy.name for layer in copy.layers} == {"float32"}
    for mine, theirs in zip(copy.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(mine, theirs)
    assert int(copy.optimizer.iterations) == int(model.optimizer.iterations) == 3
    for mine, theirs in zip(copy.optimizer.variables, model.optimizer.variables):
        np.testing.assert_array_equal(mine.numpy(), theirs.numpy())
    copy.save(tmp_path / "m.keras")
    again = keras.models.load_model(tmp_path / "m.keras")
    assert int(again.optimizer.iterations) == 3
    # a plain copy shares no state with the original
    plain = models.float32_copy(model)
    plain.get_layer("logits").set_weights(
        [np.zeros((128, 10), np.float32), np.zeros(10, np.float32)]
    )
    assert np.abs(model.get_layer("logits").get_weights()[0]).max() > 0


def test_unknown_arch_is_named():
    with pytest.raises(ValueError, match="got 'medium'"):
        models.build_model("medium")
    with pytest.raises(ValueError, match="got 'tiny'"):
        models.LowLevelCNN("tiny")
