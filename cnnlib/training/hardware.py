"""Where and how training computes: precision, devices, and a line saying so.

    pick_precision("auto")   "mixed_bfloat16" on CPUs with bfloat16, else "float32"
    pick_strategy()          MirroredStrategy over several GPUs, else the default
    describe_setup(p, s)     "one device (CPU, 2 cores), precision float32"

``CNNLIB_PRECISION`` (``auto``, ``float32`` or ``mixed_bfloat16``) overrides
``precision="auto"``, so ``CNNLIB_PRECISION=float32`` trains the same way on
every machine; an explicit ``precision=`` argument still wins.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping, Optional, Sequence

from ..core import checks
from ..core.tf import tf
from . import recipes


def cpu_supports_bfloat16(cpuinfo: str = "/proc/cpuinfo") -> bool:
    """True when the CPU has native bfloat16 arithmetic (AVX512-BF16 or AMX)."""
    try:
        flags = Path(cpuinfo).read_text()
    except OSError:
        return False
    return " avx512_bf16" in flags or " amx_bf16" in flags


def pick_precision(
    precision: str = "auto", environ: Optional[Mapping[str, str]] = None
) -> str:
    """Resolve ``"auto"`` to ``"mixed_bfloat16"`` on bf16-capable CPUs, else
    ``"float32"``.

    The environment variable ``CNNLIB_PRECISION`` (``auto``, ``float32`` or
    ``mixed_bfloat16``) overrides ``"auto"``; an explicit ``precision``
    argument wins over the variable. On a GPU ``"auto"`` gives ``"float32"``
    (safe everywhere); ask for ``"mixed_bfloat16"`` explicitly on GPUs that
    support it.

    Args:
        precision: ``"auto"``, ``"float32"`` or ``"mixed_bfloat16"``.
        environ: where to read the variable (default ``os.environ``).

    Raises:
        ValueError: ``precision`` or the variable's value is not one of the three.
    """
    checks.one_of(precision, "precision", recipes.PRECISIONS)
    env = os.environ if environ is None else environ
    name = recipes.PRECISION_ENV
    if precision == "auto" and env.get(name, "").strip():
        precision = env[name].strip()
        if precision not in recipes.PRECISIONS:
            raise ValueError(
                f"environment variable {name} must be one of "
                f"{recipes.PRECISIONS}, got {env[name]!r}"
            )
    if precision != "auto":
        return precision
    if tf.config.list_physical_devices("GPU"):
        return "float32"
    return "mixed_bfloat16" if cpu_supports_bfloat16() else "float32"


def pick_strategy(devices: Optional[Sequence[str]] = None) -> tf.distribute.Strategy:
    """``MirroredStrategy`` when there are several devices, else the default strategy.

    Args:
        devices: device names to train on; default: all (logical) GPUs. The
            tests pass two logical CPUs to check the multi-device path.
    """
    if devices is None:
        devices = [g.name for g in tf.config.list_logical_devices("GPU")]
    if len(devices) > 1:
        return tf.distribute.MirroredStrategy(list(devices))
    return tf.distribute.get_strategy()


def describe_setup(precision: str, strategy: tf.distribute.Strategy) -> str:
    """Where and how training runs, in words.

    E.g. ``"one device (CPU, 2 cores), precision float32"``, ``"one device
    (GPU), precision float32"`` or ``"MirroredStrategy over 2 devices,
    precision float32"``.
    """
    n = strategy.num_replicas_in_sync
    if n > 1:
        where = f"{type(strategy).__name__} over {n} devices"
    elif tf.config.list_physical_devices("GPU"):
        where = "one device (GPU)"
    else:
        where = f"one device (CPU, {os.cpu_count()} cores)"
    return f"{where}, precision {precision}"


def bfloat16_runs() -> bool:
    """Whether TensorFlow can run a bfloat16 convolution on this machine.

    A ``mixed_bfloat16`` model can be *exported* anywhere (its float32 copy
    never computes in bfloat16), but *running* it needs bfloat16 kernels:
    oneDNN has them on CPUs with AVX512-BF16 or AMX, not on AVX2-only CPUs (or
    under ``ONEDNN_MAX_CPU_ISA=AVX2``), where the call fails.
    """
    try:
        x = tf.zeros((1, 4, 4, 1), tf.bfloat16)
        tf.nn.conv2d(x, tf.zeros((3, 3, 1, 1), tf.bfloat16), 1, "SAME").numpy()
    except Exception:  # noqa: BLE001  (AbortedError, NotFoundError, InvalidArgumentError)
        return False
    return True
