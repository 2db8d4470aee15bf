"""The two training recipes as objects: what each sets, its learning rate, its compile.

``ARTICLE``
    Article 001's recipe: Adam with a constant learning rate ``lr`` (default
    1e-4), softmax cross-entropy on the logits, shuffled mini-batches, no
    regularisation. Initial weights: truncated normal scaled per layer (He,
    stddev ``sqrt(2 / fan_in)``); the article's fixed stddev 0.03
    (``init="article"``) learns too slowly in the few hundred steps of the
    sample.
``IMPROVED``
    The book's "beyond the article" recipe, same network: every batch is used
    in 3 differently augmented copies (shifts up to 10% of the image,
    rotations up to +-10 degrees, zooms up to 10%:
    :func:`cnnlib.pipeline.random_affine`), dropout 0.5 before the last
    layer, label smoothing 0.1, AdamW with weight decay 0.1, Glorot initial
    weights, and a schedule. **How ``lr`` is read:** it is the *base* rate;
    the rate warms up linearly from ``lr`` to ``peak_factor`` (20) x ``lr``
    over the first epoch, then follows a cosine down to 0 at the last step.

A recipe name (``"article"``/``"improved"``) is turned into its
:class:`Recipe` once, by :func:`get_recipe`, where it enters the library.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Union

import keras  # after cnnlib has imported TensorFlow quietly

from .pipeline import Augmentation

DEFAULT_LR = 1e-4


@dataclass(frozen=True)
class Recipe:
    """How a network is trained (the network itself is ``arch``).

    Attributes:
        name: ``"article"`` or ``"improved"``.
        init: initial weights (see :func:`cnnlib.models.build_model`).
        dropout: dropout rate before the last layer (0: none).
        label_smoothing: of the cross-entropy (0: none; > 0 needs one-hot labels).
        weight_decay: AdamW's decoupled decay (0: plain Adam).
        peak_factor: 1 for a constant rate; else warm-up to ``peak_factor x lr``
            over the first epoch, then a cosine to 0.
        augmentation: random shifts/rotations/zooms of the training digits, or None.
    """

    name: str
    init: str = "he"
    dropout: float = 0.0
    label_smoothing: float = 0.0
    weight_decay: float = 0.0
    peak_factor: float = 1.0
    augmentation: Optional[Augmentation] = None

    @property
    def one_hot(self) -> bool:
        """Whether the labels are fed one-hot ``(B, 10)`` (label smoothing needs it)."""
        return self.label_smoothing > 0

    def settings(self) -> dict:
        """The regularisation settings as a flat dict (what the chapter prints)."""
        aug = self.augmentation or Augmentation(0.0, 0.0, 0.0, 1)
        return {"dropout": self.dropout, "label_smoothing": self.label_smoothing,
                "weight_decay": self.weight_decay, "shift": aug.shift,
                "rotate_degrees": aug.rotate_degrees, "zoom": aug.zoom, "copies": aug.copies}


ARTICLE = Recipe("article", init="he")
IMPROVED = Recipe("improved", init="keras", dropout=0.5, label_smoothing=0.1,
                  weight_decay=0.1, peak_factor=20.0,
                  augmentation=Augmentation(shift=0.1, rotate_degrees=10.0, zoom=0.1, copies=3))
RECIPES = {r.name: r for r in (ARTICLE, IMPROVED)}


def get_recipe(recipe: Union[str, Recipe]) -> Recipe:
    """The :class:`Recipe` named ``recipe`` (a :class:`Recipe` is returned as it is).

    Raises:
        ValueError: an unknown name, naming it and the known ones.
    """
    if isinstance(recipe, Recipe):
        return recipe
    if not isinstance(recipe, str) or recipe not in RECIPES:
        raise ValueError(f"recipe must be one of {tuple(RECIPES)}, got {recipe!r}")
    return RECIPES[recipe]


def learning_rate_schedule(recipe: Union[str, Recipe], lr: float, steps_per_epoch: int,
                           epochs: int):
    """The learning rate of ``recipe``: a number, or a Keras schedule (step -> rate).

    With ``peak_factor == 1`` (article): ``lr`` at every step. Otherwise
    (improved) ``lr`` is the base rate: it rises linearly over the first epoch
    to ``peak_factor * lr``, then falls along a cosine to 0 at the last step.
    """
    recipe = get_recipe(recipe)
    if recipe.peak_factor == 1.0:
        return lr
    total = steps_per_epoch * epochs
    warmup = min(steps_per_epoch, max(total - 1, 0))
    return keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=lr, decay_steps=max(total - warmup, 1), alpha=0.0,
        warmup_target=lr * recipe.peak_factor, warmup_steps=warmup)


#: How Keras runs each training step (measured with bench/train_speed.py):
#: XLA was slower on CPU for these networks.
COMPILE_OPTIONS = {"jit_compile": False, "steps_per_execution": 1}


def compile_model(model: keras.Model, recipe: Union[str, Recipe], lr: float,
                  steps_per_epoch: int, epochs: int) -> None:
    """Compile ``model`` with ``recipe``'s optimizer, loss (on logits) and accuracy metric."""
    recipe = get_recipe(recipe)
    rate = learning_rate_schedule(recipe, lr, steps_per_epoch, epochs)
    if recipe.weight_decay:
        optimizer = keras.optimizers.AdamW(learning_rate=rate, weight_decay=recipe.weight_decay)
    else:
        optimizer = keras.optimizers.Adam(learning_rate=rate)
    if recipe.one_hot:
        loss = keras.losses.CategoricalCrossentropy(
            from_logits=True, label_smoothing=recipe.label_smoothing)
        metric = keras.metrics.CategoricalAccuracy(name="accuracy")
    else:
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        metric = keras.metrics.SparseCategoricalAccuracy(name="accuracy")
    model.compile(optimizer=optimizer, loss=loss, metrics=[metric], **COMPILE_OPTIONS)
