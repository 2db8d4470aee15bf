"""cnnlib.training.optimization: a recipe's rate schedule, optimizer, loss, compile."""

from __future__ import annotations

import numpy as np
import pytest

from cnnlib import training
from cnnlib.core.tf import keras


def test_article_rate_is_constant():
    assert training.learning_rate_schedule("article", 3e-4, 10, 5) == 3e-4


def test_improved_schedule_warms_up_to_peak_factor_times_lr_then_decays_to_zero():
    schedule = training.learning_rate_schedule(
        "improved", 1e-4, steps_per_epoch=10, epochs=5
    )
    rates = np.array([float(schedule(step)) for step in range(51)])
    peak = training.IMPROVED.peak_factor * 1e-4
    assert rates[0] == pytest.approx(1e-4, rel=1e-3)  # lr is the base rate
    assert rates.max() == pytest.approx(peak, rel=1e-3)
    assert rates.argmax() == 10  # after one epoch of warm-up
    assert np.all(np.diff(rates[:11]) > 0) and np.all(np.diff(rates[10:]) < 0)
    assert rates[30] == pytest.approx(peak / 2, rel=1e-2)  # a cosine: half-way is half
    assert rates[50] == pytest.approx(0.0, abs=1e-9)


def test_article_recipe_is_constant_adam_and_improved_is_adamw_with_smoothing():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2)])
    training.compile_model(model, "article", lr=3e-4, steps_per_epoch=10, epochs=2)
    assert type(model.optimizer) is keras.optimizers.Adam
    assert float(model.optimizer.learning_rate) == pytest.approx(3e-4)
    assert isinstance(model.loss, keras.losses.SparseCategoricalCrossentropy)
    assert model.loss.get_config()["from_logits"] is True
    training.compile_model(
        model, training.IMPROVED, lr=1e-4, steps_per_epoch=10, epochs=2
    )
    assert isinstance(model.optimizer, keras.optimizers.AdamW)
    assert model.optimizer.weight_decay == pytest.approx(0.1)
    assert isinstance(model.loss, keras.losses.CategoricalCrossentropy)
    assert model.loss.get_config()["label_smoothing"] == pytest.approx(0.1)
    assert model.loss.get_config()["from_logits"] is True
    assert model.jit_compile is training.COMPILE_OPTIONS["jit_compile"] is False


def test_loss_and_metric_match_the_label_format():
    loss, metric = training.make_loss("article")
    y, logits = np.array([2, 0]), np.array([[0.0, 0.0, 5.0], [5.0, 0.0, 0.0]])
    want = -np.log(np.exp(5) / (np.exp(5) + 2))
    assert float(loss(y, logits)) == pytest.approx(want, rel=1e-5)
    metric.update_state(y, logits)
    assert float(metric.result()) == 1.0
    loss, metric = training.make_loss("improved")  # one-hot, smoothed by 0.1
    one_hot = np.eye(3)[y]
    smooth = one_hot * 0.9 + 0.1 / 3
    logp = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    assert float(loss(one_hot, logits)) == pytest.approx(
        -(smooth * logp).sum(1).mean(), rel=1e-5
    )
    metric.update_state(one_hot, logits)
    assert float(metric.result()) == 1.0


def test_make_optimizer_follows_the_recipe():
    assert type(training.make_optimizer("article", 1e-3, 5, 2)) is keras.optimizers.Adam
    adamw = training.make_optimizer("improved", 1e-3, 5, 2)
    assert float(adamw.learning_rate) == pytest.approx(1e-3)  # step 0: the base rate
    assert isinstance(adamw, keras.optimizers.AdamW) and adamw.weight_decay == 0.1
