"""Stored results of long runs, shown in the book without re-training.

``bench/full_mnist.py`` trains the book's recipes on full MNIST (hours of CPU
time on a laptop) and writes what happened to a JSON record,
``chapters/results/full_mnist.json``. A chapter shows that record with::

    from cnnlib import results
    record = results.load_record()
    print(results.full_mnist_table(record, article=ARTICLE))

:func:`load_record` checks the record's structure and refuses a missing or
malformed file with a :class:`RecordError` naming the file and the bad entry;
:func:`full_mnist_table` renders it as fixed-width text (the same record
always gives the same text, so nbval can compare it exactly).
"""
from __future__ import annotations

import json
import math
import os
import textwrap
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence, Union

PathLike = Union[str, os.PathLike]

#: Where the record lives in the book, relative to the repository root.
RECORD_RELPATH = Path("chapters") / "results" / "full_mnist.json"
#: The runs of ``bench/full_mnist.py``, in the order the table shows them.
RUN_ORDER = ("article", "improved", "small")
#: The same record in the book's repository, for a chapter run outside a checkout
#: (Colab installs cnnlib from git, without the chapters).
RECORD_URL = ("https://raw.githubusercontent.com/cnn-tf-book/cnns-in-tensorflow/main/"
              + RECORD_RELPATH.as_posix())
RUN_TITLES = {"article": "article recipe", "improved": "improved recipe",
              "small": "small network"}

_RUN_KEYS: dict[str, type | tuple] = {
    "run": str, "arch": str, "recipe": str, "epochs": int, "batch_size": int,
    "lr": (int, float), "seed": int, "data": str, "n_train": int, "n_validation": int,
    "n_test": int, "history": list, "test_accuracy": (int, float), "seconds": (int, float),
    "images_per_second": (int, float), "setup": str, "cpu": str, "tensorflow": str,
    "commit": str, "command": str,
}
_EPOCH_KEYS = ("epoch", "cost", "val_cost", "val_accuracy", "seconds")
WIDTH = 88  # the book's longest printed line


class RecordError(ValueError):
    """A results record is missing or malformed; the message names the file and entry."""


def default_record_path() -> Path:
    """The record beside this package in a source checkout (``<repo>/chapters/results/``)."""
    return Path(__file__).resolve().parent.parent / RECORD_RELPATH


def _candidates(path: Optional[PathLike]) -> list[Path]:
    if path is not None:
        return [Path(path)]
    cwd = Path.cwd()
    out = [default_record_path(), cwd / "results" / RECORD_RELPATH.name, cwd / RECORD_RELPATH]
    return list(dict.fromkeys(out))  # keep order, drop duplicates


def _is_number(value: Any, types) -> bool:
    return isinstance(value, types) and not isinstance(value, bool)


def check_record(doc: Any, where: str = "the record") -> dict:
    """Return ``doc`` if it is a well-formed full-MNIST record, else raise :class:`RecordError`.

    A record is ``{"runs": {name: run, ...}, ...}``; each run holds the keys of
    ``bench/full_mnist.py`` (settings, data sizes, ``history``: one entry per
    epoch with ``epoch, cost, val_cost, val_accuracy, seconds``, the final
    ``test_accuracy``, timings and where it ran), accuracies in 0..1.
    """
    if not isinstance(doc, dict) or not isinstance(doc.get("runs"), dict) or not doc["runs"]:
        raise RecordError(f"{where}: expected an object with a non-empty \"runs\" object, "
                          f"got {type(doc).__name__}"
                          + (f" with keys {sorted(doc)}" if isinstance(doc, dict) else ""))
    for name, run in doc["runs"].items():
        label = f"{where}: run {name!r}"
        if name not in RUN_ORDER:
            raise RecordError(f"{label}: unknown run, expected one of {RUN_ORDER}")
        if not isinstance(run, dict):
            raise RecordError(f"{label} must be an object, got {type(run).__name__}")
        for key, types in _RUN_KEYS.items():
            if key not in run:
                raise RecordError(f"{label} lacks {key!r}")
            value = run[key]
            ok = isinstance(value, types) if types in (str, list) else _is_number(value, types)
            if not ok:
                want = types.__name__ if isinstance(types, type) else "a number"
                raise RecordError(f"{label}: {key!r} must be {want}, got {value!r}")
        if run["run"] != name:
            raise RecordError(f"{label}: its \"run\" field says {run['run']!r}")
        if not run["history"]:
            raise RecordError(f"{label}: \"history\" is empty")
        for i, h in enumerate(run["history"]):
            if not isinstance(h, dict) or any(k not in h for k in _EPOCH_KEYS):
                raise RecordError(f"{label}: history[{i}] must hold {_EPOCH_KEYS}, got {h!r}")
            for k in _EPOCH_KEYS:
                if not _is_number(h[k], (int, float)) or not math.isfinite(h[k]):
                    raise RecordError(f"{label}: history[{i}][{k!r}] must be a finite "
                                      f"number, got {h[k]!r}")
            if h["epoch"] != i + 1:
                raise RecordError(f"{label}: history[{i}] is epoch {h['epoch']}, expected {i + 1}")
            if not 0 <= h["val_accuracy"] <= 1:
                raise RecordError(f"{label}: history[{i}]['val_accuracy'] must be in 0..1, "
                                  f"got {h['val_accuracy']!r}")
        if not 0 <= run["test_accuracy"] <= 1:
            raise RecordError(f"{label}: 'test_accuracy' must be in 0..1, "
                              f"got {run['test_accuracy']!r}")
    repeats = doc.get("repeats", {})
    if not isinstance(repeats, dict):
        raise RecordError(f"{where}: \"repeats\" must be an object, got {type(repeats).__name__}")
    for name, by_seed in repeats.items():
        if name not in doc["runs"] or not isinstance(by_seed, dict):
            raise RecordError(f"{where}: repeats of {name!r} need an object of seeds and a run "
                              f"{name!r} in \"runs\"")
        for seed, rep in by_seed.items():
            acc = rep.get("test_accuracy") if isinstance(rep, dict) else None
            if (not isinstance(rep, dict) or rep.get("seed") != int(seed)
                    or not _is_number(acc, (int, float)) or not 0 <= acc <= 1):
                raise RecordError(f"{where}: repeats[{name!r}][{seed!r}] must hold its seed and "
                                  f"a test_accuracy in 0..1, got {rep!r}")
    return doc


