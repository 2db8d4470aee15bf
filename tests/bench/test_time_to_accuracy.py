"""bench/time_to_accuracy.py: its command line before TensorFlow, and its record's
arithmetic (medians with "not reached", the ratio, merging run by run)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from cnnlib import training

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "bench" / "time_to_accuracy.py"


def _module():
    spec = importlib.util.spec_from_file_location("time_to_accuracy", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


tta = _module()


def _run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
    )


def _record(recipe: str, seed: int, accuracies, seconds=10.0, **kw) -> dict:
    history = [
        {"epoch": i + 1, "cost": 0.1, "val_accuracy": a, "seconds": seconds}
        for i, a in enumerate(accuracies)
    ]
    return {
        "recipe": recipe,
        "seed": seed,
        "epochs": len(history),
        "max_epochs": None,
        "batch_size": 256,
        "setup": "one device (CPU, 2 cores), precision float32",
        "n_validation": 5000,
        "history": history,
        "test_accuracy": 0.99,
        "images_per_second": 1000.0,
        "invocation": "one",
        **kw,
    }


@pytest.mark.slow
@pytest.mark.parametrize(
    "args, named",
    [
        (["--data", "/no/such/folder"], "--data"),
        (["--data", ".", "--recipes", "tmf,nope"], "--recipes"),
        (["--data", ".", "--seeds", "0"], "--seeds"),
        (["--data", ".", "--max-epochs", "0"], "--max-epochs"),
    ],
)
def test_a_bad_flag_is_one_error_line_naming_it_exit_2(args, named):
    done = _run(*args)
    assert done.returncode == 2
    errors = [line for line in done.stderr.splitlines() if "error" in line]
    assert len(errors) == 1 and named in errors[0], done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.slow
def test_no_data_folder_at_all_names_the_flag(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    done = _run("--out", str(tmp_path / "r.json"), env=env)
    assert done.returncode == 2 and "--data" in done.stderr
    assert not (tmp_path / "r.json").exists()


@pytest.mark.slow
def test_a_folder_without_mnist_is_exit_2_and_writes_nothing(tmp_path):
    out = tmp_path / "r.json"
    done = _run("--data", str(tmp_path), "--out", str(out))
    assert done.returncode == 2
    assert "--data" in done.stderr and "Traceback" not in done.stderr
    assert not out.exists()


def test_median_counts_not_reached_as_slowest():
    assert tta.median_or_none([None, 10.0, 12.0]) == 12.0
    assert tta.median_or_none([None, None, 5.0]) is None
    assert tta.median_or_none([3.0, 1.0, 2.0]) == 2.0


def test_seconds_to_a_target_sum_the_epochs_up_to_the_first_at_it():
    history = _record("fast", 0, [0.98, 0.991, 0.996, 0.989])["history"]
    assert tta.seconds_to(history, 0.990) == 20.0
    assert tta.seconds_to(history, 0.995) == 30.0
    assert tta.seconds_to(history, 0.999) is None


def test_summary_ratio_is_to_the_fastest_recipe():
    doc: dict = {}
    for seed in range(3):
        doc = tta.merge_run(doc, _record("tmf", seed, [0.991], seconds=5.0))
        doc = tta.merge_run(doc, _record("fast", seed, [0.98, 0.992], seconds=5.0))
    doc = tta.merge_run(doc, _record("article", 0, [0.98]))
    s = doc["summary"]
    assert s["tmf"]["ratio_to_fastest_99.0"] == 1.0
    assert s["fast"]["ratio_to_fastest_99.0"] == 2.0
    assert s["article"]["median_seconds_to_val_99.0"] is None
    assert s["article"]["ratio_to_fastest_99.0"] is None
    assert s["fast"]["reached_val_99.0"] == "3 of 3"
    assert doc["covers"] == ["tmf", "fast", "article"]
    assert "keras_io" in doc["missing"] and doc["same_process"]


def test_a_run_with_other_settings_replaces_its_recipes_runs():
    doc = tta.merge_run({}, _record("fast", 0, [0.99]))
    doc = tta.merge_run(doc, _record("fast", 1, [0.99]))
    doc = tta.merge_run(doc, _record("fast", 0, [0.99], max_epochs=1, invocation="2"))
    assert list(doc["runs"]["fast"]) == ["0"]
    assert doc["runs"]["fast"]["0"]["max_epochs"] == 1


def test_the_record_is_written_whole(tmp_path):
    out = tmp_path / "r.json"
    doc = tta.merge_run(tta.read_record(out), _record("tmf", 0, [0.99]))
    tta.write_atomic(out, doc)
    assert json.loads(out.read_text())["summary"]["tmf"]["seeds"] == [0]
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


def test_every_peer_has_a_precision_and_tmf_bf16_is_tmf_in_bfloat16():
    peers = [n for n in tta.RECIPES if n not in tta.CNNLIB_RECIPES]
    assert sorted(tta.PEER_PRECISION) == sorted(peers)
    assert tta.PEER_PRECISION["tmf"] == tta.PEER_PRECISION["keras_io"] == "float32"
    assert tta.PEER_PRECISION["tmf_bf16"] == "mixed_bfloat16"
    same = ("epochs", "batch_size")
    assert [tta.RECIPES["tmf_bf16"][k] for k in same] == [
        tta.RECIPES["tmf"][k] for k in same
    ]


@pytest.mark.slow
def test_tmf_bf16_model_is_the_tmf_network_computing_in_bfloat16():
    fp32, bf16 = tta.tmf_model("float32"), tta.tmf_model("mixed_bfloat16")
    assert [w.shape for w in bf16.weights] == [w.shape for w in fp32.weights]
    assert {w.dtype for w in bf16.weights} == {"float32"}
    assert [layer.compute_dtype for layer in bf16.layers] == ["bfloat16"] * 8 + [
        "float32"
    ]
    assert {layer.compute_dtype for layer in fp32.layers} == {"float32"}
    if not training.bfloat16_runs():  # e.g. portable mode: oneDNN has no bf16 kernels
        pytest.skip("this CPU cannot run a bfloat16 convolution")
    logits = bf16(np.zeros((2, 28, 28, 1), np.float32))
    assert tuple(logits.shape) == (2, 10) and logits.dtype == "float32"


def test_cnnlib_results_knows_the_benchs_recipes_in_its_order():
    from cnnlib import results

    assert results.TTA_RECIPES == tuple(tta.RECIPES)
