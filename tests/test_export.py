"""Tests of cnnlib.export: the float32 deployable model, SavedModel (also in TF Serving's
layout, called from another process), LiteRT float and int8."""
from __future__ import annotations

import numpy as np
import pytest

import cnnlib  # noqa: F401
import keras
from cnnlib import export, predict
from cnnlib.models import build_model


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    model = build_model("small", seed=1)
    path = export.export_saved_model(model, tmp_path_factory.mktemp("export") / "digits_model")
    return model, path


BF16 = export.bfloat16_runs()
NO_BF16 = ("this machine's TensorFlow has no bfloat16 kernels (no AVX512-BF16/AMX, or "
           "ONEDNN_MAX_CPU_ISA=AVX2): the bfloat16 original cannot run here")


@pytest.fixture(scope="module")
def bf16_model(mnist):
    """The small network as ``python -m cnnlib.train`` saves it on a bfloat16 CPU: the
    mixed_bfloat16 policy in every hidden layer. Trained in mixed_bfloat16 for two epochs
    of the sample where bfloat16 kernels run; elsewhere trained in float32 and given the
    bfloat16 policy with the same weights (exporting never computes in bfloat16)."""
    keras.utils.set_random_seed(0)
    model = build_model("small", init="he", seed=0, dtype="mixed_bfloat16" if BF16 else None)
    model.compile(keras.optimizers.Adam(2e-3),
                  keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(mnist.x_train[..., None].astype("float32"), mnist.y_train, batch_size=64,
              epochs=2, verbose=0, shuffle=False)
    if BF16:
        return model
    bf16 = build_model("small", init="he", seed=0, dtype="mixed_bfloat16")
    bf16.set_weights(model.get_weights())
    return bf16


@pytest.fixture(scope="module")
def float32_probs(bf16_model, mnist):
    """The deployable (float32) model's probabilities of the sample's 500 test digits."""
    deploy = export.deployable_model(bf16_model)
    return deploy(mnist.x_test.astype(np.float32)).numpy()


@pytest.fixture(scope="module")
def litert_files(bf16_model, mnist, tmp_path_factory):
    folder = tmp_path_factory.mktemp("litert")
    reps = export.representative_digits(mnist.x_train, 200)
    return (export.export_tflite(bf16_model, folder / "float.tflite"),
            export.export_tflite(bf16_model, folder / "int8.tflite", reps))


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
    with pytest.raises(TypeError, match="must be a keras.Model, got str"):
        export.deployable_model("model.keras")


def test_subprocess_failure_is_reported(tmp_path, mnist):
    with pytest.raises(export.ExportError, match=r"failed \(exit 1\)"):
        export.call_in_subprocess(tmp_path, mnist.x_test[:1])


def test_deployable_model_is_float32_with_the_same_weights(bf16_model, float32_probs, mnist):
    deploy = export.deployable_model(bf16_model)
    policies = {layer.dtype_policy.name for layer in deploy.layers}
    policies |= {layer.dtype_policy.name for layer in deploy.layers[-2].layers}
    assert policies == {"float32"}
    assert bf16_model.get_layer("conv1").dtype_policy.name == "mixed_bfloat16"
    assert deploy.input_shape == (None, 28, 28) and deploy.output_shape == (None, 10)
    for a, b in zip(export.float32_copy(bf16_model).get_weights(), bf16_model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert (float32_probs.argmax(1) == mnist.y_test).mean() > 0.9  # it did learn
    np.testing.assert_allclose(float32_probs.sum(1), 1, atol=1e-5)


@pytest.mark.skipif(not BF16, reason=NO_BF16)
def test_float32_export_predicts_the_bfloat16_originals_digits(bf16_model, float32_probs,
                                                               mnist):
    # The same digits as the bfloat16 original on the sample's 500 test digits, except
    # near-ties: the original computes in bfloat16 (8 bits of mantissa, ~3 significant
    # digits), the copy in float32, so probabilities differ by up to a few 1e-2 and a digit
    # whose two best classes are that close may flip (1 of 500 here).
    original = predict.probabilities(bf16_model, mnist.x_test)
    assert_same_digits_but_near_ties(float32_probs, original)


def assert_same_digits_but_near_ties(mine: np.ndarray, original: np.ndarray) -> None:
    gap = np.abs(mine - original).max()
    assert gap < 0.05, gap
    top2 = np.sort(original, axis=1)[:, -2:]
    clear = top2[:, 1] - top2[:, 0] > 2 * gap
    np.testing.assert_array_equal(mine.argmax(1)[clear], original.argmax(1)[clear])
    assert (mine.argmax(1) == original.argmax(1)).mean() >= 0.99


def test_float32_model_is_copied_as_it_is(exported, mnist):
    model, _ = exported
    deploy = export.deployable_model(model)
    np.testing.assert_allclose(deploy(mnist.x_test[:16].astype(np.float32)),
                               predict.probabilities(model, mnist.x_test[:16]), atol=1e-6)


def test_versioned_layout_for_tf_serving(exported, tmp_path):
    model, _ = exported
    first = export.export_for_serving(model, tmp_path / "models" / "digits")
    second = export.export_for_serving(model, tmp_path / "models" / "digits")
    assert first == tmp_path / "models" / "digits" / "1" and second.name == "2"
    assert (first / "saved_model.pb").exists() and (second / "variables").is_dir()
    with pytest.raises(export.ExportError, match="already exists"):
        export.export_for_serving(model, tmp_path / "models" / "digits", version=1)


def test_litert_float_gives_the_same_digits(bf16_model, litert_files, float32_probs, mnist):
    float_file, _ = litert_files
    lite = export.LiteRTModel(float_file)
    assert lite.input_dtype == np.float32
    got = lite.probabilities(mnist.x_test)
    np.testing.assert_allclose(got, float32_probs, atol=1e-5)
    np.testing.assert_array_equal(got.argmax(1), float32_probs.argmax(1))
    if BF16:  # and the bfloat16 original's, but for near-ties
        assert_same_digits_but_near_ties(got, predict.probabilities(bf16_model, mnist.x_test))


def test_litert_int8_agrees_on_at_least_99_percent(litert_files, float32_probs, mnist):
    float_file, int8_file = litert_files
    lite = export.LiteRTModel(int8_file)
    assert lite.input_dtype == np.uint8  # raw pixels, as bytes
    got = lite.probabilities(mnist.x_test)
    assert (got.argmax(1) == float32_probs.argmax(1)).mean() >= 0.99
    assert np.abs(got.sum(1) - 1).max() < 0.05  # dequantized probabilities
    assert int8_file.stat().st_size < float_file.stat().st_size / 3


def test_representative_digits_come_from_the_given_set(mnist):
    reps = export.representative_digits(mnist.x_train, 50, seed=3)
    assert reps.shape == (50, 28, 28) and reps.dtype == np.float32
    flat = mnist.x_train.reshape(len(mnist.x_train), -1)
    assert all((flat == r.reshape(-1)).all(1).any() for r in reps)
    with pytest.raises(ValueError, match="count must be 1..4500, got 0"):
        export.representative_digits(mnist.x_train, 0)


def test_command_line_writes_each_format(bf16_model, tmp_path, capsys):
    path = tmp_path / "m.keras"
    bf16_model.save(path)
    assert export.main([str(path), str(tmp_path / "models" / "digits")]) == 0
    assert (tmp_path / "models" / "digits" / "1" / "saved_model.pb").exists()
    assert export.main([str(path), str(tmp_path / "m.tflite"), "--format", "tflite"]) == 0
    assert export.main([str(path), str(tmp_path / "m8.tflite"), "--format", "tflite-int8",
                        "--data", "sample", "--representative", "100"]) == 0
    out = capsys.readouterr().out
    assert "LiteRT float32" in out and "LiteRT full-integer int8" in out
    assert export.main([str(path), str(tmp_path / "m.tflite"), "--format", "tflite"]) == 1
    assert "already exists" in capsys.readouterr().err
    assert export.main([str(tmp_path / "none.keras"), str(tmp_path / "x")]) == 1
    assert "no such model file" in capsys.readouterr().err


def test_litert_model_names_bad_files(tmp_path):
    with pytest.raises(export.ExportError, match="no such .tflite file"):
        export.LiteRTModel(tmp_path / "none.tflite")
    (tmp_path / "text.tflite").write_text("not a model")
    with pytest.raises(export.ExportError, match="not a LiteRT model"):
        export.LiteRTModel(tmp_path / "text.tflite")


def test_float32_copy_can_keep_the_optimizer_and_its_state(mnist, tmp_path):
    """``train(out=...)`` saves ``float32_copy(model, keep_optimizer=True)``: the saved
    file computes in float32 and still records how far training went (step count and
    Adam's moments), as the trained model's own file would."""
    keras.utils.set_random_seed(0)
    bf16_model = build_model("small", init="he", seed=0,
                             dtype="mixed_bfloat16" if BF16 else None)
    bf16_model.compile(keras.optimizers.Adam(1e-3),
                       keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    bf16_model.fit(mnist.x_train[:96, ..., None].astype("float32"), mnist.y_train[:96],
                   batch_size=32, epochs=1, verbose=0)
    copy = export.float32_copy(bf16_model, keep_optimizer=True)
    assert {layer.dtype_policy.name for layer in copy.layers} == {"float32"}
    assert int(copy.optimizer.iterations) == int(bf16_model.optimizer.iterations) > 0
    for mine, theirs in zip(copy.optimizer.variables, bf16_model.optimizer.variables):
        np.testing.assert_array_equal(mine.numpy(), theirs.numpy())
    copy.save(tmp_path / "m.keras")
    again = keras.models.load_model(tmp_path / "m.keras")
    assert int(again.optimizer.iterations) == int(bf16_model.optimizer.iterations)
