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
``FAST``
    Designed for time to accuracy (99% on full MNIST in two epochs): the
    ``fast`` network (24 filters of 5x5 and 32 of 3x3, unpadded, max pooling
    before ReLU, 256 hidden units, no dropout; see :mod:`.fastnet`), batches
    of 256, Adam with beta1 0.7 and beta2 0.9, and a one-cycle rate: from
    ``lr`` (4e-4) up to ``peak_factor`` (25) x ``lr`` = 0.01 over the first 30%
    of the steps, then a cosine down to 0. Two epochs (one reaches about 98.9%
    test accuracy; the second costs less than the first, which includes
    building the graph).

:mod:`.optimization` turns a recipe into Keras objects (schedule, optimizer,
loss); :mod:`.pipeline` applies its augmentation; :mod:`.loop` trains with it.
A recipe name is turned into its :class:`Recipe` once, by :func:`get_recipe`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Optional, Union

from ..core import checks
from ..models import architectures

#: Precisions training can compute in: ``auto`` picks ``mixed_bfloat16`` on CPUs
#: with bfloat16 and ``float32`` elsewhere (see :mod:`.hardware`).
PRECISIONS = ("auto", "float32", "mixed_bfloat16")
#: Networks a recipe can train: article 000's and 001's (:mod:`cnnlib.models`) and
#: the fast recipe's (:mod:`.fastnet`).
ARCHS = (*architectures.ARCHS, "fast")
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


#: Defaults of the settings added with the fast recipe (see ``Recipe.settings``).
_LATER_DEFAULTS = {"warmup_fraction": None, "beta_1": 0.9, "beta_2": 0.999}


@dataclass(frozen=True)
class Recipe:
    """How a network is trained, and the settings a run uses unless told otherwise.

    Attributes:
        name: ``"article"``, ``"improved"`` or ``"fast"``.
        arch: the network it trains by default (one of :data:`ARCHS`).
        epochs, batch_size, lr: defaults of :func:`cnnlib.training.train`.
        init: initial weights (see :func:`cnnlib.models.build_model`).
        dropout: dropout rate before the last layer (0: none).
        label_smoothing: of the cross-entropy (0: none; > 0 needs one-hot labels).
        weight_decay: AdamW's decoupled decay (0: plain Adam).
        peak_factor: 1 for a constant rate; else a linear warm-up to
            ``peak_factor x lr``, then a cosine to 0.
        warmup_fraction: how long the warm-up lasts: ``None`` the first epoch,
            else this fraction of all steps (0.3: a one-cycle schedule).
        beta_1, beta_2: Adam's (and AdamW's) moment decay rates.
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
    warmup_fraction: Optional[float] = None
    beta_1: float = 0.9
    beta_2: float = 0.999
    augmentation: Optional[Augmentation] = None
    about: str = ""

    @property
    def one_hot(self) -> bool:
        """Whether the labels are fed one-hot ``(B, 10)`` (label smoothing needs it)."""
        return self.label_smoothing > 0

    def settings(self) -> dict:
        """Every setting as a flat dict (what a chapter prints, what a cache key
        hashes).

        The settings added after the first two recipes (``warmup_fraction``,
        ``beta_1``, ``beta_2``) are listed only where a recipe changes them, so
        the article's and the improved recipe's dicts (and cache keys) stay as
        they were.
        """
        flat = {
            k: v
            for k, v in asdict(self).items()
            if k not in ("augmentation", "about")
            and not (k in _LATER_DEFAULTS and v == _LATER_DEFAULTS[k])
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
FAST = Recipe(
    "fast",
    arch="fast",
    epochs=2,
    batch_size=256,
    lr=4e-4,
    init="keras",
    peak_factor=25.0,
    warmup_fraction=0.3,
    beta_1=0.7,
    beta_2=0.9,
    about="time to accuracy: the fast network, batches of 256, Adam 0.01 "
    "(beta1 0.7, beta2 0.9), one-cycle rate, 2 epochs",
)
RECIPES = {r.name: r for r in (ARTICLE, IMPROVED, FAST)}


def get_recipe(recipe: Union[str, Recipe]) -> Recipe:
    """The :class:`Recipe` named ``recipe`` (a :class:`Recipe` is returned as it is).

    Raises:
        ValueError: an unknown name, naming it and the known ones.
    """
    if isinstance(recipe, Recipe):
        return recipe
    return RECIPES[checks.one_of(recipe, "recipe", tuple(RECIPES))]
