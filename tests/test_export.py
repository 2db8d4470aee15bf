"""Tests of cnnlib.export: a SavedModel with a serving signature, called in another process."""
from __future__ import annotations

import numpy as np
import pytest

import cnnlib  # noqa: F401
from cnnlib import export, predict
from cnnlib.models import build_model


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    model = build_model("small", seed=1)
    path = export.export_saved_model(model, tmp_path_factory.mktemp("export") / "digits_model")
    return model, path


def test_signature_names_inputs_and_outputs(exported):
    _, path = exported
    assert (path / "saved_model.pb").exists()
    assert export.describe_signature(path) == [
        "input  digits: float32 (N, 28, 28)",
        "output digit: int32 (N)",
        "output probabilities: float32 (N, 10)",
    ]


def test_signature_matches_the_keras_model(exported, mnist):
    model, path = exported
    fn = export.load_signature(path)
    out = fn(digits=np.asarray(mnist.x_test[:8], np.float32))
    want = predict.probabilities(model, mnist.x_test[:8])
    np.testing.assert_allclose(out["probabilities"].numpy(), want, atol=1e-5)
    np.testing.assert_array_equal(out["digit"].numpy(), want.argmax(1))


@pytest.mark.slow
def test_called_from_a_separate_process(exported, mnist):
    model, path = exported
    answer = export.call_in_subprocess(path, mnist.x_test[:3])
    want = predict.probabilities(model, mnist.x_test[:3])
    assert answer["digit"] == want.argmax(1).tolist()
    np.testing.assert_allclose(answer["probabilities"], want, atol=1e-5)
    assert "cnnlib" not in export.CLIENT_SCRIPT


def test_refuses_to_overwrite_and_names_bad_folders(exported, tmp_path):
    model, path = exported
    with pytest.raises(export.ExportError, match="already exists; pass overwrite=True"):
        export.export_saved_model(model, path)
    with pytest.raises(export.ExportError, match="not a SavedModel folder"):
        export.load_signature(tmp_path)


def test_subprocess_failure_is_reported(tmp_path, mnist):
    with pytest.raises(export.ExportError, match=r"failed \(exit 1\)"):
        export.call_in_subprocess(tmp_path, mnist.x_test[:1])
