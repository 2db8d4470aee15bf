"""The stored records as fixed-width text: the full-MNIST record beside article 001's
own table, and the time-to-accuracy record.

The same record always gives the same text (lines of at most :data:`WIDTH`
characters), so nbval can compare a chapter's table exactly.
"""

from __future__ import annotations

import textwrap
from typing import Mapping, Optional, Sequence, Union

from ..core import files
from . import record as record_
from . import time_to_accuracy as tta_

WIDTH = 88  # the book's longest printed line
RUN_TITLES = {
    "article": "article recipe",
    "improved": "improved recipe",
    "small": "small network",
}


def _check_article(article: Optional[Mapping[str, Sequence[float]]]) -> Optional[dict]:
    if article is None:
        return None
    if not isinstance(article, Mapping) or not {"cost", "test_accuracy"} <= set(
        article
    ):
        raise ValueError(
            "article must be a mapping with lists 'cost' and 'test_accuracy' "
            f"(one per epoch), got {article!r}"
        )
    cost, acc = list(article["cost"]), list(article["test_accuracy"])
    if len(cost) != len(acc) or not cost:
        raise ValueError(
            f"article's 'cost' and 'test_accuracy' must be equally long and not "
            f"empty, got {len(cost)} and {len(acc)}"
        )
    return {"cost": cost, "test_accuracy": acc}


def _short_commit(commit: str) -> str:
    """``"0123456789ab"``, plus ``" + local changes"`` when the run said the tree was
    dirty."""
    return commit[:12] + (" + local changes" if "uncommitted" in commit else "")


def _seed_list(seeds: Sequence[str]) -> str:
    return ("seed " if len(seeds) == 1 else "seeds ") + ", ".join(seeds)


def _pair(a: Optional[float], b: Optional[float], digits: int = 3) -> str:
    if a is None:
        return ""
    return f"{a:.3f}  {b:.{digits}f}"


def full_mnist_table(
    record: record_.Record, article: Optional[Mapping[str, Sequence[float]]] = None
) -> str:
    """The record as a fixed-width text table (lines <= 88 characters), beside
    article 001's.

    Args:
        record: from :func:`cnnlib.results.load_record`.
        article: article 001's per-epoch figures,
            ``{"cost": [...], "test_accuracy": [...]}`` (its own run: training cost
            and test accuracy after each epoch); ``None`` leaves its column out.

    Returns:
        The table, then one line per run saying where and how it ran. Per epoch it
        shows each run's training cost and VALIDATION accuracy; the test accuracy
        of the book's runs is scored once, after the last epoch.
    """
    if not isinstance(record, record_.Record):
        raise TypeError(
            "record must be a Record (from cnnlib.results.load_record or "
            f"check_record), got {type(record).__name__}"
        )
    art = _check_article(article)
    runs = record.ordered_runs()
    cols: list[tuple[str, str]] = [("article 001", "cost   test")] if art else []
    cols += [(RUN_TITLES[r.run], "cost   val") for r in runs]
    w, lw = 15, 15  # width of a run's column, of the label column

    def line(label: str, cells: Sequence[str]) -> str:
        return f"{label:<{lw}} | " + " | ".join(f"{c:<{w}}" for c in cells).rstrip()

    first = runs[0]
    lines = [
        f"Full MNIST: {first.n_train:,} training / {first.n_validation:,} "
        f"validation / {first.n_test:,} test digits",
        line("", [t for t, _ in cols]),
        line("", [s for _, s in cols]),
    ]
    n_epochs = max([len(r.history) for r in runs] + ([len(art["cost"])] if art else []))
    for e in range(n_epochs):
        cells = []
        if art:
            cells.append(
                _pair(
                    *(
                        (art["cost"][e], art["test_accuracy"][e])
                        if e < len(art["cost"])
                        else (None, None)
                    )
                )
            )
        for r in runs:
            h = r.history[e] if e < len(r.history) else None
            cells.append(_pair(h.cost, h.val_accuracy, digits=4) if h else "")
        lines.append(line(f"epoch {e + 1}", cells))

    def row(label: str, article_cell: str, fmt) -> str:
        return line(label, ([article_cell] if art else []) + [fmt(r) for r in runs])

    lines.append(
        row(
            "test accuracy",
            f"{art['test_accuracy'][-1]:.3f}" if art else "",
            lambda r: f"{r.test_accuracy:.4f}",
        )
    )
    repeats = record.repeats
    if any(repeats.get(r.run) for r in runs):

        def spread(r) -> str:
            accs = [rep.test_accuracy for rep in repeats.get(r.run, {}).values()]
            if len(accs) < 2:
                return "".join(f"{a:.4f}" for a in accs)
            return f"{min(accs):.4f}..{max(accs):.4f}"

        lines.append(row("other seeds", "", spread))
    lines.append(
        row(
            "digits misread",
            "",
            lambda r: f"{round((1 - r.test_accuracy) * r.n_test):,}",
        )
    )
    lines.append(
        row(
            "seconds (img/s)",
            "",
            lambda r: f"{r.seconds:,.0f} ({r.images_per_second:,.0f})",
        )
    )
    lines.append(
        row(
            "val 0.990 at",
            "",
            lambda r: (
                "never"
                if r.val_epoch_99 is None
                else f"epoch {r.val_epoch_99} ({r.seconds_to_val_99 or 0:,.0f} s)"
            ),
        )
    )
    notes = (
        "cost: training cost of the epoch. val: accuracy on the validation digits, "
        "held out of the training digits. "
        + (
            "test: article 001 scored its test digits after every epoch; the book's "
            "runs score them once, after the last epoch. "
            if art
            else "test: scored once, after the last epoch. "
        )
        + "val 0.990 at: the first epoch whose validation accuracy reached 0.990, "
        "and the training seconds up to its end. img/s: training digits per second "
        "after the first epoch."
        + (
            " other seeds: test accuracy (lowest..highest) of the same run with "
            + _seed_list(sorted({s for v in repeats.values() for s in v}, key=int))
            + " (the one above is seed 0)."
            if any(repeats.values())
            else ""
        )
    )
    lines.extend(textwrap.wrap(notes, WIDTH))
    lines.append("Each run:")
    for r in runs:
        text = (
            f"{RUN_TITLES[r.run]}: {r.arch} net, {r.recipe} recipe, lr {r.lr:g}, "
            f"batch {r.batch_size}, {r.epochs} epochs, seed {r.seed}; {r.data}; "
            f"{r.setup}; CPU {r.cpu}; TensorFlow {r.tensorflow}; "
            f"commit {_short_commit(r.commit)}; command: {r.command}"
        )
        lines.extend(
            textwrap.wrap(
                text,
                WIDTH,
                initial_indent="- ",
                subsequent_indent="  ",
                break_on_hyphens=False,
                break_long_words=True,
            )
        )
    return "\n".join(lines)


