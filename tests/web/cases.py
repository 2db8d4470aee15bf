"""Convolution cases the page's JavaScript is checked against (Node and Chromium)."""

import numpy as np

from cnnlib import ops


def conv_cases(seed: int = 0) -> list[dict]:
    """Grids, filters, strides and paddings, with cnnlib.ops.conv2d's answers."""
    rng = np.random.default_rng(seed)
    grid2 = [
        [2.0, 3.0, 0.0, 1.0, 1.0],
        [2.0, 1.5, 0.5, 0.0, 1.0],
        [0.0, 1.0, 2.0, 3.0, 1.0],
        [1.0, 0.0, 0.5, 2.0, 1.0],
        [3.0, 1.0, 0.0, 1.0, 2.0],
    ]
    cases = []
    for k in (
        [[0.5, 0.5], [0.5, 0.5]],
        [[1, 0, -1]] * 3,
        [[1, 1, 1], [0, 0, 0], [-1, -1, -1]],
    ):
        for stride in (1, 2, 3):
            for padding in ("VALID", "SAME"):
                cases.append((grid2, k, stride, padding))
    for _ in range(20):
        h, w = rng.integers(3, 12, size=2)
        kh, kw = rng.integers(1, 6, size=2)
        kh, kw = min(kh, h), min(kw, w)
        cases.append(
            (
                rng.normal(size=(h, w)).round(2).tolist(),
                rng.normal(size=(kh, kw)).round(2).tolist(),
                int(rng.integers(1, 4)),
                str(rng.choice(["VALID", "SAME"])),
            )
        )
    out = []
    for grid, k, stride, padding in cases:
        want = ops.conv2d(
            np.array(grid, float), np.array(k, float), stride=stride, padding=padding
        )
        out.append(
            {
                "grid": grid,
                "kernel": k,
                "stride": stride,
                "padding": padding,
                "want": np.atleast_2d(want).tolist(),
            }
        )
    return out
