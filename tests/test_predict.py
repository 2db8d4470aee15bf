"""Tests of cnnlib.predict (library and command line) and cnnlib.activations.

The model is the ridge classifier of ``conftest.py`` (raw digits in, logits
out, ~87% right), so predictions can be checked for real without training.
"""
from __future__ import annotations

import base64
import io
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import cnnlib  # noqa: F401
import keras
from cnnlib import activations, digits, predict
from cnnlib.models import build_model

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def model(ridge_model):
    """The ridge classifier of conftest.py: ~87% on the sample's test digits."""
    return ridge_model


@pytest.fixture(scope="module")
def saved(model, tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "ridge.keras"
    model.save(path)
    return path


@pytest.fixture(scope="module")
def right(model, mnist):
    """Indices of 10 test digits, one per class, that the model gets right."""
    probs = predict.probabilities(model, mnist.x_test)
    ok = probs.argmax(1) == mnist.y_test
    return [int(np.flatnonzero(ok & (mnist.y_test == d))[0]) for d in range(10)]


def test_probabilities_are_a_distribution(model, mnist):
    p = predict.probabilities(model, mnist.x_test[:20])
    assert p.shape == (20, 10) and p.dtype == np.float32
    np.testing.assert_allclose(p.sum(1), 1.0, rtol=1e-5)
    acc = float((predict.probabilities(model, mnist.x_test).argmax(1) == mnist.y_test).mean())
    assert acc > 0.8


# ---------------------------------------------------------------- evaluate
def test_predicted_labels_and_accuracy_agree_with_the_probabilities(model, mnist):
    from cnnlib import evaluate

    probs = predict.probabilities(model, mnist.x_test)
    labels = evaluate.predict_labels(model, mnist.x_test, batch_size=64)
    np.testing.assert_array_equal(labels, probs.argmax(1))
    acc = evaluate.accuracy(model, mnist.x_test, mnist.y_test)
    assert acc == np.mean(labels == mnist.y_test)
    assert 0.8 < acc < 0.95                        # the ridge classifier: about 87%
    assert evaluate.accuracy(model, mnist.x_test, labels) == 1.0
    assert evaluate.accuracy(model, mnist.x_test, (labels + 1) % 10) == 0.0


def test_confusion_matrix_and_most_confused_by_hand():
    from cnnlib import evaluate

    y_true = np.array([3, 3, 3, 5, 5, 8, 8, 8, 8])
    y_pred = np.array([3, 5, 5, 3, 5, 8, 0, 0, 0])
    cm = evaluate.confusion_matrix(y_true, y_pred)
    assert cm.shape == (10, 10) and cm.sum() == 9
    assert (cm[3, 3], cm[3, 5], cm[5, 3], cm[5, 5], cm[8, 8], cm[8, 0]) == (1, 2, 1, 1, 1, 3)
    assert evaluate.most_confused(cm, k=5) == [(8, 0, 3), (3, 5, 2), (5, 3, 1)]
    assert evaluate.most_confused(np.eye(10, dtype=int) * 7) == []       # no mistakes at all


def test_predict_image_prepares_like_mnist(model, mnist, right):
    i = right[4]
    photo = digits.render_like_paper(mnist.x_test[i], scale=6, shift=(10, 10))
    pred = predict.predict_image(model, photo, name="four")
    assert pred.steps is not None and pred.steps.inverted
    assert pred.line().startswith(f"{pred.digit} {pred.probability:.4f} four")
    assert 0 < pred.probability <= 1 and pred.probabilities.argmax() == pred.digit


def test_predict_files_keeps_order_and_reports_bad_files(model, mnist, right, tmp_path):
    paths = []
    for d in (0, 1):
        p = tmp_path / f"d{d}.png"
        Image.fromarray(mnist.x_test[right[d]]).save(p)
        paths.append(p)
    bad = tmp_path / "bad.png"
    bad.write_text("hello")
    out = predict.predict_files(model, [paths[0], bad, paths[1]])
    assert [type(r).__name__ for r in out] == ["Prediction", "NotAnImageError", "Prediction"]
    assert out[0].digit == 0 and out[2].digit == 1
    assert "bad.png" in str(out[1])


def test_load_model_uses_safe_mode(tmp_path):
    inp = keras.Input((28, 28, 1))
    out = keras.layers.Dense(10)(keras.layers.Flatten()(keras.layers.Lambda(lambda t: t * 2.0)(inp)))
    path = tmp_path / "lambda.keras"
    keras.Model(inp, out).save(path)
    with pytest.raises(predict.ModelLoadError, match=r"lambda\.keras: refused by Keras safe mode"):
        predict.load_model(path)
    assert predict.load_model(path, safe_mode=False).output_shape == (None, 10)


def test_load_model_names_bad_files(tmp_path):
    with pytest.raises(predict.ModelLoadError, match=r"no\.keras: no such model file"):
        predict.load_model(tmp_path / "no.keras")
    fake = tmp_path / "fake.keras"
    fake.write_text("not a zip")
    with pytest.raises(predict.ModelLoadError, match=r"fake\.keras: not a \.keras model file"):
        predict.load_model(fake)


def test_reloaded_model_predicts_the_same(model, saved, mnist):
    again = predict.load_model(saved)
    np.testing.assert_allclose(predict.probabilities(again, mnist.x_test[:10]),
                               predict.probabilities(model, mnist.x_test[:10]), atol=1e-6)


@pytest.mark.slow
def test_cli_predicts_pngs_and_rgb_photos_and_reports_a_text_file(saved, mnist, right, tmp_path):
    files, labels = [], []
    for d in (3, 7):
        digit = mnist.x_test[right[d]]
        small = tmp_path / f"mnist_{d}.png"
        Image.fromarray(digit).save(small)
        big = tmp_path / f"paper_{d}.png"
        Image.fromarray(digits.render_like_paper(digit, scale=10)).save(big)
        files += [small, big]
        labels += [d, d]
    bad = tmp_path / "readme.png"
    bad.write_text("this is text, not a picture\n")
    files.insert(1, bad)
    cmd = [sys.executable, "-m", "cnnlib.predict", str(saved)] + [str(f) for f in files]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 1, done.stderr
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 4
    for line, label, f in zip(lines, labels, [f for f in files if f != bad]):
        digit, prob, name = line.split(" ", 2)
        assert int(digit) == label and 0 < float(prob) <= 1 and name == str(f)
    errors = [e for e in done.stderr.splitlines() if e.startswith("error:")]
    assert errors == [f"error: {bad}: not an image (Pillow cannot identify it as PNG, JPEG, "
                      "GIF, BMP, ...)"]


def test_cli_without_a_model_exits_2(tmp_path, capsys):
    assert predict.main([str(tmp_path / "none.keras"), "x.png"]) == 2
    assert "none.keras: no such model file" in capsys.readouterr().err


def test_cli_in_process_prints_all_probabilities(saved, mnist, right, tmp_path, capsys):
    f = tmp_path / "two.png"
    Image.fromarray(mnist.x_test[right[2]]).save(f)
    assert predict.main([str(saved), str(f), "--all"]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith("2 ") and line.count(":") == 10


# ---------------------------------------------------------------- activations
@pytest.fixture(scope="module")
def cnn():
    return build_model("small", seed=0)


def test_feature_maps_of_each_layer(cnn, mnist):
    names = activations.map_layer_names(cnn)
    assert names == ["conv1", "pool1", "relu1", "conv2", "pool2", "relu2"]
    maps = activations.feature_maps(cnn, mnist.x_test[0])
    assert maps["conv1"].shape == (28, 28, 6) and maps["relu2"].shape == (7, 7, 16)
    assert maps["relu1"].min() >= 0
    batch = activations.feature_maps(cnn, mnist.x_test[:3], ["pool1"])
    assert batch["pool1"].shape == (3, 14, 14, 6)
    with pytest.raises(ValueError, match="layer 'dense1' is not one of"):
        activations.feature_maps(cnn, mnist.x_test[0], ["dense1"])


def test_conv_filters_and_top_activating(cnn, mnist):
    f = activations.conv_filters(cnn, "conv1")
    assert f.shape == (6, 5, 5)
    np.testing.assert_array_equal(f[2], cnn.get_layer("conv1").get_weights()[0][:, :, 0, 2])
    assert activations.conv_filters(cnn, "conv2", in_channel=1).shape == (16, 5, 5)
    x = mnist.x_test[:40]
    idx, scores = activations.top_activating(cnn, x, "conv1", 2, k=5)
    maps = activations.feature_maps(cnn, x, ["conv1"])["conv1"][..., 2].reshape(40, -1).max(1)
    assert list(idx) == list(np.argsort(-maps, kind="stable")[:5])
    assert np.all(np.diff(scores) <= 0)
    with pytest.raises(ValueError, match=r"channel must be in 0\.\.5"):
        activations.top_activating(cnn, x, "conv1", 6)


def test_figures_and_animation(cnn, mnist):
    import matplotlib.pyplot as plt

    maps = activations.feature_maps(cnn, mnist.x_test[0])
    fig = activations.show_feature_maps(maps["conv2"], "conv2")        # 16 of 16 maps
    assert len(fig.axes) == 18 and sum(bool(ax.images) for ax in fig.axes) == 16
    np.testing.assert_array_equal(fig.axes[5].images[0].get_array(), maps["conv2"][..., 5])
    plt.close(fig)
    filters = activations.conv_filters(cnn)
    fig = activations.show_filters(filters, "conv1")
    assert [ax.get_title() for ax in fig.axes] == [str(c) for c in range(6)]
    np.testing.assert_array_equal(fig.axes[3].images[0].get_array(), filters[3])
    plt.close(fig)
    fig = activations.draw_filter_view(cnn, mnist.x_test[0], mnist.x_test[:20], "conv1", 2)
    assert [ax.get_title() for ax in fig.axes[:2]] == ["conv1 filter 2", "map 2"]
    plt.close(fig)
    html = activations.filter_animation(cnn, mnist.x_test[0], mnist.x_test[:20], "conv1", dpi=30)
    assert "<img" in html and len(re.findall(r"frames\[\d+\] = \"data:image/png", html)) == 6


def test_the_evaluate_filter_figure_is_the_activations_one(cnn):
    from cnnlib import evaluate

    fig = evaluate.show_first_layer_filters(cnn)
    assert fig._suptitle.get_text() == "conv1: 6 filters of 5x5 (red +, blue -)"
    for c, ax in enumerate(fig.axes[:6]):
        np.testing.assert_array_equal(ax.images[0].get_array(), activations.conv_filters(cnn)[c])


# ------------------------------------------------- readable on the book's page
def _frame_sizes(html: str) -> set:
    frames = re.findall(r'"data:image/png;base64,([A-Za-z0-9+/=\\\n]+)"', html)
    return {Image.open(io.BytesIO(base64.b64decode(f.replace("\\\n", "")))).size
            for f in frames}


FIGURES = {
    "show_feature_maps-6": lambda c, m: activations.show_feature_maps(
        activations.feature_maps(c, m.x_test[0])["conv1"], "conv1"),
    "show_feature_maps-16": lambda c, m: activations.show_feature_maps(
        activations.feature_maps(c, m.x_test[0])["relu2"], "relu2"),
    "show_filters": lambda c, m: activations.show_filters(activations.conv_filters(c, "conv2"),
                                                          "conv2"),
    "show_top_digits-8": lambda c, m: activations.show_top_digits(
        m.x_test, *activations.top_activating(c, m.x_test[:50], "conv1", 0, 8), m.y_test, "top"),
    "draw_filter_view": lambda c, m: activations.draw_filter_view(c, m.x_test[0], m.x_test[:20],
                                                                  "conv1", 0),
    "show_predictions": lambda c, m: __import__("cnnlib.evaluate").evaluate.show_predictions(
        m.x_test[:30], m.y_test[:30], np.roll(m.y_test[:30], 1), n=24),
    "show_confusion": lambda c, m: __import__("cnnlib.evaluate").evaluate.show_confusion(
        np.full((10, 10), 1000)),
    "show_history": lambda c, m: __import__("cnnlib.evaluate").evaluate.show_history(
        {"cost": [0.5, 0.2, 0.1], "val_accuracy": [0.9, 0.95, 0.97]},
        {"cost": [0.6, 0.3, 0.2], "test_accuracy": [0.88, 0.94, 0.96]}),
}


@pytest.mark.parametrize("make", FIGURES, ids=list(FIGURES))
def test_figure_text_is_at_least_11px_on_the_page(make, cnn, mnist, tmp_path):
    """Issue 12: at a 1280 px window the column is ~700 px; wider images are shrunk."""
    import matplotlib.pyplot as plt
    from cnnlib._figures import COLUMN_PX, PAGE_DPI, smallest_text_px

    fig = FIGURES[make](cnn, mnist)
    fig.savefig(tmp_path / "f.png", dpi=PAGE_DPI, bbox_inches="tight")   # as the notebook does
    width = Image.open(tmp_path / "f.png").size[0]
    try:
        assert width <= COLUMN_PX + 10, f"{width} px wide: the page would shrink it"
        assert smallest_text_px(fig, PAGE_DPI, width) >= 11
    finally:
        plt.close(fig)


def test_filter_animation_frames_fit_the_column_with_11px_text(cnn, mnist):
    import matplotlib.pyplot as plt
    from cnnlib._figures import COLUMN_PX, smallest_text_px

    html = activations.filter_animation(cnn, mnist.x_test[0], mnist.x_test[:20], "conv1")
    ((width, height),) = _frame_sizes(html)            # every frame the same size
    assert width <= COLUMN_PX and height <= 500
    fig, axes = activations._filter_view_axes(4, dpi=90)          # the animation's layout
    activations.draw_filter_view(cnn, mnist.x_test[0], mnist.x_test[:20], "conv1", 0, axes)
    assert (fig.get_figwidth() * 90, fig.get_figheight() * 90) == pytest.approx((width, height), abs=1)
    assert smallest_text_px(fig, 90, width) >= 11
    plt.close(fig)


def test_smallest_text_px_sees_small_and_shrunk_text():
    import matplotlib.pyplot as plt
    from cnnlib._figures import smallest_text_px

    fig, ax = plt.subplots(figsize=(7, 2))
    ax.set_axis_off()
    ax.set_title("title", fontsize=10)
    assert smallest_text_px(fig, 100) == pytest.approx(10 * 100 / 72)
    ax.text(0.5, 0.5, "tiny", fontsize=6)
    assert smallest_text_px(fig, 100) == pytest.approx(6 * 100 / 72)
    assert smallest_text_px(fig, 100, width_px=1400) == pytest.approx(3 * 100 / 72)
    ax.set_axis_on()                                     # tick labels count once shown
    ax.tick_params(labelsize=5)
    assert smallest_text_px(fig, 100) == pytest.approx(5 * 100 / 72)
    plt.close(fig)
