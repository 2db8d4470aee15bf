"""cnnlib.models.architecture: the layer list an architecture figure is drawn from."""

from __future__ import annotations

import pytest

from cnnlib import models


@pytest.mark.parametrize("arch", models.ARCHS)
def test_architecture_follows_the_model_layer_by_layer(arch):
    model = models.build_model(arch)
    rows = models.architecture(model)
    assert [(r.name, r.shape, r.params) for r in rows] == models.layer_table(model)
    spec = models.SPECS[arch]
    kinds = [r.kind for r in rows]
    block = (
        ["conv", "relu", "pool"] if spec.relu_before_pool else ["conv", "pool", "relu"]
    )
    assert kinds == ["input", "scale", *block, *block, "flatten", "dense", "dense"]
    convs = [r.what for r in rows if r.kind == "conv"]
    assert convs == [f"conv 5x5, {n} filters" for n in spec.filters]
    assert [r.what for r in rows if r.kind == "dense"] == [
        f"dense {spec.hidden}, ReLU",
        "dense 10",
    ]


def test_architecture_refuses_what_is_not_a_model():
    with pytest.raises(TypeError, match="model must be a built Keras model"):
        models.architecture([1, 2])
