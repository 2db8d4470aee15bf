"""Tests of cnnlib.deploy's SavedModel export: the signature, TF Serving's
versioned layout, a call from a separate process that never imports cnnlib."""

from __future__ import annotations

import json

import numpy as np
import pytest

import cnnlib
from cnnlib import deploy, models
from cnnlib.core.tf import keras, tf


@pytest.fixture(scope="module")
def exported(small_network, tmp_path_factory):
    model = small_network.model
    trained = {"data": "offline sample", "seed": 0, "test_accuracy": 0.96, "epochs": 3}
    return model, deploy.export_saved_model(
        model,
        tmp_path_factory.mktemp("export") / "digits",
        trained=trained,
        source="/somewhere/small.keras",
    )


def test_signature_names_inputs_and_outputs(exported):
    _, path = exported
    assert (path / "saved_model.pb").exists()
    assert deploy.describe_signature(path) == [
        "input  digits: float32 (N, 28, 28)",
        "output digit: int32 (N)",
        "output probabilities: float32 (N, 10)",
    ]


def test_signature_matches_the_keras_model(exported, mnist):
    model, path = exported
    out = deploy.load_signature(path)(digits=np.asarray(mnist.x_test[:8], np.float32))
    want = models.probabilities(model, mnist.x_test[:8])
    np.testing.assert_allclose(out["probabilities"].numpy(), want, atol=1e-5)
    np.testing.assert_array_equal(out["digit"].numpy(), want.argmax(1))


@pytest.mark.slow
def test_called_from_a_separate_process(exported, mnist):
    model, path = exported
    answer = deploy.call_in_subprocess(path, mnist.x_test[:3])
    want = models.probabilities(model, mnist.x_test[:3])
    assert answer["digit"] == want.argmax(1).tolist()
    np.testing.assert_allclose(answer["probabilities"], want, atol=1e-5)
    assert "cnnlib" not in deploy.CLIENT_SCRIPT


def test_refuses_to_overwrite_and_names_bad_folders(exported, tmp_path):
    model, path = exported
    with pytest.raises(deploy.ExportError, match="already exists; pass overwrite=True"):
        deploy.export_saved_model(model, path)
    with pytest.raises(deploy.ExportError, match="not a SavedModel folder"):
        deploy.load_signature(tmp_path)
    with pytest.raises(deploy.ExportError, match=r"folder .*absent. does not exist"):
        deploy.export_saved_model(model, tmp_path / "absent" / "digits")
    assert not (tmp_path / "absent").exists()


def test_overwrite_replaces_the_folder_whole(exported, tmp_path):
    model, _ = exported
    path = deploy.export_saved_model(model, tmp_path / "digits")
    (path / "stale.txt").write_text("from an older export")
    deploy.export_saved_model(model, path, overwrite=True)
    assert (path / "saved_model.pb").exists() and not (path / "stale.txt").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["digits"]  # no temporary left


def test_subprocess_failure_is_reported(tmp_path, mnist):
    with pytest.raises(deploy.ExportError, match=r"failed \(exit 1\)"):
        deploy.call_in_subprocess(tmp_path, mnist.x_test[:1])


def test_versioned_layout_for_tf_serving(exported, tmp_path):
    model, _ = exported
    first = deploy.export_for_serving(model, tmp_path / "models" / "digits")
    second = deploy.export_for_serving(model, tmp_path / "models" / "digits")
    assert first == tmp_path / "models" / "digits" / "1" and second.name == "2"
    assert (first / "saved_model.pb").exists() and (second / "variables").is_dir()
    with pytest.raises(deploy.ExportError, match="already exists"):
        deploy.export_for_serving(model, tmp_path / "models" / "digits", version=1)


def test_assets_say_what_the_model_is(exported):
    _, path = exported
    labels = (path / "assets" / "labels.txt").read_text().splitlines()
    assert labels == [str(d) for d in range(10)]
    card = json.loads((path / "assets" / "card.json").read_text())
    assert card == deploy.read_card(path)
    assert card["labels"] == labels
    assert card["input"]["name"] == "digits" and card["input"]["dtype"] == "float32"
    assert (
        card["input"]["shape"] == [None, 28, 28] and "0..255" in card["input"]["values"]
    )
    assert card["output"]["name"] == "probabilities"
    assert card["output"]["shape"] == [None, 10]
    # what was given is kept; what was not is listed as unknown (null)
    assert card["training"] == {
        "data": "offline sample",
        "recipe": None,
        "arch": None,
        "seed": 0,
        "validation_accuracy": None,
        "test_accuracy": 0.96,
        "epochs": 3,
    }
    assert card["source"] == "small.keras"  # the name, not where it was on disk
    assert card["versions"] == {
        "cnnlib": cnnlib.__version__,
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
    }


def test_a_card_is_written_even_with_nothing_known(small_network, tmp_path):
    path = deploy.export_saved_model(small_network.model, tmp_path / "d")
    card = deploy.read_card(path)
    assert set(card["training"]) == set(deploy.TRAINING_KEYS)
    assert set(card["training"].values()) == {None} and card["source"] is None
    (path / deploy.CARD_FILE).write_text("{not json")
    with pytest.raises(deploy.ExportError, match=r"card\.json: no readable model card"):
        deploy.read_card(path)
