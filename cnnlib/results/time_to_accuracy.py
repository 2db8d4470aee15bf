"""The time-to-accuracy record: ``bench/time_to_accuracy.py``'s runs and summary.

``bench/time_to_accuracy.py`` trains the book's recipes and two published peers
on full MNIST in one process, taking turns, and writes
``chapters/results/time_to_accuracy.json``. :func:`load_time_to_accuracy` reads
it into a :class:`TimeToAccuracy` (frozen dataclasses checked by
:mod:`.schema`; a missing or malformed file is a
:class:`~cnnlib.results.RecordError` naming the file and the bad field, as the
JSON spells it) and :func:`time_to_accuracy_rows` gives one
:class:`TimeToAccuracyRow` per recipe: what the chapter's table prints.
"""

from __future__ import annotations

import json
import re
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional, Union

from ..core import files
from . import record as record_
from . import schema

#: Where the record lives in the book, relative to the repository root.
TTA_RELPATH = Path("chapters") / "results" / "time_to_accuracy.json"
#: The same record in the book's repository (a chapter run outside a checkout).
TTA_URL = record_.RECORD_URL.replace(
    record_.RECORD_RELPATH.as_posix(), TTA_RELPATH.as_posix()
)
#: The recipes the bench knows, in the order the table shows them.
TTA_RECIPES = ("keras_io", "tmf", "tmf_bf16", "fast", "article", "improved")
#: The validation accuracies whose times the record holds (as its keys spell them).
TARGETS = ("99.0", "99.5")
_PRODUCE = "produce one with: python bench/time_to_accuracy.py --data DIR"

# JSON keys with a dot (``median_seconds_to_val_99.0``) are dataclass fields with
# an underscore (``median_seconds_to_val_99_0``); errors name the JSON's spelling.
_TO_FIELD = re.compile(r"(_99)\.([05])$")
_TO_JSON = re.compile(r"(_99)_([05])\b")


@dataclass(frozen=True)
class TtaEpoch:
    """One epoch of a run: training cost, validation accuracy, seconds."""

    epoch: int
    cost: float
    val_accuracy: float
    seconds: float

    def __post_init__(self):
        if not 0 <= self.val_accuracy <= 1:
            raise ValueError(
                f"val_accuracy of epoch {self.epoch} must be in 0..1, "
                f"got {self.val_accuracy!r}"
            )


@dataclass(frozen=True)
class TtaRun:
    """One run (recipe, seed) of ``bench/time_to_accuracy.py``."""

    recipe: str
    about: str
    seed: int
    epochs: int
    max_epochs: Optional[int]
    batch_size: int
    setup: str
    n_train: int
    n_validation: int
    n_test: int
    history: tuple[TtaEpoch, ...]
    seconds_to_val_99_0: Optional[float]
    seconds_to_val_99_5: Optional[float]
    test_accuracy: float
    images_per_second: float
    seconds: float
    invocation: str
    command: str
    data: str
    validation_split: float
    cpu: str
    cpu_cores: int
    tensorflow: str
    python: str
    commit: str
    finished: str

    def __post_init__(self):
        where = f"run {self.recipe!r} seed {self.seed}"
        if self.recipe not in TTA_RECIPES:
            raise ValueError(
                f"recipe must be one of {TTA_RECIPES}, got {self.recipe!r}"
            )
        if not self.history:
            raise ValueError(f'{where}: "history" is empty')
        for i, h in enumerate(self.history):
            if h.epoch != i + 1:
                raise ValueError(
                    f"{where}: history[{i}] is epoch {h.epoch}, expected {i + 1}"
                )
        if not 0 <= self.test_accuracy <= 1:
            raise ValueError(
                f"{where}: test_accuracy must be in 0..1, got {self.test_accuracy!r}"
            )
        if precision_of(self.setup) is None:
            raise ValueError(
                f"{where}: setup must say 'precision <name>', got {self.setup!r}"
            )


