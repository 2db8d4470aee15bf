"""The training recipes as plain data: what each sets (no TensorFlow needed).

``ARTICLE``
    Article 001's recipe: Adam with a constant learning rate (1e-4), softmax
    cross-entropy on the logits, batches of 50, 10 epochs, no regularisation.
    Initial weights: truncated normal scaled per layer (He, stddev
    ``sqrt(2 / fan_in)``); the article's fixed stddev 0.03 (``init="article"``)
    learns too slowly in the few hundred steps of the sample.
``IMPROVED``
    The book's "beyond the article" recipe: every batch is used in 3
    differently augmented copies (shifts up to 10% of the image, rotations up
    to +-10 degrees, zooms up to 10%), dropout 0.5 before the last layer,
    label smoothing 0.1, AdamW with weight decay 0.1, Glorot initial weights,
    and a schedule: ``lr`` is the *base* rate; the rate warms up linearly from
    ``lr`` to ``peak_factor`` (20) x ``lr`` over the first epoch, then follows a
    cosine down to 0 at the last step.

:mod:`.optimization` turns a recipe into Keras objects (schedule, optimizer,
loss); :mod:`.pipeline` applies its augmentation; :mod:`.loop` trains with it.
A recipe name is turned into its :class:`Recipe` once, by :func:`get_recipe`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Optional, Union

from ..core import checks

#: Precisions training can compute in: ``auto`` picks ``mixed_bfloat16`` on CPUs
#: with bfloat16 and ``float32`` elsewhere (see :mod:`.hardware`).
PRECISIONS = ("auto", "float32", "mixed_bfloat16")
#: Environment variable that overrides ``precision="auto"`` (an explicit argument wins).
PRECISION_ENV = "CNNLIB_PRECISION"


@dataclass(frozen=True)
class Augmentation:
    """Random affine changes of the training digits (see ``pipeline.random_affine``).

    ``copies`` differently augmented copies of each batch go into one step
    ("batch augmentation"), so a step sees ``copies * batch_size`` digits.
    """

    shift: float = 0.1  # fraction of the image, each way
    rotate_degrees: float = 10.0
    zoom: float = 0.1
    copies: int = 1


@dataclass(frozen=True)
class Recipe:
    """How a network is trained, and the settings a run uses unless told otherwise.

    Attributes:
        name: ``"article"`` or ``"improved"``.
        arch: the network it trains by default (``"small"`` or ``"large"``).
        epochs, batch_size, lr: defaults of :func:`cnnlib.training.train`.
        init: initial weights (see :func:`cnnlib.models.build_model`).
        dropout: dropout rate before the last layer (0: none).
        label_smoothing: of the cross-entropy (0: none; > 0 needs one-hot labels).
        weight_decay: AdamW's decoupled decay (0: plain Adam).
        peak_factor: 1 for a constant rate; else warm-up to ``peak_factor x lr``
            over the first epoch, then a cosine to 0.
        augmentation: random shifts/rotations/zooms of the training digits, or None.
        about: one line saying what it is, for help texts.
    """

    name: str
    arch: str = "large"
    epochs: int = 10
    batch_size: int = 50
    lr: float = 1e-4
    init: str = "he"
    dropout: float = 0.0
    label_smoothing: float = 0.0
    weight_decay: float = 0.0
    peak_factor: float = 1.0
    augmentation: Optional[Augmentation] = None
    about: str = ""

    @property
    def one_hot(self) -> bool:
        """Whether the labels are fed one-hot ``(B, 10)`` (label smoothing needs it)."""
        return self.label_smoothing > 0

    def settings(self) -> dict:
        """Every setting as a flat dict (what a chapter prints, what a cache key
        hashes)."""
        flat = {
            k: v for k, v in asdict(self).items() if k not in ("augmentation", "about")
        }
        aug = self.augmentation or Augmentation(0.0, 0.0, 0.0, 1)
        flat.update(
            {
                "shift": aug.shift,
                "rotate_degrees": aug.rotate_degrees,
                "zoom": aug.zoom,
                "copies": aug.copies,
            }
        )
        return flat


ARTICLE = Recipe(
    "article", init="he", about="article 001: Adam 1e-4, batches of 50, 10 epochs"
)
IMPROVED = Recipe(
    "improved",
    init="keras",
    dropout=0.5,
    label_smoothing=0.1,
    weight_decay=0.1,
    peak_factor=20.0,
    augmentation=Augmentation(shift=0.1, rotate_degrees=10.0, zoom=0.1, copies=3),
    about="augmentation x3, dropout 0.5, label smoothing 0.1, AdamW, warm-up + cosine",
)
RECIPES = {r.name: r for r in (ARTICLE, IMPROVED)}


def get_recipe(recipe: Union[str, Recipe]) -> Recipe:
    """The :class:`Recipe` named ``recipe`` (a :class:`Recipe` is returned as it is).

    Raises:
        ValueError: an unknown name, naming it and the known ones.
    """
    if isinstance(recipe, Recipe):
        return recipe
    return RECIPES[checks.one_of(recipe, "recipe", tuple(RECIPES))]
