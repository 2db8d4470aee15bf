"""cnnlib.models.inside: feature maps, learned filters, the digits a filter likes best.

Feature maps are checked against cnnlib.ops' hand-written convolution and pooling,
so they are the numbers chapter 9 says they are, not just what Keras returns.
"""

from __future__ import annotations

import numpy as np
import pytest

from cnnlib import models, ops
from cnnlib.data import PIXEL_SCALE


@pytest.fixture(scope="module")
def cnn():
    return models.build_model("small", seed=0, init="he")


def test_layer_names_in_order(cnn):
    assert models.map_layer_names(cnn) == [
        "conv1",
        "pool1",
        "relu1",
        "conv2",
        "pool2",
        "relu2",
    ]
    assert models.conv_layer_names(cnn) == ["conv1", "conv2"]
    assert models.check_layer(cnn, "pool2") is cnn.get_layer("pool2")
    with pytest.raises(
        ValueError,
        match=r"layer 'dense1' is not one of this model's "
        r"\['conv1', 'pool1'",
    ):
        models.check_layer(cnn, "dense1")


def test_feature_maps_are_the_hand_written_convolution_and_pooling(cnn, mnist):
    digit = mnist.x_test[0]
    maps = models.feature_maps(cnn, digit)
    assert list(maps) == models.map_layer_names(cnn)
    assert maps["conv1"].shape == (28, 28, 6) and maps["relu2"].shape == (7, 7, 16)
    kernel, bias = cnn.get_layer("conv1").get_weights()
    x = digit.astype(np.float64)[None, :, :, None] * PIXEL_SCALE
    conv1 = ops.conv2d(x, kernel.astype(np.float64), padding="SAME")[0] + bias
    np.testing.assert_allclose(maps["conv1"], conv1, atol=1e-4)
    pool1 = ops.max_pool2d(conv1[None], 2, 2, "SAME")[0]
    np.testing.assert_allclose(maps["pool1"], pool1, atol=1e-4)
    np.testing.assert_allclose(maps["relu1"], np.maximum(pool1, 0), atol=1e-4)
    assert maps["relu1"].min() >= 0 and maps["conv1"].min() < 0


def test_feature_maps_of_a_batch_and_of_chosen_layers(cnn, mnist):
    batch = models.feature_maps(cnn, mnist.x_test[:3], ["pool1", "conv2"])
    assert list(batch) == ["pool1", "conv2"]
    assert batch["pool1"].shape == (3, 14, 14, 6) and batch["conv2"].shape == (
        3,
        14,
        14,
        16,
    )
    one = models.feature_maps(cnn, mnist.x_test[1], ["pool1"])["pool1"]
    np.testing.assert_allclose(batch["pool1"][1], one, atol=1e-5)
    with pytest.raises(ValueError, match="layer 'dense1' is not one of"):
        models.feature_maps(cnn, mnist.x_test[0], ["dense1"])


def test_conv_filters_are_the_kernels_moved_channel_first(cnn):
    kernel = cnn.get_layer("conv1").get_weights()[0]
    f = models.conv_filters(cnn, "conv1")
    assert f.shape == (6, 5, 5) and f.dtype == np.float32
    np.testing.assert_array_equal(f[2], kernel[:, :, 0, 2])
    kernel2 = cnn.get_layer("conv2").get_weights()[0]
    np.testing.assert_array_equal(
        models.conv_filters(cnn, "conv2", in_channel=1)[7], kernel2[:, :, 1, 7]
    )
    np.testing.assert_allclose(
        models.conv_filters(cnn, "conv2")[7],
        kernel2[:, :, :, 7].mean(axis=2),
        atol=1e-7,
    )
    with pytest.raises(ValueError, match="in_channel"):
        models.conv_filters(cnn, "conv2", in_channel=6)
    with pytest.raises(ValueError, match="layer 'pool1' is not one of"):
        models.conv_filters(cnn, "pool1")


def test_channel_scores_and_top_activating(cnn, mnist):
    x = mnist.x_test[:40]
    scores = models.channel_scores(cnn, x, "conv1")
    maps = models.feature_maps(cnn, x, ["conv1"])["conv1"]
    assert scores.shape == (40, 6)
    np.testing.assert_allclose(scores, maps.reshape(40, -1, 6).max(1), atol=1e-6)
    idx, best = models.top_activating(cnn, x, "conv1", 2, k=5)
    assert list(idx) == list(np.argsort(-scores[:, 2], kind="stable")[:5])
    np.testing.assert_allclose(best, scores[idx, 2])
    assert np.all(np.diff(best) <= 0) and best[0] == scores[:, 2].max()
    with pytest.raises(ValueError, match=r"channel must be 0\.\.5, got 6"):
        models.top_activating(cnn, x, "conv1", 6)
    with pytest.raises(ValueError, match="batch"):
        models.channel_scores(cnn, x[0], "conv1")


def test_background_mask_marks_the_positions_whose_patch_has_no_ink():
    digit = np.zeros((28, 28), dtype=np.uint8)
    digit[10, 10] = 200  # one ink pixel: a 5x5 window reaches it from rows 8..12
    mask = models.background_mask(digit)
    assert mask.shape == (14, 14) and mask.dtype == bool
    ink_near = np.argwhere(~mask)  # pool rows/cols 4..6 cover pixels 8..13
    assert ink_near.min(axis=0).tolist() == [4, 4]
    assert ink_near.max(axis=0).tolist() == [6, 6] and len(ink_near) == 9
    assert models.background_mask(np.zeros((28, 28))).all()
    assert models.background_mask(digit, kernel=1, pool=1).sum() == 28 * 28 - 1


def test_background_mask_refuses_bad_input():
    with pytest.raises(ValueError, match=r"digit must have 2 axes, got shape \(1, "):
        models.background_mask(np.zeros((1, 28, 28)))
    with pytest.raises(ValueError, match=r"kernel must be >= 1, got 0"):
        models.background_mask(np.zeros((28, 28)), kernel=0)
    with pytest.raises(TypeError, match=r"pool must be a whole number, got 2.0"):
        models.background_mask(np.zeros((28, 28)), pool=2.0)
