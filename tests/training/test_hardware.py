"""cnnlib.training.hardware: precision from the CPU or CNNLIB_PRECISION, devices, setup.

Several devices: ``MirroredStrategy`` over two logical CPUs, in a subprocess
(logical devices must be set before TensorFlow's first operation).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from cnnlib import training

ROOT = Path(__file__).resolve().parents[2]


def test_precision_is_detected_from_the_cpu_flags(tmp_path):
    with_bf16 = tmp_path / "cpuinfo_bf16"
    with_bf16.write_text("flags\t\t: fpu sse avx512f avx512_bf16 amx_tile\n")
    amx = tmp_path / "cpuinfo_amx"
    amx.write_text("flags\t\t: fpu sse amx_bf16 amx_tile\n")
    without = tmp_path / "cpuinfo_plain"
    without.write_text("flags\t\t: fpu sse avx2 avx512f\n")
    assert training.cpu_supports_bfloat16(str(with_bf16))
    assert training.cpu_supports_bfloat16(str(amx))
    assert not training.cpu_supports_bfloat16(str(without))
    assert not training.cpu_supports_bfloat16(str(tmp_path / "missing"))


def test_cnnlib_precision_variable_overrides_auto_but_not_an_argument(monkeypatch):
    """README Troubleshooting: ``CNNLIB_PRECISION=float32`` gives float32 on any CPU."""
    for value in ("float32", "mixed_bfloat16"):
        monkeypatch.setenv("CNNLIB_PRECISION", value)
        assert training.pick_precision() == value
        assert training.pick_precision("auto") == value
    monkeypatch.setenv("CNNLIB_PRECISION", "float32")
    assert (
        training.pick_precision("mixed_bfloat16") == "mixed_bfloat16"
    )  # argument wins
    monkeypatch.setenv("CNNLIB_PRECISION", "fp16")
    with pytest.raises(ValueError, match=r"CNNLIB_PRECISION.*got 'fp16'"):
        training.pick_precision()
    env = {"CNNLIB_PRECISION": "mixed_bfloat16"}
    assert training.pick_precision(environ=env) == "mixed_bfloat16"
    with pytest.raises(ValueError, match="precision must be one of"):
        training.pick_precision("bfloat16")


def test_auto_follows_the_cpu_without_the_variable(monkeypatch):
    monkeypatch.delenv("CNNLIB_PRECISION", raising=False)
    want = "mixed_bfloat16" if training.cpu_supports_bfloat16() else "float32"
    assert training.pick_precision() == want


def test_cnnlib_precision_float32_trains_in_float32(tiny_mnist, monkeypatch):
    monkeypatch.setenv("CNNLIB_PRECISION", "float32")
    result = training.train("small", epochs=1, data=tiny_mnist(10, 5), verbose=0)
    assert result.setup.endswith("precision float32")
    assert {layer.compute_dtype for layer in result.model.layers} == {"float32"}


def test_setup_is_described_in_words():
    text = training.describe_setup("float32", training.pick_strategy())
    assert text.startswith("one device (") and text.endswith("precision float32")
    assert "_Default" not in text and "Strategy" not in text


@pytest.mark.slow
def test_mirrored_strategy_on_two_logical_cpus():
    code = textwrap.dedent("""
        import tensorflow as tf  # before cnnlib: its first op would fix the devices
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
        from cnnlib import training
        devices = [d.name for d in tf.config.list_logical_devices("CPU")]
        strategy = training.pick_strategy(devices)
        r = training.train("small", epochs=2, batch_size=50, lr=1e-3, data="sample",
                           validation_split=0.9, verbose=0, strategy=strategy,
                           precision="float32")
        print("REPLICAS", strategy.num_replicas_in_sync, type(strategy).__name__)
        print("SETUP", r.setup)
        print("ACC", r.test_accuracy)
    """)
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert "REPLICAS 2 MirroredStrategy" in out.stdout
    assert "SETUP MirroredStrategy over 2 devices, precision float32" in out.stdout
    acc = float(out.stdout.split("ACC ")[1].split()[0])
    assert acc > 0.5, out.stdout  # it learned (chance is 0.1)