def load_record(path: Optional[PathLike] = None) -> dict:
    """Load and check the full-MNIST results record.

    Args:
        path: the JSON file. Default: ``chapters/results/full_mnist.json`` of
            the source checkout this package lives in, else ``results/`` or
            ``chapters/results/`` under the current folder (a chapter runs in
            ``chapters/``).

    Returns:
        The record (see :func:`check_record`).

    Raises:
        RecordError: no such file (naming every place looked), not JSON, or
            not a well-formed record (naming the bad entry).
    """
    places = _candidates(path)
    found = next((p for p in places if p.is_file()), None)
    if found is None and path is None:
        return check_record(_fetch_record(places), RECORD_URL)
    if found is None:
        raise RecordError(f"no full-MNIST results record at {places[0]}; produce one "
                          "with: python bench/full_mnist.py --data DIR")
    try:
        doc = json.loads(found.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise RecordError(f"{found} is not a readable JSON record: {err}") from err
    return check_record(doc, str(found))


def _fetch_record(places: Sequence[Path], timeout: float = 10.0) -> Any:
    """The record from :data:`RECORD_URL` (a chapter run outside a checkout, e.g. Colab)."""
    import urllib.request

    try:
        with urllib.request.urlopen(RECORD_URL, timeout=timeout) as answer:
            return json.loads(answer.read().decode("utf-8"))
    except (OSError, ValueError) as err:
        raise RecordError("no full-MNIST results record at " + " or ".join(map(str, places))
                          + f", and {RECORD_URL} could not be read ({err}); produce one "
                          "with: python bench/full_mnist.py --data DIR") from err


def _check_article(article: Optional[Mapping[str, Sequence[float]]]) -> Optional[dict]:
    if article is None:
        return None
    if not isinstance(article, Mapping) or not {"cost", "test_accuracy"} <= set(article):
        raise ValueError("article must be a mapping with lists 'cost' and 'test_accuracy' "
                         f"(one per epoch), got {article!r}")
    cost, acc = list(article["cost"]), list(article["test_accuracy"])
    if len(cost) != len(acc) or not cost:
        raise ValueError(f"article's 'cost' and 'test_accuracy' must be equally long and not "
                         f"empty, got {len(cost)} and {len(acc)}")
    return {"cost": cost, "test_accuracy": acc}


def _short_commit(commit: str) -> str:
    """``"0123456789ab"``, plus ``" + local changes"`` when the run said the tree was dirty."""
    return commit[:12] + (" + local changes" if "uncommitted" in commit else "")


def _seed_list(seeds: Sequence[str]) -> str:
    return ("seed " if len(seeds) == 1 else "seeds ") + ", ".join(seeds)


def _pair(a: Optional[float], b: Optional[float], digits: int = 3) -> str:
    if a is None:
        return ""
    return f"{a:.3f}  {b:.{digits}f}"


def full_mnist_table(record: Mapping, article: Optional[Mapping[str, Sequence[float]]] = None
                     ) -> str:
    """The record as a fixed-width text table (lines <= 88 characters), beside article 001's.

    Args:
        record: from :func:`load_record`.
        article: article 001's per-epoch figures, ``{"cost": [...], "test_accuracy": [...]}``
            (its own run: training cost and test accuracy after each epoch); ``None``
            leaves its column out.

    Returns:
        The table, then one line per run saying where and how it ran. Per epoch it
        shows each run's training cost and VALIDATION accuracy; the test accuracy
        of the book's runs is scored once, after the last epoch.
    """
    check_record(record)
    art = _check_article(article)
    runs = [(name, record["runs"][name]) for name in RUN_ORDER if name in record["runs"]]
    cols: list[tuple[str, str]] = ([("article 001", "cost   test")] if art else [])
    cols += [(RUN_TITLES[name], "cost   val") for name, _ in runs]
    w, lw = 15, 15  # width of a run's column, of the label column

    def line(label: str, cells: Sequence[str]) -> str:
        return f"{label:<{lw}} | " + " | ".join(f"{c:<{w}}" for c in cells).rstrip()

    first = runs[0][1]
    lines = [f"Full MNIST: {first['n_train']:,} training / {first['n_validation']:,} "
             f"validation / {first['n_test']:,} test digits",
             line("", [t for t, _ in cols]), line("", [s for _, s in cols])]
    n_epochs = max([len(r["history"]) for _, r in runs] + ([len(art["cost"])] if art else []))
    for e in range(n_epochs):
        cells = []
        if art:
            cells.append(_pair(*((art["cost"][e], art["test_accuracy"][e])
                                 if e < len(art["cost"]) else (None, None))))
        for _, r in runs:
            h = r["history"][e] if e < len(r["history"]) else None
            cells.append(_pair(h["cost"], h["val_accuracy"], digits=4) if h else "")
        lines.append(line(f"epoch {e + 1}", cells))

    def row(label: str, article_cell: str, fmt) -> str:
        return line(label, ([article_cell] if art else []) + [fmt(r) for _, r in runs])

    lines.append(row("test accuracy", f"{art['test_accuracy'][-1]:.3f}" if art else "",
                     lambda r: f"{r['test_accuracy']:.4f}"))
    repeats = record.get("repeats", {})
    if any(repeats.get(name) for name, _ in runs):
        def spread(r) -> str:
            accs = [rep["test_accuracy"] for rep in repeats.get(r["run"], {}).values()]
            if len(accs) < 2:
                return "".join(f"{a:.4f}" for a in accs)
            return f"{min(accs):.4f}..{max(accs):.4f}"

        lines.append(row("other seeds", "", spread))
    lines.append(row("digits misread", "",
                     lambda r: f"{round((1 - r['test_accuracy']) * r['n_test']):,}"))
    lines.append(row("seconds (img/s)", "",
                     lambda r: f"{r['seconds']:,.0f} ({r['images_per_second']:,.0f})"))
    lines.append(row("val 0.990 at", "",
                     lambda r: ("never" if r.get("val_epoch_99") is None else
                                f"epoch {r['val_epoch_99']} "
                                f"({r.get('seconds_to_val_99') or 0:,.0f} s)")))
    notes = ("cost: training cost of the epoch. val: accuracy on the validation digits, held "
             "out of the training digits. "
             + ("test: article 001 scored its test digits after every epoch; the book's runs "
                "score them once, after the last epoch. " if art else
                "test: scored once, after the last epoch. ")
             + "val 0.990 at: the first epoch whose validation accuracy reached 0.990, and the "
             "training seconds up to its end. img/s: training digits per second after the "
             "first epoch."
             + (" other seeds: test accuracy (lowest..highest) of the same run with "
                + _seed_list(sorted({s for v in repeats.values() for s in v}, key=int))
                + " (the one above is seed 0)." if any(repeats.values()) else ""))
    lines.extend(textwrap.wrap(notes, WIDTH))
    lines.append("Each run:")
    for name, r in runs:
        text = (f"{RUN_TITLES[name]}: {r['arch']} net, {r['recipe']} recipe, lr {r['lr']:g}, "
                f"batch {r['batch_size']}, {r['epochs']} epochs, seed {r['seed']}; {r['data']}; "
                f"{r['setup']}; CPU {r['cpu']}; TensorFlow {r['tensorflow']}; "
                f"commit {_short_commit(r['commit'])}; command: {r['command']}")
        lines.extend(textwrap.wrap(text, WIDTH, initial_indent="- ", subsequent_indent="  ",
                                   break_on_hyphens=False, break_long_words=True))
    return "\n".join(lines)
