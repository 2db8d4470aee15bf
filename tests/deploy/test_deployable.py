"""cnnlib.deploy.deployable: the one float32 model every export starts from."""

from __future__ import annotations

import numpy as np
import pytest

from cnnlib import deploy, models
from cnnlib.core.tf import keras

from .conftest import BF16, NO_BF16, assert_same_digits_but_near_ties


def test_deployable_model_is_float32_with_the_same_weights(
    bf16_model, float32_probs, mnist
):
    deployable = deploy.deployable_model(bf16_model)
    policies = {layer.dtype_policy.name for layer in deployable.layers}
    policies |= {layer.dtype_policy.name for layer in deployable.layers[-2].layers}
    assert policies == {"float32"}
    assert bf16_model.get_layer("conv1").dtype_policy.name == "mixed_bfloat16"
    assert deployable.name == "digits"
    assert deployable.input_shape == (None, 28, 28)
    assert deployable.output_shape == (None, 10)
    assert deployable.inputs[0].name == deploy.INPUT_NAME == "digits"
    for a, b in zip(deployable.layers[-2].get_weights(), bf16_model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert (float32_probs.argmax(1) == mnist.y_test).mean() > 0.9  # it did learn
    np.testing.assert_allclose(float32_probs.sum(1), 1, atol=1e-5)


@pytest.mark.skipif(not BF16, reason=NO_BF16)
def test_float32_export_predicts_the_bfloat16_originals_digits(
    bf16_model, float32_probs, mnist
):
    # The same digits as the bfloat16 original on the sample's 500 test digits, except
    # near-ties: the original computes in bfloat16 (8 bits of mantissa, ~3 significant
    # digits), the copy in float32, so probabilities differ by up to a few 1e-2 and a
    # digit whose two best classes are that close may flip.
    original = models.probabilities(bf16_model, mnist.x_test)
    assert_same_digits_but_near_ties(float32_probs, original)


def test_float32_model_is_copied_as_it_is(small_network, mnist):
    model = small_network.model
    deployable = deploy.deployable_model(model)
    np.testing.assert_allclose(
        deployable(mnist.x_test[:16].astype(np.float32)),
        models.probabilities(model, mnist.x_test[:16]),
        atol=1e-6,
    )


def test_only_a_raw_digits_to_logits_model_is_deployed():
    with pytest.raises(TypeError, match="must be a keras.Model, got str"):
        deploy.deployable_model("model.keras")
    inp = keras.Input((28, 28, 1))
    five = keras.Model(inp, keras.layers.Dense(5)(keras.layers.Flatten()(inp)))
    with pytest.raises(deploy.ExportError, match=r"outputs \(None, 5\); expected"):
        deploy.deployable_model(five)
    wide = keras.Input((32, 32, 1))
    other = keras.Model(wide, keras.layers.Dense(10)(keras.layers.Flatten()(wide)))
    with pytest.raises(
        deploy.ExportError, match=r"inputs of shape \(None, 32, 32, 1\)"
    ):
        deploy.deployable_model(other)


def test_fresh_target_refuses_what_exists_naming_the_way_to_replace_it(tmp_path):
    file, folder = tmp_path / "m.tflite", tmp_path / "models"
    assert deploy.fresh_target(file, False, folder=False) == file  # nothing there yet
    file.write_bytes(b"x")
    folder.mkdir()
    with pytest.raises(
        deploy.ExportError,
        match=r"m\.tflite already exists; pass --overwrite to replace it",
    ):
        deploy.fresh_target(file, False, folder=False, flag="--overwrite")
    assert deploy.fresh_target(file, True, folder=False) == file
    with pytest.raises(deploy.ExportError, match="is a folder; expected a file name"):
        deploy.fresh_target(folder, True, folder=False)
    with pytest.raises(deploy.ExportError, match="exists and is not a folder"):
        deploy.fresh_target(file, True, folder=True)
    with pytest.raises(deploy.ExportError, match="pass overwrite=True"):
        deploy.fresh_target(folder, False, folder=True)


BANNER = "Saved artifact at '{}'. The following endpoints are available:"


def test_write_archive_drops_the_banner_keras_3_6_to_3_8_print_anyway(tmp_path, capsys):
    calls = []

    def write_out(filepath, options=None, verbose=True):  # Keras 3.6-3.8
        calls.append((filepath, verbose))
        print(BANNER.format(filepath))

    deploy.write_archive(write_out, tmp_path / "a")
    assert calls == [(str(tmp_path / "a"), False)]
    assert capsys.readouterr().out == ""
    write_out("b")  # the fake does print, outside write_archive
    assert "Saved artifact at 'b'" in capsys.readouterr().out


def test_write_archive_passes_no_verbose_where_keras_3_0_to_3_5_has_none(
    tmp_path, capsys
):
    calls = []

    def write_out(filepath, options=None):  # verbose=False would be a TypeError
        calls.append(filepath)
        print(BANNER.format(filepath))

    deploy.write_archive(write_out, tmp_path / "a")
    assert calls == [str(tmp_path / "a")]
    assert capsys.readouterr().out == ""


def test_write_archive_lets_errors_through_and_restores_stdout(tmp_path, capsys):
    def fails(filepath, verbose=True):
        print("half a banner")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space left"):
        deploy.write_archive(fails, tmp_path / "a")
    print("after")
    assert capsys.readouterr().out == "after\n"


def test_a_real_export_prints_nothing(tmp_path, capsys):
    model = models.build_model("small", init="he")
    deploy.export_saved_model(model, tmp_path / "sm")
    deploy.export_tflite(model, tmp_path / "m.tflite")
    assert (tmp_path / "sm" / "saved_model.pb").exists()
    assert (tmp_path / "m.tflite").stat().st_size > 0
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("module", ["deployable", "saved_model", "litert"])
def test_every_public_name_is_in_the_deploy_api(module):
    """One home per name: what a deploy module defines for others (``SIGNATURE``,
    ``read_card``, ``card_path``, ...) is read as ``cnnlib.deploy.NAME``."""
    import importlib
    import inspect

    mod = importlib.import_module(f"cnnlib.deploy.{module}")
    public = [
        name
        for name, obj in vars(mod).items()
        if not name.startswith("_")
        and (
            name.isupper()
            or (
                (inspect.isfunction(obj) or inspect.isclass(obj))
                and obj.__module__ == mod.__name__
            )
        )
    ]
    assert public
    assert [name for name in public if name not in deploy.__all__] == []
    assert all(getattr(deploy, name) is getattr(mod, name) for name in public)
