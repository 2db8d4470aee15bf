"""Stored results of long runs, shown in the book without re-training.

``bench/full_mnist.py`` trains the book's recipes on full MNIST (hours of CPU
time on a laptop) and writes what happened to a JSON record,
``chapters/results/full_mnist.json``. :func:`load_record` reads it into a
:class:`Record` (frozen dataclasses, checked against their type hints by
:mod:`.schema`) and refuses a missing or malformed file with a
:class:`RecordError` naming the file and the bad entry.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Sequence

from ..core import files
from . import schema

#: Where the record lives in the book, relative to the repository root.
RECORD_RELPATH = Path("chapters") / "results" / "full_mnist.json"
#: The runs of ``bench/full_mnist.py``, in the order the table shows them.
RUN_ORDER = ("article", "improved", "small")
#: The same record in the book's repository, for a chapter run outside a checkout
#: (Colab installs cnnlib from git, without the chapters).
RECORD_URL = (
    "https://raw.githubusercontent.com/cnn-tf-book/cnns-in-tensorflow/main/"
    + RECORD_RELPATH.as_posix()
)


@dataclass(frozen=True)
class Epoch:
    """One epoch of a run: training cost, validation cost and accuracy, seconds."""

    epoch: int
    cost: float
    val_cost: float
    val_accuracy: float
    seconds: float

    def __post_init__(self):
        if not 0 <= self.val_accuracy <= 1:
            raise ValueError(
                f"val_accuracy of epoch {self.epoch} must be in 0..1, "
                f"got {self.val_accuracy!r}"
            )


@dataclass(frozen=True)
class Run:
    """One run of ``bench/full_mnist.py``: its settings, history, test accuracy,
    timings."""

    run: str
    arch: str
    recipe: str
    epochs: int
    batch_size: int
    lr: float
    seed: int
    data: str
    n_train: int
    n_validation: int
    n_test: int
    history: tuple[Epoch, ...]
    test_accuracy: float
    seconds: float
    images_per_second: float
    setup: str
    cpu: str
    tensorflow: str
    commit: str
    command: str
    about: str = ""
    validation_split: Optional[float] = None
    test_errors: Optional[int] = None
    target_test_accuracy: Optional[float] = None
    val_epoch_99: Optional[int] = None
    seconds_to_val_99: Optional[float] = None
    cpu_cores: Optional[int] = None
    python: str = ""
    finished: str = ""

    def __post_init__(self):
        if self.run not in RUN_ORDER:
            raise ValueError(f"unknown run {self.run!r}, expected one of {RUN_ORDER}")
        if not self.history:
            raise ValueError(f'run {self.run!r}: "history" is empty')
        for i, h in enumerate(self.history):
            if h.epoch != i + 1:
                raise ValueError(
                    f"run {self.run!r}: history[{i}] is epoch {h.epoch}, "
                    f"expected {i + 1}"
                )
        if not 0 <= self.test_accuracy <= 1:
            raise ValueError(
                f"run {self.run!r}: test_accuracy must be in 0..1, "
                f"got {self.test_accuracy!r}"
            )


@dataclass(frozen=True)
class Repeat:
    """The same run with another seed: its test accuracy (and when and how it ran)."""

    seed: int
    test_accuracy: float
    val_accuracy: Optional[float] = None
    seconds: Optional[float] = None
    images_per_second: Optional[float] = None
    commit: str = ""
    command: str = ""
    finished: str = ""

    def __post_init__(self):
        if not 0 <= self.test_accuracy <= 1:
            raise ValueError(
                f"seed {self.seed}: test_accuracy must be in 0..1, "
                f"got {self.test_accuracy!r}"
            )


@dataclass(frozen=True)
class Record:
    """The full-MNIST record: ``runs`` by name, and ``repeats[name][seed]`` of other
    seeds."""

    runs: dict[str, Run]
    repeats: dict[str, dict[str, Repeat]] = field(default_factory=dict)
    title: str = ""
    note: str = ""

    def __post_init__(self):
        if not self.runs:
            raise ValueError('"runs" is empty')
        for name, run in self.runs.items():
            if run.run != name:
                raise ValueError(f'run {name!r}: its "run" field says {run.run!r}')
        for name, by_seed in self.repeats.items():
            if name not in self.runs:
                raise ValueError(f'repeats of {name!r} need a run {name!r} in "runs"')
            for seed, rep in by_seed.items():
                if str(rep.seed) != seed:
                    raise ValueError(
                        f"repeats[{name!r}][{seed!r}] holds seed {rep.seed}"
                    )

    def ordered_runs(self) -> list[Run]:
        """The runs in :data:`RUN_ORDER`."""
        return [self.runs[name] for name in RUN_ORDER if name in self.runs]

    def seed_accuracies(self, name: str) -> dict[int, float]:
        """Test accuracy of run ``name`` by seed: the run's own and every repeat's."""
        run = self.runs[name]
        accs = {run.seed: run.test_accuracy}
        accs.update(
            {rep.seed: rep.test_accuracy for rep in self.repeats.get(name, {}).values()}
        )
        return dict(sorted(accs.items()))


class RecordError(schema.SchemaError):
    """A results record is missing or malformed; the message names the file and
    entry."""


def default_record_path() -> Path:
    """The record beside this package in a source checkout
    (``<repo>/chapters/results/``)."""
    return Path(__file__).resolve().parent.parent.parent / RECORD_RELPATH


def _candidates(path: Optional[files.PathLike]) -> list[Path]:
    if path is not None:
        return [Path(path)]
    cwd = Path.cwd()
    out = [
        default_record_path(),
        cwd / "results" / RECORD_RELPATH.name,
        cwd / RECORD_RELPATH,
    ]
    return list(dict.fromkeys(out))  # keep order, drop duplicates


def check_record(doc: Any, where: str = "the record") -> Record:
    """``doc`` (parsed JSON) as a :class:`Record`, or a :class:`RecordError` naming the
    entry."""
    try:
        return schema.from_json(Record, doc, where)
    except schema.SchemaError as err:
        raise RecordError(str(err)) from None


def load_record(path: Optional[files.PathLike] = None) -> Record:
    """Load and check the full-MNIST results record.

    Args:
        path: the JSON file. Default: ``chapters/results/full_mnist.json`` of
            the source checkout this package lives in, else ``results/`` or
            ``chapters/results/`` under the current folder (a chapter runs in
            ``chapters/``).

    Returns:
        The :class:`Record`.

    Raises:
        RecordError: no such file (naming every place looked), not JSON, or
            not a well-formed record (naming the bad entry).
    """
    places = _candidates(path)
    found = next((p for p in places if p.is_file()), None)
    if found is None and path is None:
        return check_record(_fetch_record(places), RECORD_URL)
    if found is None:
        raise RecordError(
            f"no full-MNIST results record at {places[0]}; produce one "
            "with: python bench/full_mnist.py --data DIR"
        )
    try:
        doc = json.loads(found.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise RecordError(f"{found} is not a readable JSON record: {err}") from err
    return check_record(doc, str(found))


def _fetch_record(places: Sequence[Path], timeout: float = 10.0) -> Any:
    """The record from :data:`RECORD_URL` (a chapter run outside a checkout, e.g.
    Colab)."""
    import urllib.request

    try:
        with urllib.request.urlopen(RECORD_URL, timeout=timeout) as answer:
            return json.loads(answer.read().decode("utf-8"))
    except (OSError, ValueError) as err:
        raise RecordError(
            "no full-MNIST results record at "
            + " or ".join(map(str, places))
            + f", and {RECORD_URL} could not be read ({err}); produce one "
            "with: python bench/full_mnist.py --data DIR"
        ) from err
