"""Convolution and pooling by hand, in NumPy: what chapters 2-4 teach, written out.

    conv2d(x, w, stride, padding)       the same numbers as tf.nn.conv2d
    max_pool2d / avg_pool2d             the same as tf.nn.max_pool2d / avg_pool2d
    output_size(n, k, stride, padding)  SAME: ceil(n / s); VALID: floor((n - k) / s) + 1
    same_padding(n, k, stride)          (before, after) pad cells of SAME
    plan_window(x, op, ...)             a window's every step, for the figures
    shift_changes(images, kernel, ...)  how much a shift changes maps, before and
                                        after pooling (chapter 4)

Modules: :mod:`.sizes`, :mod:`.conv`, :mod:`.pool`, :mod:`.window`, :mod:`.invariance`.
"""

from ..core.lazy import public_api

__getattr__, __dir__, __all__ = public_api(
    __name__,
    {
        "sizes": [
            "PADDINGS",
            "check_padding",
            "output_size",
            "pad_amounts",
            "same_padding",
        ],
        "conv": ["IntOrPair", "as_nhwc", "conv2d", "receptive_inputs"],
        "pool": ["avg_pool2d", "max_pool2d", "max_pool2d_zero_pad"],
        "window": ["OPS", "WindowPlan", "plan_window"],
        "invariance": [
            "DIRECTIONS",
            "ShiftChange",
            "relative_change",
            "shift_changes",
            "shift_grid",
        ],
    },
)
