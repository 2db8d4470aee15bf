"""The README's Troubleshooting table, row by row: each failure a reader can
meet, and a test that it fails clearly and loses nothing.

| row | tested in |
| --- | --- |
| corrupted / truncated dataset cache | tests/test_data.py (test_damaged_cache_*) |
| no network and no cache | tests/test_data.py (test_auto_offline_falls_back..., test_mnist_offline_without_cache...) |
| TensorFlow missing / too old | tests/test_package.py; here: the import path itself refuses an old TensorFlow |
| training killed mid-epoch | tests/test_checkpoints.py (kills at the dangerous moment and at random times) |
| disk full / unwritable output path | tests/test_checkpoints.py (real file-size limit, full tmpfs, read-only folder, ENOTDIR) |
| bad input to a public cnnlib function | here (and tests/test_ops.py, tests/test_digits.py, ...) |

A "clear" bad-input error is a ``ValueError`` or ``TypeError`` that cnnlib
raises itself (not a traceback from deep inside NumPy, TensorFlow or Keras)
and whose message names the bad value, shape or dtype. Cases where cnnlib does
not yet do that are marked ``xfail(strict=True)`` with the reason: they are
known defects for the module's owner, and the mark must go when they are
fixed (a strict xfail that passes fails the suite).
"""
from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import cnnlib
from cnnlib import data, models, train

ROOT = Path(__file__).resolve().parents[1]
CNNLIB = str(ROOT / "cnnlib")