def _seconds(s: Optional[float]) -> str:
    return "not reached" if s is None else f"{s:,.1f} s"


def time_to_accuracy_table(
    record: Union[tta_.TimeToAccuracy, files.PathLike, None] = None,
) -> str:
    """The time-to-accuracy record as fixed-width text (lines <= 88 characters).

    Args:
        record: a :class:`~cnnlib.results.TimeToAccuracy`, a path to its JSON, or
            None for the book's ``chapters/results/time_to_accuracy.json``.

    Returns:
        A title line, a line per recipe (precision; median seconds to 99.0% and
        99.5% validation accuracy or "not reached"; test accuracy mean and range
        over the seeds; training images/s; time to 99.0% over the fastest
        recipe's), what the columns mean, and how the runs were made.

    Raises:
        RecordError: the file is missing or malformed (naming the bad field).
    """
    rec = tta_.as_time_to_accuracy(record)
    rows = tta_.time_to_accuracy_rows(rec)
    runs = [run for by_seed in rec.runs.values() for run in by_seed.values()]
    first = runs[0]
    head = (
        f"{'recipe':<8} {'precision':<14}  {'to 99.0%':>11}  {'to 99.5%':>11}  "
        f"{'test mean':>9}  {'test range':>13} {'img/s':>6} {'ratio':>5}"
    )
    lines = [
        f"Time to accuracy on full MNIST: {first.n_train:,} training / "
        f"{first.n_validation:,} validation / {first.n_test:,} test digits",
        head,
    ]
    for r in rows:
        ratio = "-" if r.ratio_to_fastest is None else f"{r.ratio_to_fastest:.2f}"
        span = f"{r.test_accuracy_min:.4f}-{r.test_accuracy_max:.4f}"
        lines.append(
            f"{r.recipe:<8} {r.precision:<14}  {_seconds(r.seconds_to_99_0):>11}  "
            f"{_seconds(r.seconds_to_99_5):>11}  {r.test_accuracy_mean:>9.4f}  "
            f"{span:>13} {r.images_per_second:>6,.0f} {ratio:>5}"
        )
    seeds = sorted({len(by_seed) for by_seed in rec.runs.values()})
    notes = (
        f"Medians over {'/'.join(map(str, seeds))} seeds. to 99.0% / 99.5%: training "
        "seconds (validation included) until the validation accuracy first reached "
        "it; not reached: at least half the seeds never got there. test: accuracy "
        "on the 10,000 test digits, scored once after the last epoch (mean, "
        "lowest-highest)."
        " img/s: training digits per second. ratio: time to 99.0% over the fastest "
        "recipe's."
        + (
            " All runs in one process, taking turns by seed."
            if rec.same_process
            else " Runs from more than one process."
        )
        + (f" Not in this record: {', '.join(rec.missing)}." if rec.missing else "")
    )
    lines.extend(textwrap.wrap(notes, WIDTH))
    lines.append("Each recipe:")
    for r in rows:
        run = rec.runs[r.recipe][min(rec.runs[r.recipe], key=int)]
        lines.extend(
            textwrap.wrap(
                f"{r.recipe}: {run.about}; trained {r.train_seconds:,.1f} s "
                f"(median; {r.train_seconds_min:,.1f}-{r.train_seconds_max:,.1f}); "
                f"reached 99.0% in {r.reached_99_0} seeds, 99.5% in {r.reached_99_5}",
                WIDTH,
                initial_indent="- ",
                subsequent_indent="  ",
                break_on_hyphens=False,
            )
        )
    ran = sorted(
        {
            f"{run.data}; {run.setup.split(', precision')[0]}; CPU {run.cpu}; "
            f"TensorFlow {run.tensorflow}; commit {_short_commit(run.commit)}; "
            f"command: {run.command}"
            for run in runs
        }
    )
    for text in ran:
        lines.extend(
            textwrap.wrap(
                "Ran on " + text,
                WIDTH,
                break_on_hyphens=False,
                break_long_words=True,
            )
        )
    return "\n".join(lines)
