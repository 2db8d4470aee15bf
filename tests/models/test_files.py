"""cnnlib.models.files: loading a .keras file safely, and naming every bad file."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from cnnlib import models
from cnnlib.core.tf import keras


def test_load_model_uses_safe_mode(tmp_path):
    inp = keras.Input((28, 28, 1))
    doubled = keras.layers.Lambda(lambda t: t * 2.0)(inp)
    out = keras.layers.Dense(10)(keras.layers.Flatten()(doubled))
    path = tmp_path / "lambda.keras"
    keras.Model(inp, out).save(path)
    with pytest.raises(
        models.ModelLoadError, match=r"lambda\.keras: refused by Keras safe mode"
    ):
        models.load_model(path)
    with pytest.raises(models.UnsafeModelError, match=r"with safe_mode=False only if"):
        models.load_model(path)  # in Python, the argument that loads it is named
    assert models.load_model(path, safe_mode=False).output_shape == (None, 10)


def test_load_model_names_bad_files(tmp_path):
    with pytest.raises(models.ModelLoadError, match=r"no\.keras: no such model file"):
        models.load_model(tmp_path / "no.keras")
    fake = tmp_path / "fake.keras"
    fake.write_text("not a zip")
    with pytest.raises(
        models.ModelLoadError, match=r"fake\.keras: not a \.keras model file"
    ):
        models.load_model(fake)
    folder = tmp_path / "saved.keras"
    folder.mkdir()
    with pytest.raises(models.ModelLoadError, match=r"saved\.keras: is a folder"):
        models.load_model(folder)


def test_load_model_refuses_a_model_that_does_not_give_ten_logits(tmp_path):
    inp = keras.Input((28, 28, 1))
    path = tmp_path / "five.keras"
    keras.Model(inp, keras.layers.Dense(5)(keras.layers.Flatten()(inp))).save(path)
    with pytest.raises(
        models.ModelLoadError,
        match=r"five\.keras: the model outputs "
        r"\(None, 5\); expected \(None, 10\)",
    ):
        models.load_model(path)


def test_reloaded_model_predicts_the_same(ridge_model, mnist, tmp_path):
    path = tmp_path / "ridge.keras"
    ridge_model.save(path)
    again = models.load_model(path)
    assert again is not ridge_model and again.name == "ridge"
    np.testing.assert_allclose(
        models.probabilities(again, mnist.x_test[:50]),
        models.probabilities(ridge_model, mnist.x_test[:50]),
        atol=1e-6,
    )


def test_model_load_error_is_a_cnnlib_error():
    from cnnlib.core import CnnlibError

    assert issubclass(models.ModelLoadError, CnnlibError)
    assert issubclass(models.ModelLoadError, RuntimeError)


def test_every_public_name_of_files_is_in_the_models_api():
    """One home per name: what models.files defines for others is read as
    ``cnnlib.models.NAME``, the same object."""
    from cnnlib.models import files

    public = [
        name
        for name, obj in vars(files).items()
        if not name.startswith("_")
        and (
            name.isupper()
            or (
                (inspect.isfunction(obj) or inspect.isclass(obj))
                and obj.__module__ == files.__name__
            )
        )
    ]
    assert {"saved_facts", "write_facts", "CARD_MEMBER", "card_lines"} <= set(public)
    missing = [name for name in public if name not in models.__all__]
    assert missing == []
    assert all(getattr(models, name) is getattr(files, name) for name in public)


def card_models(ridge_model):
    """Models whose card is read from config.json (the first three) or, as it does
    not say, from the model loaded (a Sequential; an output after the Dense)."""
    inp = keras.Input((28, 28), name="pixels")
    flat = keras.layers.Flatten()(inp)
    half = keras.layers.Dense(10, dtype="mixed_bfloat16")(flat)
    seq = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten()])
    seq.add(keras.layers.Dense(10))
    after = keras.layers.Activation("linear")(keras.layers.Dense(10)(flat))
    return {
        "ridge": ridge_model,
        "small bfloat16": models.build_model("small", dtype="mixed_bfloat16"),
        "bfloat16 logits": keras.Model(inp, half),
        "sequential": seq,
        "activation last": keras.Model(inp, after),
    }


def test_keras_card_read_from_the_archive_is_the_card_of_the_loaded_model(
    ridge_model, tmp_path
):
    from cnnlib.models import files

    for name, model in card_models(ridge_model).items():
        path = tmp_path / f"{name.replace(' ', '_')}.keras"
        model.save(path)
        card = files.keras_card(path)
        assert card == files.keras_card(path, load=True), name
        assert card["output"]["shape"] == [None, 10], name
    assert card["input"]["shape"] == [None, 28, 28]
    half = files.keras_card(tmp_path / "bfloat16_logits.keras")
    assert half["output"]["dtype"] == "bfloat16"


def test_keras_card_of_what_is_not_a_keras_file_names_it(tmp_path):
    from cnnlib.models import files

    fake = tmp_path / "notes.keras"
    fake.write_text("not a zip\n")
    with pytest.raises(models.ModelLoadError, match="notes.keras: not a .keras model"):
        files.keras_card(fake)


def test_card_lines_say_an_int8_calibration_and_what_of_it_is_unknown():
    known = {"digits": 500, "training_digits": 4500, "data": "MNIST", "seed": 0}
    assert models.card_lines({"calibration": known})[-1] == (
        "int8 calibration: 500 of the 4,500 training digits of MNIST (seed 0)"
    )
    unknown = {"digits": 200, "data": None, "training_digits": None, "seed": None}
    assert models.card_lines({"calibration": unknown})[-1] == (
        "int8 calibration: 200 training digits (data unknown)"
    )
    assert not any("calibration" in line for line in models.card_lines({}))
