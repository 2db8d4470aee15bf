"""Tests of cnnlib.deploy's SavedModel export: the signature, TF Serving's
versioned layout, a call from a separate process that never imports cnnlib."""

from __future__ import annotations

import numpy as np
import pytest

from cnnlib import deploy, models


@pytest.fixture(scope="module")
def exported(small_network, tmp_path_factory):
    model = small_network.model
    return model, deploy.export_saved_model(
        model, tmp_path_factory.mktemp("export") / "digits"
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
