"""cnnlib.models.predict: pictures and raw digits -> one Prediction each.

The model is the ridge classifier of ``conftest.py`` (raw digits in, logits
out, ~87% right), so predictions can be checked for real without training.
"""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from cnnlib import digits, models


@pytest.fixture(scope="module")
def right(ridge_model, mnist):
    """Indices of 10 test digits, one per class, that the model gets right."""
    ok = models.predict_labels(ridge_model, mnist.x_test) == mnist.y_test
    return [int(np.flatnonzero(ok & (mnist.y_test == d))[0]) for d in range(10)]


def test_predict_digits_names_each_and_agrees_with_the_probabilities(
    ridge_model, mnist
):
    x = mnist.x_test[:5]
    preds = models.predict_digits(ridge_model, x)
    probs = models.probabilities(ridge_model, x)
    assert [p.name for p in preds] == [f"digit[{i}]" for i in range(5)]
    for p, q in zip(preds, probs):
        assert p.digit == int(q.argmax()) and p.probability == pytest.approx(
            float(q.max())
        )
        np.testing.assert_array_equal(p.probabilities, q)
        assert p.steps is None
    named = models.predict_digits(ridge_model, x[:2], names=["a", "b"])
    assert [p.line().split(" ")[2] for p in named] == ["a", "b"]
    with pytest.raises(ValueError, match="got 2 digits but 3 names"):
        models.predict_digits(ridge_model, x[:2], names=["a", "b", "c"])


def test_predict_image_prepares_like_mnist(ridge_model, mnist, right):
    i = right[4]
    photo = digits.render_like_paper(mnist.x_test[i], scale=6, shift=(10, 10))
    pred = models.predict_image(ridge_model, photo, name="four")
    assert pred.digit == 4
    assert pred.steps is not None and pred.steps.inverted
    np.testing.assert_array_equal(
        pred.steps.digit, digits.prepare_digit(photo, name="four").digit
    )
    assert pred.line() == f"4 {pred.probability:.4f} four"
    assert 0 < pred.probability <= 1 and pred.probabilities.argmax() == pred.digit
    with pytest.raises(digits.ImageError, match="no ink"):
        models.predict_image(
            ridge_model, np.full((40, 40), 255, np.uint8), name="blank"
        )


def test_predict_files_keeps_order_and_reports_bad_files(
    ridge_model, mnist, right, tmp_path
):
    paths = []
    for d in (0, 1):
        p = tmp_path / f"d{d}.png"
        Image.fromarray(mnist.x_test[right[d]]).save(p)
        paths.append(p)
    bad = tmp_path / "bad.png"
    bad.write_text("hello")
    out = models.predict_files(ridge_model, [paths[0], bad, paths[1]])
    assert [type(r).__name__ for r in out] == [
        "Prediction",
        "NotAnImageError",
        "Prediction",
    ]
    assert out[0].digit == 0 and out[2].digit == 1
    assert out[0].name == str(paths[0]) and out[2].name == str(paths[1])
    assert isinstance(out[1], digits.ImageError) and "bad.png" in str(out[1])
    # the same numbers as predicting the prepared digits directly
    direct = models.predict_digits(
        ridge_model, np.stack([out[0].steps.digit, out[2].steps.digit])
    )
    assert [p.probability for p in direct] == [out[0].probability, out[2].probability]
