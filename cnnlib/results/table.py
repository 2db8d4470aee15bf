"""The full-MNIST record as fixed-width text, beside article 001's own table.

The same record always gives the same text (lines of at most :data:`WIDTH`
characters), so nbval can compare a chapter's table exactly.
"""

from __future__ import annotations

import textwrap
from typing import Mapping, Optional, Sequence

from . import record as record_

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
