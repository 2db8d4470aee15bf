"""Tests of cnnlib.results.table: the full-MNIST record as exact, deterministic text
(nbval compares a chapter's table character by character)."""

from __future__ import annotations

import pytest

from cnnlib import results

from .records import ARTICLE, make_run, write


def table(doc, **kw) -> str:
    return results.full_mnist_table(results.check_record(doc), **kw)


def test_table_is_exact_text(record):
    text = table(record, article=ARTICLE)
    lines = text.splitlines()
    assert lines[:9] == [
        "Full MNIST: 55,000 training / 5,000 validation / 10,000 test digits",
        "                | article 001     | article recipe  | small network",
        "                | cost   test     | cost   val      | cost   val",
        "epoch 1         | 0.739  0.911    | 0.500  0.9700   | 0.500  0.9700",
        "epoch 2         | 0.169  0.960    | 0.250  0.9800   | 0.250  0.9800",
        "epoch 3         | 0.100  0.978    | 0.167  0.9900   | 0.167  0.9900",
        "test accuracy   | 0.978           | 0.9912          | 0.9901",
        "digits misread  |                 | 88              | 99",
        "seconds (img/s) |                 | 312 (1,234)     | 312 (1,234)",
    ]
    assert (
        lines[9]
        == "val 0.990 at    |                 | epoch 3 (300 s) | epoch 3 (300 s)"
    )
    assert "commit 0123456789ab;" in text and "--runs small" in text
    assert "test: article 001 scored its test digits after every epoch" in " ".join(
        lines
    )
    each = lines.index("Each run:")
    assert lines[each + 1] == (
        "- article recipe: large net, article recipe, lr 0.0001, batch 50, "
        "3 epochs, seed 0;"
    )
    assert sum(line.startswith("- ") for line in lines[each:]) == 2
    assert max(len(line) for line in lines) <= results.WIDTH == 88


def test_table_is_deterministic(tmp_path, record):
    first = table(record, article=ARTICLE)
    assert table(record, article=ARTICLE) == first
    assert (
        results.full_mnist_table(
            results.load_record(write(tmp_path, record)), article=ARTICLE
        )
        == first
    )  # through the file too


def test_table_without_the_article_and_with_a_short_run(record):
    record["runs"]["improved"] = make_run("improved", accs=(0.95,), test=0.96)
    text = table(record)
    assert "article 001" not in text
    header = text.splitlines()[1]
    assert (
        header.index("article recipe")
        < header.index("improved recipe")
        < header.index("small")
    )
    assert "epoch 3         | 0.167  0.9900   |                 | 0.167  0.9900" in text
    assert "never" in text
    assert "test: scored once, after the last epoch." in " ".join(text.split())


def test_an_article_longer_than_the_runs_adds_rows(record):
    article = {
        "cost": ARTICLE["cost"] + [0.08],
        "test_accuracy": ARTICLE["test_accuracy"] + [0.98],
    }
    lines = table(record, article=article).splitlines()
    assert lines[6] == "epoch 4         | 0.080  0.980    |                 |"
    assert lines[7].startswith("test accuracy   | 0.980 ")


def test_dirty_commit_is_said(record):
    record["runs"]["small"]["commit"] = (
        "abcdef0123456789 (with uncommitted changes to cnnlib/)"
    )
    assert "commit abcdef012345 + local changes" in table(record)


def test_long_commands_wrap_within_the_width(record):
    record["runs"]["small"]["command"] = (
        "python bench/full_mnist.py " + "--flag value " * 20
    )
    lines = table(record).splitlines()
    assert max(len(line) for line in lines) <= 88
    assert lines[-1].startswith("  ")  # continued lines are indented


@pytest.mark.parametrize(
    "bad",
    [
        {"cost": [0.1]},
        {"cost": [0.1, 0.2], "test_accuracy": [0.9]},
        {"cost": [], "test_accuracy": []},
        [0.9, 0.95],
    ],
    ids=["no-accuracy", "unequal", "empty", "list"],
)
def test_bad_article_figures_are_refused(record, bad):
    with pytest.raises(ValueError, match="article"):
        table(record, article=bad)


def test_repeats_with_other_seeds_show_their_spread(tmp_path, record):
    record["repeats"] = {
        "article": {
            "1": {
                "seed": 1,
                "test_accuracy": 0.9887,
                "val_accuracy": 0.99,
                "seconds": 400.0,
            },
            "2": {
                "seed": 2,
                "test_accuracy": 0.9903,
                "val_accuracy": 0.99,
                "seconds": 400.0,
            },
        }
    }
    text = results.full_mnist_table(results.load_record(write(tmp_path, record)))
    assert "other seeds     | 0.9887..0.9903" in text
    assert "with seeds 1, 2 (the one above is seed 0)" in " ".join(text.split())
    assert max(len(line) for line in text.splitlines()) <= 88


def test_no_repeats_no_other_seeds_row(record):
    text = table(record)
    assert "other seeds" not in text


def test_run_titles_cover_every_run():
    assert set(results.RUN_TITLES) == set(results.RUN_ORDER)
