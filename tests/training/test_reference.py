"""cnnlib.training.reference: cached_train trains once, then loads; the reference net.

A cached run is keyed by everything that decides its result: a second call with
the same settings (spelled out or left to their defaults) loads the stored model
and history instead of training; a different setting, recipe, precision or
set of digits trains again. Every run here is tiny and writes to a temporary
cache folder.
"""

from __future__ import annotations

import numpy as np
import pytest

from cnnlib import models, training

SETTINGS = dict(arch="small", epochs=1, lr=1e-3, batch_size=25, seed=2)


@pytest.fixture(scope="module")
def tiny(tiny_mnist):
    return tiny_mnist(10, 5)  # 100 training digits, 50 test digits


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("runs")


@pytest.fixture(scope="module")
def first(tiny, cache):
    return training.cached_train(data=tiny, cache_dir=cache, **SETTINGS)


def entries(cache) -> list[str]:
    return sorted(p.name for p in cache.iterdir() if not p.name.startswith("."))


def test_the_first_call_trains_and_stores_the_run(first, tiny, cache):
    assert not first.from_cache
    assert [h.epoch for h in first.history] == [1]
    assert first.test_accuracy == models.accuracy(first.model, tiny.x_test, tiny.y_test)
    (entry,) = entries(cache)
    assert sorted(p.name for p in (cache / entry).iterdir()) == [
        "model.keras",
        "result.json",
    ]


def test_the_same_settings_load_the_same_model(first, tiny, cache):
    lines = []
    again = training.cached_train(
        data=tiny, cache_dir=cache, printer=lines.append, verbose=1, **SETTINGS
    )
    assert again.from_cache and lines == []  # loaded, quietly
    np.testing.assert_array_equal(
        models.logits(again.model, tiny.x_test), models.logits(first.model, tiny.x_test)
    )
    assert again.history == first.history
    assert (again.test_accuracy, again.data_name, again.n_validation, again.setup) == (
        first.test_accuracy,
        first.data_name,
        first.n_validation,
        first.setup,
    )
    # defaults spelled out are the same settings
    spelled = training.cached_train(
        data=tiny,
        cache_dir=cache,
        recipe="article",
        validation_split=0.1,
        precision="auto",
        **SETTINGS,
    )
    assert spelled.from_cache
    assert len(entries(cache)) == 1


def test_a_changed_setting_trains_again(first, tiny, cache):
    other = training.cached_train(
        data=tiny, cache_dir=cache, **{**SETTINGS, "lr": 2e-3}
    )
    assert not other.from_cache
    assert len(entries(cache)) == 2
    assert not np.array_equal(
        other.model.get_layer("conv1").get_weights()[0],
        first.model.get_layer("conv1").get_weights()[0],
    )


def test_other_digits_train_again(first, tiny_mnist, cache):
    fewer = tiny_mnist(8, 5)  # other training digits, same test digits
    other = training.cached_train(data=fewer, cache_dir=cache, **SETTINGS)
    assert not other.from_cache
    assert other.n_validation != first.n_validation or other.history != first.history
    again = training.cached_train(data=fewer, cache_dir=cache, **SETTINGS)
    assert again.from_cache


@pytest.mark.parametrize(
    "change",
    [
        {"arch": "large"},
        {"epochs": 2},
        {"lr": 1e-4},
        {"batch_size": 50},
        {"seed": 3},
        {"recipe": "improved"},
        {"validation_split": 0.2},
        {"init": "keras"},
    ],
)
def test_every_setting_is_part_of_the_key(change, tiny):
    base = training.normalized_settings(dict(SETTINGS))
    changed = training.normalized_settings({**SETTINGS, **change})
    key = training.run_key(base, tiny, "float32")
    assert training.run_key(changed, tiny, "float32") != key
    assert training.run_key(dict(base), tiny, "float32") == key  # and it is stable


def test_precision_and_digits_are_part_of_the_key(tiny, tiny_mnist):
    settings = training.normalized_settings(dict(SETTINGS))
    key = training.run_key(settings, tiny, "float32")
    assert training.run_key(settings, tiny, "mixed_bfloat16") != key
    relabelled = tiny_mnist(10, 5)
    relabelled.y_test[0] = (relabelled.y_test[0] + 1) % 10  # one test label differs
    assert training.run_key(settings, relabelled, "float32") != key


def test_a_cached_run_writes_nothing_else(tiny, cache):
    for name in ("out", "resume", "log_dir", "strategy"):
        with pytest.raises(ValueError, match=f"does not take \\['{name}'\\]"):
            training.cached_train(
                data=tiny, cache_dir=cache, **{name: None}, **SETTINGS
            )


def test_cache_folder_is_under_keras_home(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    assert training.cache_folder() == tmp_path / "cnnlib" / "runs"


def test_the_reference_network_is_the_small_network_of_its_settings(
    small_network, mnist
):
    settings = training.REFERENCE_SETTINGS
    assert small_network.model.name == f"{settings['arch']}_cnn"
    assert len(small_network.history) == settings["epochs"]
    assert small_network.data_name == mnist.name
    assert small_network.setup.endswith(f"precision {settings['precision']}")
    assert small_network.test_accuracy == pytest.approx(
        models.accuracy(small_network.model, mnist.x_test, mnist.y_test)
    )
    assert small_network.test_accuracy > 0.9