@dataclass(frozen=True)
class TtaSummary:
    """One recipe over its seeds, as the bench summarised it."""

    seeds: tuple[int, ...]
    epochs: int
    max_epochs: Optional[int]
    median_seconds_to_val_99_0: Optional[float]
    reached_val_99_0: str
    median_seconds_to_val_99_5: Optional[float]
    reached_val_99_5: str
    test_accuracy_mean: float
    test_accuracy_min: float
    test_accuracy_max: float
    images_per_second: float
    ratio_to_fastest_99_0: Optional[float]

    def __post_init__(self):
        lo, mean, hi = (
            self.test_accuracy_min,
            self.test_accuracy_mean,
            self.test_accuracy_max,
        )
        if not 0 <= lo <= mean <= hi <= 1:
            raise ValueError(
                "test_accuracy_min <= test_accuracy_mean <= test_accuracy_max must "
                f"lie in 0..1, got {lo!r}, {mean!r}, {hi!r}"
            )


@dataclass(frozen=True)
class TimeToAccuracy:
    """The record: ``runs[recipe][seed]`` and ``summary[recipe]``."""

    runs: dict[str, dict[str, TtaRun]]
    summary: dict[str, TtaSummary]
    covers: tuple[str, ...]
    missing: tuple[str, ...]
    same_process: bool
    title: str = ""
    note: str = ""

    def __post_init__(self):
        if not self.runs:
            raise ValueError('"runs" is empty')
        if sorted(self.summary) != sorted(self.runs):
            raise ValueError(
                f'"summary" must cover the recipes of "runs", {sorted(self.runs)}, '
                f"got {sorted(self.summary)}"
            )
        for name, by_seed in self.runs.items():
            for seed, run in by_seed.items():
                if run.recipe != name or str(run.seed) != seed:
                    raise ValueError(
                        f"runs[{name!r}][{seed!r}] holds recipe {run.recipe!r} "
                        f"seed {run.seed}"
                    )
            seeds = sorted(run.seed for run in by_seed.values())
            if list(self.summary[name].seeds) != seeds:
                raise ValueError(
                    f"summary[{name!r}].seeds must be the seeds of its runs, "
                    f"{seeds}, got {list(self.summary[name].seeds)}"
                )


@dataclass(frozen=True)
class TimeToAccuracyRow:
    """One line of the chapter's table: a recipe over its seeds (``None``: not
    reached). ``train_seconds``: the median (min, max) over the seeds of all its
    epochs' training seconds, validation included."""

    recipe: str
    precision: str
    seeds: int
    seconds_to_99_0: Optional[float]
    seconds_to_99_5: Optional[float]
    test_accuracy_mean: float
    test_accuracy_min: float
    test_accuracy_max: float
    images_per_second: float
    ratio_to_fastest: Optional[float]
    reached_99_0: str
    reached_99_5: str
    train_seconds: float
    train_seconds_min: float
    train_seconds_max: float


def precision_of(setup: str) -> Optional[str]:
    """The precision a run's ``setup`` names (``"... precision float32"``), or
    None."""
    found = re.search(r"\bprecision (\w+)", setup)
    return found.group(1) if found else None


def _fields(doc: Any) -> Any:
    if isinstance(doc, dict):
        return {_TO_FIELD.sub(r"\1_\2", k): _fields(v) for k, v in doc.items()}
    if isinstance(doc, list):
        return [_fields(v) for v in doc]
    return doc


def check_time_to_accuracy(doc: Any, where: str = "the record") -> TimeToAccuracy:
    """``doc`` (parsed JSON) as a :class:`TimeToAccuracy`, or a
    :class:`~cnnlib.results.RecordError` naming the bad field."""
    try:
        return schema.from_json(TimeToAccuracy, _fields(doc), where)
    except schema.SchemaError as err:
        raise record_.RecordError(_TO_JSON.sub(r"\1.\2", str(err))) from None


def default_time_to_accuracy_path() -> Path:
    """The record beside this package in a source checkout."""
    return Path(__file__).resolve().parent.parent.parent / TTA_RELPATH


