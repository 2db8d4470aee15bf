"""Fixtures of the deploy tests: the reference small network as a bfloat16 model.

``bf16_model`` is the small network as ``cnnlib train`` saves it on a bfloat16
CPU *before* the float32 copy: the ``mixed_bfloat16`` policy in every hidden
layer, with the weights of the cached reference network (conftest's
``small_network``: trained once, ~96% on the sample's test digits). Exporting
never computes in bfloat16, so it is exported on any CPU; *running* it needs
bfloat16 kernels (``BF16``).
"""

from __future__ import annotations

import numpy as np
import pytest

from cnnlib import deploy, models, training

BF16 = training.bfloat16_runs()
NO_BF16 = (
    "this machine's TensorFlow has no bfloat16 kernels (no AVX512-BF16/AMX, or "
    "ONEDNN_MAX_CPU_ISA=AVX2): the bfloat16 original cannot run here"
)


@pytest.fixture(scope="session")
def bf16_model(small_network):
    model = models.build_model("small", init="he", dtype="mixed_bfloat16")
    model.set_weights(small_network.model.get_weights())
    return model


@pytest.fixture(scope="session")
def float32_probs(bf16_model, mnist):
    """The deployable (float32) model's probabilities of the sample's 500 test
    digits."""
    return deploy.deployable_model(bf16_model)(mnist.x_test.astype(np.float32)).numpy()


def assert_same_digits_but_near_ties(mine: np.ndarray, original: np.ndarray) -> None:
    """The same digits, except where the original's two best classes are closer than
    twice the largest gap between the two sets of probabilities."""
    gap = np.abs(mine - original).max()
    assert gap < 0.05, gap
    top2 = np.sort(original, axis=1)[:, -2:]
    clear = top2[:, 1] - top2[:, 0] > 2 * gap
    np.testing.assert_array_equal(mine.argmax(1)[clear], original.argmax(1)[clear])
    assert (mine.argmax(1) == original.argmax(1)).mean() >= 0.99
