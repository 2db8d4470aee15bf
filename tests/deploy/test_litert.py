"""Tests of cnnlib.deploy's LiteRT export: float32 and full-integer int8 files,
run by the LiteRT interpreter, against the deployable float32 model."""

from __future__ import annotations

import numpy as np
import pytest

from cnnlib import deploy, models

from .conftest import BF16, assert_same_digits_but_near_ties


@pytest.fixture(scope="module")
def litert_files(bf16_model, mnist, tmp_path_factory):
    folder = tmp_path_factory.mktemp("litert")
    reps = deploy.representative_digits(mnist.x_train, 200)
    trained = {"data": "offline sample", "seed": 0}
    return (
        deploy.export_tflite(bf16_model, folder / "float.tflite", trained=trained),
        deploy.export_tflite(bf16_model, folder / "int8.tflite", reps, trained=trained),
    )


def test_litert_float_gives_the_same_digits(
    bf16_model, litert_files, float32_probs, mnist
):
    float_file, _ = litert_files
    lite = deploy.LiteRTModel(float_file)
    assert lite.input_dtype == np.float32
    got = lite.probabilities(mnist.x_test)
    np.testing.assert_allclose(got, float32_probs, atol=1e-5)
    np.testing.assert_array_equal(got.argmax(1), float32_probs.argmax(1))
    if BF16:  # and the bfloat16 original's, but for near-ties
        assert_same_digits_but_near_ties(
            got, models.probabilities(bf16_model, mnist.x_test)
        )


def test_litert_int8_agrees_on_at_least_99_percent(litert_files, float32_probs, mnist):
    float_file, int8_file = litert_files
    lite = deploy.LiteRTModel(int8_file)
    assert lite.input_dtype == np.uint8  # raw pixels, as bytes
    got = lite.probabilities(mnist.x_test)
    assert (got.argmax(1) == float32_probs.argmax(1)).mean() >= 0.99
    assert np.abs(got.sum(1) - 1).max() < 0.05  # dequantized probabilities
    assert int8_file.stat().st_size < float_file.stat().st_size / 3


def test_litert_file_is_written_whole_with_the_umask_mode(bf16_model, tmp_path):
    import os

    path = deploy.export_tflite(bf16_model, tmp_path / "m.tflite")
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask
    card = deploy.card_path(path)
    assert card.stat().st_mode & 0o777 == 0o666 & ~umask
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.card.json", "m.tflite"]
    with pytest.raises(deploy.ExportError, match=r"folder .*absent. does not exist"):
        deploy.export_tflite(bf16_model, tmp_path / "absent" / "m.tflite")


def test_litert_model_names_bad_files(tmp_path):
    with pytest.raises(deploy.ExportError, match="no such .tflite file"):
        deploy.LiteRTModel(tmp_path / "none.tflite")
    (tmp_path / "text.tflite").write_text("not a model")
    with pytest.raises(deploy.ExportError, match="not a LiteRT model"):
        deploy.LiteRTModel(tmp_path / "text.tflite")


def test_representative_digits_come_from_the_given_set(mnist):
    reps = deploy.representative_digits(mnist.x_train, 50, seed=3)
    assert reps.shape == (50, 28, 28) and reps.dtype == np.float32
    flat = mnist.x_train.reshape(len(mnist.x_train), -1)
    assert all((flat == r.reshape(-1)).all(1).any() for r in reps)
    with pytest.raises(ValueError, match="count must be 1..4500, got 0"):
        deploy.representative_digits(mnist.x_train, 0)


def test_litert_signature_is_serving_default_with_named_output(litert_files, mnist):
    for path in litert_files:
        interp = deploy.interpreter_class()(model_path=str(path))
        assert interp.get_signature_list() == {
            "serving_default": {"inputs": ["digits"], "outputs": ["probabilities"]}
        }


def test_litert_card_beside_the_file(litert_files):
    float_file, int8_file = litert_files
    assert deploy.card_path(float_file) == float_file.with_name("float.card.json")
    cards = [deploy.read_card(path) for path in litert_files]
    assert [c["input"]["dtype"] for c in cards] == ["float32", "uint8"]
    assert [c["output"]["dtype"] for c in cards] == ["float32", "uint8"]
    assert "quantized" in cards[1]["output"]["values"]
    assert "calibration" not in cards[0]  # float32: nothing calibrated
    assert cards[1]["calibration"] == {  # only the count is known to export_tflite
        "digits": 200,
        "data": None,
        "data_source": None,
        "training_digits": None,
        "seed": None,
        "drawn_from": "the training digits, never the test digits",
    }
    for card in cards:
        assert card["labels"] == [str(d) for d in range(10)]
        assert card["output"]["name"] == "probabilities"
        assert card["training"]["data"] == "offline sample"
        assert (
            card["training"]["seed"] == 0 and card["training"]["test_accuracy"] is None
        )
        assert set(card["versions"]) == {"cnnlib", "tensorflow", "keras"}


def test_litert_refuses_to_replace_a_card_it_did_not_write(bf16_model, tmp_path):
    deploy.card_path(tmp_path / "m.tflite").write_text("{}")
    with pytest.raises(deploy.ExportError, match=r"m\.card\.json already exists"):
        deploy.export_tflite(bf16_model, tmp_path / "m.tflite")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.card.json"]