# --------------------------------------------------------------------------
# TensorFlow too old: the import itself refuses it (test_package.py checks
# the version test and a missing TensorFlow; this checks the import path)
# --------------------------------------------------------------------------
def test_import_with_too_old_tensorflow_names_both_versions():
    code = textwrap.dedent("""
        import sys, types
        fake = types.ModuleType("tensorflow")
        fake.__version__ = "2.12.1"
        sys.modules["tensorflow"] = fake
        try:
            import cnnlib
        except ImportError as err:
            print(err)
        else:
            print("imported")
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, cwd=ROOT)
    assert "cnnlib needs TensorFlow >= 2.16" in out.stdout, out.stdout + out.stderr
    assert "TensorFlow 2.12.1 is installed" in out.stdout
    assert "pip install -U 'tensorflow>=2.16'" in out.stdout


# Saving, checkpoints and real write failures: tests/test_checkpoints.py


@pytest.fixture(scope="module")
def small_model():
    return models.build_model("small", seed=0)


# --------------------------------------------------------------------------
# Bad input to public functions: a clear ValueError/TypeError naming the value
# --------------------------------------------------------------------------
NAN_DIGITS = np.full((2, 28, 28), np.nan)
DIGITS = np.zeros((3, 28, 28), np.uint8)
LABELS = np.zeros(3, np.int64)


def _case(id_, call, error, match, defect=None):
    marks = [pytest.mark.xfail(strict=True, reason=f"unclear error (defect): {defect}")] if defect else []
    return pytest.param(call, error, match, id=id_, marks=marks)


# Each call gets the small untrained model (for the functions that need one).
BAD_INPUT = [
    # cnnlib.models
    _case("models.check_arch-unknown", lambda m: models.check_arch("medium"), ValueError, r"got 'medium'"),
    _case("models.build_model-dropout", lambda m: models.build_model("small", dropout=1.5), ValueError, r"got 1\.5"),
    _case("models.build_model-init", lambda m: models.build_model("small", init="zeros!"), ValueError, r"got 'zeros!'"),
    _case("models.as_digit_batch-shape", lambda m: models.as_digit_batch(np.zeros((5, 5))), ValueError, r"got \(5, 5\)"),
    _case("models.as_digit_batch-nan", lambda m: models.as_digit_batch(NAN_DIGITS), ValueError, r"NaN.*first nan at index \(0, 0, 0"),
    _case("models.as_digit_batch-empty", lambda m: models.as_digit_batch(np.zeros((0, 28, 28))), ValueError, r"empty.*\(0, 28, 28, 1\)"),
    _case("models.as_digit_batch-dtype", lambda m: models.as_digit_batch(np.array([["a"]])), TypeError, r"dtype <U1"),
    _case("models.as_digit_batch-range", lambda m: models.as_digit_batch(np.full((1, 28, 28), 1000.0)), ValueError, r"0\.\.255.*1000"),
    _case("models.predict_proba-shape", lambda m: models.predict_proba(m, np.zeros((2, 27, 27))), ValueError, r"\(2, 27, 27\)"),
    _case("models.build_model-seed-type", lambda m: models.build_model("small", seed="a"), TypeError, r"seed.*'a'"),
    _case("models.build_model-dtype", lambda m: models.build_model("small", dtype="float8"), ValueError, r"dtype.*'float8'"),
    # cnnlib.data
    _case("data.scale_pixels-nan", lambda m: data.scale_pixels(np.array([np.nan, 1.0])), ValueError, r"nan.*index \(0,\)"),
    _case("data.scale_pixels-range", lambda m: data.scale_pixels(np.array([300.0])), ValueError, r"300"),
    # cnnlib.train
    _case("train.train-epochs", lambda m: train.train("small", epochs=0), ValueError, r"epochs.*got 0"),
    _case("train.train-lr-nan", lambda m: train.train("small", lr=float("nan")), ValueError, r"lr.*got nan"),
    _case("train.train-recipe", lambda m: train.train("small", recipe="fast"), ValueError, r"got 'fast'"),
    _case("train.train-data", lambda m: train.train("small", data="imagenet"), ValueError, r"got 'imagenet'"),
    _case("train.pick_precision", lambda m: train.pick_precision("fp16"), ValueError, r"got 'fp16'"),
    _case("train.evaluate_accuracy-nan", lambda m: train.evaluate_accuracy(m, NAN_DIGITS, np.zeros(2)), ValueError, r"NaN.*nan at index"),
    _case("pipeline.make_training_dataset-lengths", lambda m: cnnlib.pipeline.make_training_dataset(DIGITS, np.zeros(2, np.int64), 2), ValueError, r"3 digits but 2 labels"),
    _case("pipeline.make_training_dataset-batch0", lambda m: cnnlib.pipeline.make_training_dataset(DIGITS, LABELS, 0), ValueError, r"batch_size.*got 0"),
    _case("pipeline.make_training_dataset-empty", lambda m: cnnlib.pipeline.make_training_dataset(np.zeros((0, 28, 28)), np.zeros(0, np.int64), 2), ValueError, r"empty.*\(0, 28, 28"),
    _case("pipeline.make_training_dataset-nan", lambda m: cnnlib.pipeline.make_training_dataset(NAN_DIGITS, np.zeros(2, np.int64), 2), ValueError, r"NaN.*nan at index"),
    _case("pipeline.make_training_dataset-label", lambda m: cnnlib.pipeline.make_training_dataset(DIGITS, np.array([0, 1, 11]), 2), ValueError, r"0\.\.9, got 11"),
    _case("train.evaluate_accuracy-lengths", lambda m: train.evaluate_accuracy(m, DIGITS, np.zeros(2)), ValueError, r"3 digits but 2 labels"),
    # cnnlib.evaluate
    _case("evaluate.accuracy-lengths", lambda m: cnnlib.evaluate.accuracy(m, DIGITS, np.zeros(2, np.int64)), ValueError, r"3 digits but 2 labels"),
    _case("evaluate.accuracy-label", lambda m: cnnlib.evaluate.accuracy(m, DIGITS, np.array([0, 1, 12])), ValueError, r"got 12"),
    _case("evaluate.confusion_matrix-dtype", lambda m: cnnlib.evaluate.confusion_matrix(np.array([0.5, 1.0]), np.array([0, 1])), TypeError, r"got 0\.5"),
    _case("evaluate.confusion_matrix-shape", lambda m: cnnlib.evaluate.confusion_matrix(np.zeros((2, 2), np.int64), np.zeros((2, 2), np.int64)), ValueError, r"\(2, 2\)"),
    _case("evaluate.most_confused-shape", lambda m: cnnlib.evaluate.most_confused(np.zeros((3, 3))), ValueError, r"\(3, 3\)"),
    _case("evaluate.show_predictions-n", lambda m: cnnlib.evaluate.show_predictions(DIGITS, LABELS, LABELS, n=0), ValueError, r"got 0"),
    _case("evaluate.show_first_layer_filters-layer", lambda m: cnnlib.evaluate.show_first_layer_filters(m, "nope"), ValueError, r"'nope'"),
    _case("evaluate.most_confused-nan", lambda m: cnnlib.evaluate.most_confused(np.full((10, 10), np.nan)), ValueError, r"cm contains NaN.*nan at index \(0, 0\)"),
    # cnnlib.digits
    _case("digits.to_grayscale-shape", lambda m: cnnlib.digits.to_grayscale(np.zeros(5)), ValueError, r"got shape \(5,\)"),
    _case("digits.center_in_field-too-big", lambda m: cnnlib.digits.center_in_field(np.ones((30, 30))), ValueError, r"30x30"),
    _case("digits.render_like_paper-scale", lambda m: cnnlib.digits.render_like_paper(np.zeros((28, 28)), scale=0), ValueError, r"scale=0"),
    _case("digits.to_png_bytes-dtype", lambda m: cnnlib.digits.to_png_bytes(np.zeros((5, 5))), TypeError, r"float64"),
    _case("digits.read_image-type", lambda m: cnnlib.digits.read_image(5), TypeError, r"got int"),
    _case("digits.to_grayscale-nan", lambda m: cnnlib.digits.to_grayscale(np.full((5, 5), np.nan)), ValueError, r"image contains NaN.*nan at index \(0, 0\)"),
    _case("digits.to_grayscale-dtype", lambda m: cnnlib.digits.to_grayscale(np.array([["a"]])), TypeError, r"dtype <U1"),
    _case("digits.center_in_field-shape", lambda m: cnnlib.digits.center_in_field(np.ones(20)), ValueError, r"\(20,\)"),
    _case("digits.fit_into_box-empty", lambda m: cnnlib.digits.fit_into_box(np.zeros((0, 5))), ValueError, r"empty \(shape \(0, 5\)\)"),
    _case("digits.fit_into_box-box0", lambda m: cnnlib.digits.fit_into_box(np.ones((5, 5)), box=0), ValueError, r"box.*got 0"),
    _case("digits.ink_image-noise", lambda m: cnnlib.digits.ink_image(np.eye(28) * 255, noise=2.0), ValueError, r"noise.*got 2\.0"),
    _case("digits.bounding_box-shape", lambda m: cnnlib.digits.bounding_box(np.ones((2, 28, 28))), ValueError, r"\(2, 28, 28\)"),
    # cnnlib.predict
    _case("predict.probabilities-empty", lambda m: cnnlib.predict.probabilities(m, np.zeros((0, 28, 28))), ValueError, r"empty.*\(0, 28, 28, 1\)"),
    _case("predict.predict_digits-names", lambda m: cnnlib.predict.predict_digits(m, DIGITS, names=["a"]), ValueError, r"3 digits but 1 names"),
    _case("predict.predict_files-str", lambda m: cnnlib.predict.predict_files(m, "a.png"), TypeError, r"'a\.png'"),
    # cnnlib.activations
    _case("activations.feature_maps-layer", lambda m: cnnlib.activations.feature_maps(m, DIGITS, layers=["nope"]), ValueError, r"'nope'"),
    _case("activations.conv_filters-channel", lambda m: cnnlib.activations.conv_filters(m, "conv2", in_channel=99), ValueError, r"got 99"),
    _case("activations.top_activating-k", lambda m: cnnlib.activations.top_activating(m, DIGITS, "conv1", 0, k=10), ValueError, r"got 10"),
    _case("activations.show_filters-shape", lambda m: cnnlib.activations.show_filters(np.zeros(5)), ValueError, r"\(5,\)"),
    _case("activations.show_top_digits-index", lambda m: cnnlib.activations.show_top_digits(DIGITS, np.array([5]), np.array([1.0])), ValueError, r"got \[5\]"),
    _case("activations.show_top_digits-lengths", lambda m: cnnlib.activations.show_top_digits(DIGITS, np.array([0, 1]), np.array([1.0])), ValueError, r"2 indices but 1 scores"),
    # cnnlib.viz
    _case("viz.show_images-titles", lambda m: cnnlib.viz.show_images(DIGITS, titles=["a"]), ValueError, r"3 pictures but 1 titles"),
    _case("viz.show_grid_values-shape", lambda m: cnnlib.viz.show_grid_values(np.zeros((2, 2, 2))), ValueError, r"\(2, 2, 2\)"),
    _case("viz.show_scores-shape", lambda m: cnnlib.viz.show_scores(np.zeros((2, 2))), ValueError, r"\(2, 2\)"),
    _case("viz.show_images-nan", lambda m: cnnlib.viz.show_images(np.full((2, 28, 28), np.nan)), ValueError, r"images\[0\].*NaN"),
    _case("viz.show_node_diagram-input", lambda m: cnnlib.viz.show_node_diagram({"a": [7]}, n_inputs=3), ValueError, r"\[7\]"),
    _case("viz.show_scores-highlight", lambda m: cnnlib.viz.show_scores(np.zeros(10), highlight=12), ValueError, r"got 12"),
    # cnnlib.anim, cnnlib.widgets, cnnlib.draw, cnnlib.ops
    _case("anim.plan_window-kernel-nan", lambda m: cnnlib.anim.plan_window(np.ones((4, 4)), "conv", kernel=np.full((2, 2), np.nan)), ValueError, r"NaN.*nan at index \(0, 0\)"),
    _case("anim.plan_window-empty", lambda m: cnnlib.anim.plan_window(np.zeros((0, 4)), "max"), ValueError, r"empty.*\(0, 4\)"),
    _case("anim.window_animation-fps", lambda m: cnnlib.anim.window_animation(cnnlib.anim.plan_window(np.ones((3, 3)), "max"), fps=0), ValueError, r"fps.*got 0"),
    _case("widgets.window_explorer-shape", lambda m: cnnlib.widgets.window_explorer(np.zeros(4), "max"), ValueError, r"\(4,\)"),
    _case("draw.DrawingGrid-size", lambda m: cnnlib.draw.DrawingGrid(size=0), ValueError, r"got 0"),
    _case("ops.max_pool2d_zero_pad-nan", lambda m: cnnlib.ops.max_pool2d_zero_pad(np.full((4, 4), np.nan)), ValueError, r"NaN.*nan at index \(0, 0\)"),
    _case("ops.receptive_inputs-width", lambda m: cnnlib.ops.receptive_inputs((0, 0), 2, width=0), ValueError, r"got 0"),
    # cnnlib.serve
    _case("serve.make_server-port", lambda m: cnnlib.serve.make_server(m, port=-5), ValueError, r"got -5"),
]


def _raised_by_cnnlib(excinfo) -> bool:
    """True when the innermost frame of the traceback is cnnlib's own code."""
    return str(excinfo.traceback[-1].path).startswith(CNNLIB)


@pytest.mark.parametrize("call, error, match", BAD_INPUT)
def test_bad_input_gets_a_clear_error(call, error, match, small_model):
    import cnnlib.activations, cnnlib.anim, cnnlib.digits, cnnlib.draw, cnnlib.evaluate  # noqa: E401,F401
    import cnnlib.pipeline, cnnlib.predict, cnnlib.serve, cnnlib.viz, cnnlib.widgets  # noqa: E401,F401
    import matplotlib.pyplot as plt

    try:
        with pytest.raises((ValueError, TypeError)) as info:
            call(small_model)
    finally:
        plt.close("all")
    assert isinstance(info.value, error), f"{type(info.value).__name__}: {info.value}"
    assert _raised_by_cnnlib(info), (
        f"raised from {info.traceback[-1].path}, not by cnnlib: {type(info.value).__name__}: {info.value}")
    assert re.search(match, str(info.value)), f"message does not name the value: {info.value}"


# --------------------------------------------------------------------------
# The one pixel check and the one label check (cnnlib._checks)
# --------------------------------------------------------------------------
def test_pixel_array_accepts_exactly_0_to_255():
    from cnnlib._checks import pixel_array

    ok = pixel_array("x", np.array([[0, 255]], np.uint8), shape=("N", 2))
    assert ok.dtype == np.float32 and ok.tolist() == [[0.0, 255.0]]
    for bad in (-0.01, 255.01, 1e6, -1e6):
        with pytest.raises(ValueError, match=rf"x must be raw pixels in 0\.\.255.*"
                                             rf"{re.escape(f'{bad:g}')} at index \(1,\)"):
            pixel_array("x", [3.0, bad])
    for bad in (np.nan, np.inf):
        with pytest.raises(ValueError, match=rf"x contains NaN.*the first {bad} at index \(0, 1\)"):
            pixel_array("x", [[3.0, bad]])
    with pytest.raises(TypeError, match=r"x must hold pixel numbers 0\.\.255, got dtype object"):
        pixel_array("x", [1, None])
    with pytest.raises(ValueError, match=r"x must have shape \(N, 28, 28\), got shape \(2, 28\)"):
        pixel_array("x", np.zeros((2, 28)), shape=("N", 28, 28))
    with pytest.raises(ValueError, match=r"x must have 2 or 3 axes, got shape \(4,\)"):
        pixel_array("x", np.zeros(4), ndim=(2, 3))
    with pytest.raises(ValueError, match=r"x is empty \(shape \(0, 3\)\)"):
        pixel_array("x", np.zeros((0, 3)))
    assert pixel_array("x", np.zeros((0, 3)), allow_empty=True).shape == (0, 3)


def test_label_array_accepts_digits_and_refuses_the_rest():
    from cnnlib._checks import label_array

    labels = label_array("y", np.array([0.0, 9.0, 4.0]), n=3)
    assert labels.dtype == np.int64 and labels.tolist() == [0, 9, 4]
    cases = [
        ([0, 10], ValueError, r"y must be digits 0\.\.9, got 10 at index \(1,\)"),
        ([-1, 3], ValueError, r"y must be digits 0\.\.9, got -1 at index \(0,\)"),
        ([1.0, 2.5], TypeError, r"y must be whole numbers 0\.\.9, got 2\.5 at index \(1,\)"),
        ([1.0, np.nan], TypeError, r"got nan at index \(1,\)"),
        ([True, False], TypeError, r"got dtype bool"),
        (["1", "2"], TypeError, r"got dtype <U1"),
        ([[1, 2]], ValueError, r"1-D array of digits 0\.\.9, got shape \(1, 2\)"),
    ]
    for value, error, message in cases:
        with pytest.raises(error, match=message):
            label_array("y", value)
    with pytest.raises(ValueError, match=r"y: got 3 digits but 2 labels"):
        label_array("y", [1, 2], n=3)


DIGIT_TAKERS = {
    "models.as_digit_batch": lambda m, x: models.as_digit_batch(x),
    "models.logits": lambda m, x: models.logits(m, x),
    "models.probabilities": lambda m, x: models.probabilities(m, x),
    "evaluate.predict_labels": lambda m, x: cnnlib.evaluate.predict_labels(m, x),
    "evaluate.accuracy": lambda m, x: cnnlib.evaluate.accuracy(m, x, np.zeros(len(x), np.int64)),
    "predict.predict_digits": lambda m, x: cnnlib.predict.predict_digits(m, x),
    "activations.feature_maps": lambda m, x: cnnlib.activations.feature_maps(m, x),
    "activations.top_activating": lambda m, x: cnnlib.activations.top_activating(m, x, "conv1", 0, 1),
}


@pytest.mark.parametrize("take", DIGIT_TAKERS, ids=list(DIGIT_TAKERS))
@pytest.mark.parametrize("bad", [256.0, -1.0, np.nan])
def test_every_function_taking_raw_digits_refuses_non_pixels(take, bad, small_model):
    """Scaled (0..1 is fine, but 256 is not), negative or NaN pixels never reach the model."""
    import cnnlib.activations, cnnlib.evaluate, cnnlib.predict  # noqa: E401,F401

    x = np.zeros((2, 28, 28), np.float32)
    x[1, 3, 4] = bad
    with pytest.raises(ValueError, match=rf"digits .*{re.escape(f'{bad:g}')} at index \(1, 3, 4, 0\)"):
        DIGIT_TAKERS[take](small_model, x)
    DIGIT_TAKERS[take](small_model, np.full((2, 28, 28), 255.0))     # the top of the range is fine
