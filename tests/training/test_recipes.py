"""cnnlib.training.recipes: the two recipes as plain data (no TensorFlow needed)."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import pytest

from cnnlib import training
from cnnlib.training import recipes


def test_recipe_is_an_object_made_once_from_its_name():
    assert training.get_recipe("improved") is training.IMPROVED is recipes.IMPROVED
    assert training.get_recipe(training.ARTICLE) is training.ARTICLE
    assert training.RECIPES == {
        "article": training.ARTICLE,
        "improved": training.IMPROVED,
        "fast": training.FAST,
    }
    with pytest.raises(
        ValueError, match=r"recipe must be one of \('article', 'improved', 'fast'\)"
    ):
        training.get_recipe("fastest")
    with pytest.raises(dataclasses.FrozenInstanceError):  # cannot be changed in place
        training.IMPROVED.dropout = 0.0


def test_the_article_recipe_holds_the_articles_defaults():
    article = training.ARTICLE
    assert (article.arch, article.epochs, article.batch_size, article.lr) == (
        "large",
        10,
        50,
        1e-4,
    )
    assert article.augmentation is None and article.peak_factor == 1.0
    assert not article.one_hot and article.dropout == 0.0


def test_improved_settings_are_one_flat_dict():
    """What chapter 7 prints: every setting of the improved recipe, flat."""
    assert training.IMPROVED.settings() == {
        "name": "improved",
        "arch": "large",
        "epochs": 10,
        "batch_size": 50,
        "lr": 1e-4,
        "init": "keras",
        "dropout": 0.5,
        "label_smoothing": 0.1,
        "weight_decay": 0.1,
        "peak_factor": 20.0,
        "shift": 0.1,
        "rotate_degrees": 10.0,
        "zoom": 0.1,
        "copies": 3,
    }
    assert training.IMPROVED.peak_factor == 20.0 and training.IMPROVED.one_hot
    plain = training.ARTICLE.settings()
    assert (
        plain["shift"],
        plain["rotate_degrees"],
        plain["zoom"],
        plain["copies"],
    ) == (0.0, 0.0, 0.0, 1)
    assert "about" not in plain and "augmentation" not in plain


def test_precisions_and_their_variable():
    assert training.PRECISIONS == ("auto", "float32", "mixed_bfloat16")
    assert training.PRECISION_ENV == "CNNLIB_PRECISION"


def test_recipes_load_without_tensorflow():
    code = (
        "import sys, cnnlib.training.recipes as r; r.get_recipe('fast'); "
        "print('tensorflow' in sys.modules, 'keras' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "False"]
