"""Tests of cnnlib.results' time-to-accuracy record: loaded and checked (errors name
the bad field as the JSON spells it), its rows, and its table as exact text."""

from __future__ import annotations

import copy

import pytest

from cnnlib import results
from cnnlib.results import time_to_accuracy as tta_module

from .tta_records import make_tta, write_tta


@pytest.fixture()
def tta() -> dict:
    return make_tta()


def test_table_is_exact_text(tta):
    lines = results.time_to_accuracy_table(results.check_time_to_accuracy(tta))
    lines = lines.splitlines()
    assert lines[:4] == [
        "Time to accuracy on full MNIST: 55,000 training / 5,000 validation / "
        "10,000 test digits",
        "recipe   precision          to 99.0%     to 99.5%  test mean     "
        "test range  img/s ratio",
        "tmf      float32         not reached  not reached     0.9898  "
        "0.9893-0.9903  3,664     -",
        "fast     mixed_bfloat16       20.0 s  not reached     0.9924  "
        "0.9916-0.9932  7,327  1.00",
    ]
    text = " ".join(" ".join(lines).split())
    assert "Medians over 2 seeds." in text
    assert "Not in this record: keras_io, tmf_bf16, article, improved." in text
    assert (
        "- fast: about fast; trained 20.0 s (median; 20.0-20.0); reached 99.0% in "
        "2 of 2 seeds, 99.5% in 0 of 2" in text
    )
    assert sum(line.startswith("Ran on ") for line in lines) == 1
    assert "commit 0123456789ab;" in text
    assert max(len(line) for line in lines) <= results.WIDTH


def test_table_from_a_path_is_the_table_of_the_record(tmp_path, tta):
    path = write_tta(tmp_path, tta)
    expected = results.time_to_accuracy_table(results.check_time_to_accuracy(tta))
    assert results.time_to_accuracy_table(path) == expected
    assert results.time_to_accuracy_table(str(path)) == expected


def test_rows_follow_the_bench_order_with_none_for_not_reached(tta):
    rows = results.time_to_accuracy_rows(results.check_time_to_accuracy(tta))
    assert [r.recipe for r in rows] == ["tmf", "fast"]  # summary holds fast first
    tmf, fast = rows
    assert (tmf.precision, fast.precision) == ("float32", "mixed_bfloat16")
    assert tmf.seconds_to_99_0 is None and tmf.ratio_to_fastest is None
    assert (fast.seconds_to_99_0, fast.ratio_to_fastest, fast.seeds) == (20.0, 1.0, 2)
    assert (fast.test_accuracy_min, fast.test_accuracy_max) == (0.9916, 0.9932)
    assert (tmf.train_seconds, fast.train_seconds) == (10.0, 20.0)


def test_train_seconds_are_the_median_and_range_over_the_seeds(tta):
    runs = tta["runs"]["tmf"]
    runs["2"] = {**copy.deepcopy(runs["1"]), "seed": 2}
    for seed, secs in zip("012", (30.0, 10.0, 12.0)):
        runs[seed]["history"][0]["seconds"] = secs
    tta["summary"]["tmf"]["seeds"] = [0, 1, 2]
    (tmf,) = [
        r
        for r in results.time_to_accuracy_rows(results.check_time_to_accuracy(tta))
        if r.recipe == "tmf"
    ]
    assert (tmf.train_seconds, tmf.train_seconds_min, tmf.train_seconds_max) == (
        12.0,
        10.0,
        30.0,
    )


def test_runs_from_several_processes_are_said_so(tta):
    tta["same_process"] = False
    text = results.time_to_accuracy_table(results.check_time_to_accuracy(tta))
    assert "Runs from more than one process." in " ".join(text.split())