def load_time_to_accuracy(path: Optional[files.PathLike] = None) -> TimeToAccuracy:
    """Load and check the time-to-accuracy record.

    Args:
        path: the JSON file. Default: ``chapters/results/time_to_accuracy.json``
            of the source checkout this package lives in, else ``results/`` or
            ``chapters/results/`` under the current folder, else :data:`TTA_URL`.

    Raises:
        RecordError: no such file (naming every place looked), not JSON, or not a
            well-formed record (naming the bad field).
    """
    if path is not None and not isinstance(path, (str, Path)):
        raise TypeError(
            f"path must be a str or Path to the JSON record, got {type(path).__name__}"
        )
    if path is not None:
        places = [Path(path)]
    else:
        cwd = Path.cwd()
        places = list(
            dict.fromkeys(
                [
                    default_time_to_accuracy_path(),
                    cwd / "results" / TTA_RELPATH.name,
                    cwd / TTA_RELPATH,
                ]
            )
        )
    found = next((p for p in places if p.is_file()), None)
    if found is None and path is None:
        return check_time_to_accuracy(_fetch(places), TTA_URL)
    if found is None:
        raise record_.RecordError(
            f"no time-to-accuracy record at {places[0]}; {_PRODUCE}"
        )
    try:
        doc = json.loads(found.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise record_.RecordError(
            f"{found} is not a readable JSON record: {err}"
        ) from err
    return check_time_to_accuracy(doc, str(found))


def _fetch(places: list[Path], timeout: float = 10.0) -> Any:
    import urllib.request

    try:
        with urllib.request.urlopen(TTA_URL, timeout=timeout) as answer:
            return json.loads(answer.read().decode("utf-8"))
    except (OSError, ValueError) as err:
        raise record_.RecordError(
            "no time-to-accuracy record at "
            + " or ".join(map(str, places))
            + f", and {TTA_URL} could not be read ({err}); {_PRODUCE}"
        ) from err


def as_time_to_accuracy(
    record: Union[TimeToAccuracy, files.PathLike, None],
) -> TimeToAccuracy:
    """``record`` itself, or the record loaded from the path (None: the default)."""
    if isinstance(record, TimeToAccuracy):
        return record
    if record is None or isinstance(record, (str, Path)):
        return load_time_to_accuracy(record)
    raise TypeError(
        "record must be a TimeToAccuracy, a path to its JSON or None, "
        f"got {type(record).__name__}"
    )


def time_to_accuracy_rows(
    record: Union[TimeToAccuracy, files.PathLike, None] = None,
) -> list[TimeToAccuracyRow]:
    """One :class:`TimeToAccuracyRow` per recipe of the record, in
    :data:`TTA_RECIPES` order.

    Args:
        record: a :class:`TimeToAccuracy`, a path to the JSON, or None for the
            book's record (see :func:`load_time_to_accuracy`).
    """
    rec = as_time_to_accuracy(record)
    rows = []
    for name in TTA_RECIPES:
        if name not in rec.summary:
            continue
        s = rec.summary[name]
        first = rec.runs[name][min(rec.runs[name], key=int)]
        trained = [
            round(sum(h.seconds for h in run.history), 1)
            for run in rec.runs[name].values()
        ]
        rows.append(
            TimeToAccuracyRow(
                recipe=name,
                precision=precision_of(first.setup) or "",
                seeds=len(s.seeds),
                seconds_to_99_0=s.median_seconds_to_val_99_0,
                seconds_to_99_5=s.median_seconds_to_val_99_5,
                test_accuracy_mean=s.test_accuracy_mean,
                test_accuracy_min=s.test_accuracy_min,
                test_accuracy_max=s.test_accuracy_max,
                images_per_second=s.images_per_second,
                ratio_to_fastest=s.ratio_to_fastest_99_0,
                reached_99_0=s.reached_val_99_0,
                reached_99_5=s.reached_val_99_5,
                train_seconds=round(statistics.median(trained), 1),
                train_seconds_min=min(trained),
                train_seconds_max=max(trained),
            )
        )
    return rows
