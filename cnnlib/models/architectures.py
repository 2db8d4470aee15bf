"""The two networks of the source articles, as sizes (no TensorFlow needed).

``"small"`` is article 000's network, ``"large"`` article 001's::

    small: conv 5x5x6  -> max-pool 2x2/2 -> ReLU -> conv 5x5x16 -> max-pool -> ReLU
           -> flatten 7*7*16 = 784 -> dense 128 ReLU -> dense 10
    large: conv 5x5x32 -> ReLU -> max-pool 2x2/2 -> conv 5x5x64 -> ReLU -> max-pool
           -> flatten 7*7*64 = 3,136 -> dense 1000 ReLU -> dense 10

:mod:`.networks` builds them in Keras and with ``tf.nn`` ops.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core import checks


@dataclass(frozen=True)
class ArchSpec:
    """Sizes of one architecture.

    Attributes:
        filters: output channels of the two conv layers.
        kernel: conv kernel size (square) of each conv layer.
        hidden: units of the hidden dense layer.
        relu_before_pool: article 001 applies ReLU before pooling, article 000 after.
        about: one line describing it, for help texts.
    """

    filters: tuple[int, int]
    kernel: tuple[int, int]
    hidden: int
    relu_before_pool: bool
    about: str = ""


SPECS = {
    "small": ArchSpec(
        filters=(6, 16),
        kernel=(5, 5),
        hidden=128,
        relu_before_pool=False,
        about="article 000's network: 6 and 16 filters of 5x5, 128 hidden units",
    ),
    "large": ArchSpec(
        filters=(32, 64),
        kernel=(5, 5),
        hidden=1000,
        relu_before_pool=True,
        about="article 001's network: 32 and 64 filters of 5x5, 1000 hidden units",
    ),
}
ARCHS = tuple(SPECS)
#: Initial weights :func:`cnnlib.models.build_model` knows (see its docstring).
INITS = ("article", "he", "keras")
#: Precision policies :func:`cnnlib.models.build_model` accepts (``None`` = float32).
DTYPES = (None, "float32", "mixed_bfloat16", "mixed_float16")


def check_arch(arch: str) -> ArchSpec:
    """The :class:`ArchSpec` of ``arch``, or a ``ValueError`` naming it."""
    return SPECS[checks.one_of(arch, "arch", ARCHS)]