@pytest.mark.parametrize(
    "spoil, match",
    [
        (
            lambda d: d["summary"]["fast"].update({"median_seconds_to_val_99.0": "x"}),
            r"summary\['fast'\]\.median_seconds_to_val_99\.0 must be a finite "
            r"number, got 'x'",
        ),
        (
            lambda d: d["summary"]["tmf"].pop("test_accuracy_mean"),
            r"summary\['tmf'\] lacks 'test_accuracy_mean'",
        ),
        (
            lambda d: d["runs"]["tmf"]["1"].update({"seconds_to_val_99.5": [1]}),
            r"runs\['tmf'\]\['1'\]\.seconds_to_val_99\.5 must be a finite number",
        ),
        (
            lambda d: d["runs"]["fast"]["0"].update({"colour": "red"}),
            r"runs\['fast'\]\['0'\] has unknown entries \['colour'\]",
        ),
        (
            lambda d: d.update(same_process="yes"),
            r"same_process must be true or false, got 'yes'",
        ),
        (
            lambda d: d["runs"]["fast"]["0"].update(setup="one device"),
            r"setup must say 'precision <name>', got 'one device'",
        ),
        (
            lambda d: d["runs"]["fast"]["0"].update(recipe="fastest"),
            r"recipe must be one of .* got 'fastest'",
        ),
        (
            lambda d: d["summary"]["fast"].update(seeds=[0, 1, 2]),
            r"summary\['fast'\]\.seeds must be the seeds of its runs, \[0, 1\], "
            r"got \[0, 1, 2\]",
        ),
        (
            lambda d: d["summary"].pop("tmf"),
            r'"summary" must cover the recipes of "runs"',
        ),
        (
            lambda d: d["summary"]["tmf"].update(test_accuracy_min=0.999),
            r"test_accuracy_min <= test_accuracy_mean <= test_accuracy_max",
        ),
    ],
)
def test_a_malformed_record_names_the_bad_field(tmp_path, tta, spoil, match):
    spoil(tta)
    path = write_tta(tmp_path, tta)
    with pytest.raises(results.RecordError, match=match) as info:
        results.time_to_accuracy_table(path)
    assert str(path) in str(info.value)


def test_a_missing_or_unreadable_file_is_a_record_error(tmp_path):
    with pytest.raises(results.RecordError, match=r"no time-to-accuracy record at"):
        results.load_time_to_accuracy(tmp_path / "none.json")
    with pytest.raises(results.RecordError, match=r"not a readable JSON record"):
        results.load_time_to_accuracy(write_tta(tmp_path, "{1"))


def test_default_location_then_the_chapters_folder_then_the_url(
    tmp_path, monkeypatch, tta
):
    monkeypatch.setattr(
        tta_module, "default_time_to_accuracy_path", lambda: tmp_path / "a" / "r.json"
    )
    monkeypatch.setattr(tta_module, "TTA_URL", (tmp_path / "gone.json").as_uri())
    monkeypatch.chdir(tmp_path)
    with pytest.raises(results.RecordError) as info:
        results.time_to_accuracy_table()
    message = str(info.value)
    assert str(tmp_path / "a" / "r.json") in message and "gone.json" in message
    assert "bench/time_to_accuracy.py" in message
    url = write_tta(tmp_path, tta).as_uri()
    monkeypatch.setattr(tta_module, "TTA_URL", url)
    assert [r.recipe for r in results.time_to_accuracy_rows()] == ["tmf", "fast"]
    (tmp_path / "results").mkdir()
    tta["summary"]["tmf"]["images_per_second"] = 1.0
    write_tta(tmp_path / "results", tta)  # a chapter runs in chapters/
    assert results.time_to_accuracy_rows()[0].images_per_second == 1.0


def test_the_books_record_is_well_formed():
    rows = results.time_to_accuracy_rows(results.default_time_to_accuracy_path())
    assert rows and {r.recipe for r in rows} <= set(results.TTA_RECIPES)
    ratios = [r.ratio_to_fastest for r in rows if r.ratio_to_fastest is not None]
    assert not ratios or min(ratios) == 1.0
