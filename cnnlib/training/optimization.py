"""A recipe's Keras objects: learning-rate schedule, optimizer, loss, metric, compile.

learning_rate_schedule(recipe, lr, steps_per_epoch, epochs)   a number or a schedule
make_optimizer(recipe, lr, steps_per_epoch, epochs)           Adam or AdamW
make_loss(recipe)                                             cross-entropy on logits
compile_model(model, recipe, lr, steps_per_epoch, epochs)
"""

from __future__ import annotations

from typing import Union

from ..core.tf import keras
from . import recipes

#: How Keras runs each training step. Measured for the article network (batch 50)
#: on a shared 2-core Xeon with AMX, side by side in one process: XLA
#: (``jit_compile=True``) was 10-17x slower in mixed_bfloat16;
#: ``steps_per_execution=20`` gave the same losses and was within the noise
#: (+8% in bfloat16, -7% in float32); it would also have to divide the steps of
#: an epoch (Keras runs whole executions, into the next epoch's batches).
COMPILE_OPTIONS = {"jit_compile": False, "steps_per_execution": 1}


def learning_rate_schedule(
    recipe: Union[str, recipes.Recipe], lr: float, steps_per_epoch: int, epochs: int
):
    """The learning rate of ``recipe``: a number, or a Keras schedule (step -> rate).

    With ``peak_factor == 1`` (article): ``lr`` at every step. Otherwise
    (improved, fast) ``lr`` is the base rate: it rises linearly to
    ``peak_factor * lr`` over the first epoch (improved) or the first
    ``warmup_fraction`` of all steps (fast: 30%, a one-cycle schedule), then falls
    along a cosine to 0 at the last step.
    """
    recipe = recipes.get_recipe(recipe)
    if recipe.peak_factor == 1.0:
        return lr
    total = steps_per_epoch * epochs
    if recipe.warmup_fraction is None:
        warmup = steps_per_epoch
    else:
        warmup = int(round(recipe.warmup_fraction * total))
    warmup = min(warmup, max(total - 1, 0))
    return keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=lr,
        decay_steps=max(total - warmup, 1),
        alpha=0.0,
        warmup_target=lr * recipe.peak_factor,
        warmup_steps=warmup,
    )


def make_optimizer(
    recipe: Union[str, recipes.Recipe], lr: float, steps_per_epoch: int, epochs: int
) -> keras.optimizers.Optimizer:
    """``recipe``'s optimizer: AdamW when it has weight decay, else Adam, on its
    schedule."""
    recipe = recipes.get_recipe(recipe)
    rate = learning_rate_schedule(recipe, lr, steps_per_epoch, epochs)
    if recipe.weight_decay:
        return keras.optimizers.AdamW(
            learning_rate=rate,
            weight_decay=recipe.weight_decay,
            beta_1=recipe.beta_1,
            beta_2=recipe.beta_2,
        )
    return keras.optimizers.Adam(
        learning_rate=rate, beta_1=recipe.beta_1, beta_2=recipe.beta_2
    )


def make_loss(
    recipe: Union[str, recipes.Recipe],
) -> tuple[keras.losses.Loss, keras.metrics.Metric]:
    """``(loss, accuracy metric)`` of ``recipe``: softmax cross-entropy on the logits,
    with one-hot labels and label smoothing when the recipe smooths."""
    recipe = recipes.get_recipe(recipe)
    if recipe.one_hot:
        return (
            keras.losses.CategoricalCrossentropy(
                from_logits=True, label_smoothing=recipe.label_smoothing
            ),
            keras.metrics.CategoricalAccuracy(name="accuracy"),
        )
    return (
        keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        keras.metrics.SparseCategoricalAccuracy(name="accuracy"),
    )


def compile_model(
    model: keras.Model,
    recipe: Union[str, recipes.Recipe],
    lr: float,
    steps_per_epoch: int,
    epochs: int,
) -> None:
    """Compile ``model`` with ``recipe``'s optimizer, loss (on logits) and accuracy
    metric."""
    loss, metric = make_loss(recipe)
    model.compile(
        optimizer=make_optimizer(recipe, lr, steps_per_epoch, epochs),
        loss=loss,
        metrics=[metric],
        **COMPILE_OPTIONS,
    )
