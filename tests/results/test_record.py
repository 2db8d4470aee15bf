"""Tests of cnnlib.results.record: loading the full-MNIST record bench/full_mnist.py
writes into a Record, finding it, and refusing missing or malformed records by name.
(The JSON-to-dataclass rules: test_schema.py; the text table: test_table.py.)"""

from __future__ import annotations

import copy
import dataclasses
import importlib.util
import json
from pathlib import Path

import pytest

from cnnlib import results
from cnnlib.results import record as record_module

from .records import holds, make_run, without_none, write

ROOT = Path(__file__).resolve().parents[2]


def test_load_record_gives_a_record_of_runs_and_epochs(tmp_path, record):
    rec = results.load_record(write(tmp_path, record))
    assert isinstance(rec, results.Record)
    art = rec.runs["article"]
    assert (
        isinstance(art, results.Run)
        and art.test_accuracy == 0.9912
        and art.arch == "large"
    )
    assert isinstance(art.history, tuple) and isinstance(art.history[0], results.Epoch)
    assert art.history[0].cost == 0.5 and art.history[2].val_accuracy == 0.99
    assert art.val_epoch_99 == 3 and art.cpu_cores == 2
    assert art.validation_split is None and art.finished == ""  # absent: the defaults
    assert rec.repeats == {} and rec.title == ""


def test_load_record_round_trips_through_to_json(tmp_path, record):
    record["runs"]["small"] = make_run("small", accs=(0.97, 0.98))  # val_epoch_99: null
    rec = results.load_record(write(tmp_path, record))
    assert rec.runs["small"].val_epoch_99 is None
    back = results.to_json(rec)
    assert holds(back, without_none(record))  # nothing lost or changed
    assert not holds(back, record)  # (the null was left out)
    assert set(back) - set(record) == {
        "repeats",
        "title",
        "note",
    }  # only defaults added
    assert (
        back["runs"]["small"]["python"] == ""
        and "validation_split" not in back["runs"]["small"]
    )
    assert results.check_record(back) == rec


def test_a_record_is_frozen(tmp_path, record):
    rec = results.load_record(write(tmp_path, record))
    with pytest.raises(dataclasses.FrozenInstanceError):
        rec.runs["article"].test_accuracy = 1.0


def test_ordered_runs_follow_run_order(record):
    record["runs"] = {
        "small": make_run("small"),
        "improved": make_run("improved"),
        "article": make_run("article"),
    }
    rec = results.check_record(record)
    assert [r.run for r in rec.ordered_runs()] == ["article", "improved", "small"]
    assert results.RUN_ORDER == ("article", "improved", "small")
    del record["runs"]["improved"]
    assert [r.run for r in results.check_record(record).ordered_runs()] == [
        "article",
        "small",
    ]


def test_seed_accuracies_gather_the_run_and_its_repeats(record):
    record["repeats"] = {
        "article": {
            "2": {"seed": 2, "test_accuracy": 0.9903},
            "1": {
                "seed": 1,
                "test_accuracy": 0.9887,
                "val_accuracy": 0.99,
                "seconds": 400.0,
            },
        }
    }
    rec = results.check_record(record)
    assert rec.seed_accuracies("article") == {0: 0.9912, 1: 0.9887, 2: 0.9903}
    assert list(rec.seed_accuracies("article")) == [0, 1, 2]
    assert rec.seed_accuracies("small") == {0: 0.9901}
    assert (
        rec.repeats["article"]["1"].seconds == 400.0
        and rec.repeats["article"]["2"].seconds is None
    )


def test_the_books_record_is_well_formed():
    path = results.default_record_path()
    if not path.exists():
        pytest.skip(f"no record at {path} (run bench/full_mnist.py)")
    rec = results.load_record()
    assert path == ROOT / "chapters" / "results" / "full_mnist.json"
    assert set(rec.runs) <= set(results.RUN_ORDER)
    for run in rec.runs.values():
        assert run.n_train + run.n_validation == 60_000 and run.n_test == 10_000
        assert "full" in run.data
    assert holds(
        results.to_json(rec), without_none(json.loads(path.read_text()))
    )  # nothing lost
    assert results.full_mnist_table(rec)  # renders


# --------------------------------------------------------------------------
# finding the record
# --------------------------------------------------------------------------
def test_missing_record_names_the_file(tmp_path):
    with pytest.raises(
        results.RecordError, match="no full-MNIST results record at .*nope.json"
    ):
        results.load_record(tmp_path / "nope.json")


def test_default_location_missing_names_every_place(tmp_path, monkeypatch):
    monkeypatch.setattr(
        record_module, "default_record_path", lambda: tmp_path / "a" / "r.json"
    )
    monkeypatch.setattr(record_module, "RECORD_URL", (tmp_path / "gone.json").as_uri())
    monkeypatch.chdir(tmp_path)
    with pytest.raises(results.RecordError) as info:
        results.load_record()
    message = str(info.value)
    assert str(tmp_path / "a" / "r.json") in message
    assert str(tmp_path / "results" / "full_mnist.json") in message
    assert str(tmp_path / "chapters" / "results" / "full_mnist.json") in message
    assert "gone.json could not be read" in message
    assert "bench/full_mnist.py" in message


def test_outside_a_checkout_the_record_comes_from_the_repository_url(
    tmp_path, monkeypatch, record
):
    # Colab installs cnnlib from git without the chapters: the record is read from
    # RECORD_URL (here a file:// URL standing in for the repository's raw file).
    monkeypatch.setattr(
        record_module, "default_record_path", lambda: tmp_path / "a" / "r.json"
    )
    monkeypatch.setattr(record_module, "RECORD_URL", write(tmp_path, record).as_uri())
    monkeypatch.chdir(tmp_path)
    assert holds(results.to_json(results.load_record()), without_none(record))


def test_a_malformed_record_at_the_url_is_refused_naming_the_url(
    tmp_path, monkeypatch, record
):
    record["runs"]["small"]["epochs"] = "three"
    url = write(tmp_path, record).as_uri()
    monkeypatch.setattr(
        record_module, "default_record_path", lambda: tmp_path / "a" / "r.json"
    )
    monkeypatch.setattr(record_module, "RECORD_URL", url)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(
        results.RecordError,
        match=rf"^{url}\.runs\['small'\]\.epochs must be a "
        r"whole number, got 'three'",
    ):
        results.load_record()


def test_record_found_from_the_chapters_folder(tmp_path, monkeypatch, record):
    monkeypatch.setattr(
        record_module, "default_record_path", lambda: tmp_path / "none.json"
    )
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "full_mnist.json").write_text(json.dumps(record))
    monkeypatch.chdir(tmp_path)
    assert results.load_record().runs["small"].test_accuracy == 0.9901


def test_not_json_is_a_clear_error(tmp_path):
    path = write(tmp_path, '{"runs": {')
    with pytest.raises(
        results.RecordError, match=f"{path} is not a readable JSON record"
    ):
        results.load_record(path)


def test_record_error_is_a_schema_error_and_a_value_error():
    assert issubclass(results.RecordError, results.SchemaError)
    assert issubclass(results.RecordError, ValueError)


# --------------------------------------------------------------------------
# malformed records: the entry is named, with the file
# --------------------------------------------------------------------------
def _broken(record, edit):
    doc = copy.deepcopy(record)
    edit(doc)
    return doc


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda d: d.pop("runs"), r"lacks 'runs'"),
        (lambda d: d["runs"].clear(), r': "runs" is empty'),
        (
            lambda d: d["runs"].update(huge={**d["runs"]["small"], "run": "huge"}),
            r"unknown run 'huge', expected one of \('article', 'improved', 'small'\)",
        ),
        (
            lambda d: d["runs"].update(huge=d["runs"]["small"]),
            r"run 'huge': its \"run\" field says 'small'",
        ),
        (
            lambda d: d["runs"]["small"].pop("test_accuracy"),
            r"\.runs\['small'\] lacks 'test_accuracy'",
        ),
        (
            lambda d: d["runs"]["small"].update(test_accuracy="0.99"),
            r"\.runs\['small'\]\.test_accuracy must be a finite number, got '0\.99'",
        ),
        (
            lambda d: d["runs"]["small"].update(test_accuracy=99.1),
            r"run 'small': test_accuracy must be in 0\.\.1, got 99\.1",
        ),
        (
            lambda d: d["runs"]["small"].update(epochs=True),
            r"\.runs\['small'\]\.epochs must be a whole number, got True",
        ),
        (
            lambda d: d["runs"]["small"].update(cpu=3),
            r"\.runs\['small'\]\.cpu must be text, got 3",
        ),
        (
            lambda d: d["runs"]["small"].update(run="article"),
            r"its \"run\" field says 'article'",
        ),
        (
            lambda d: d["runs"]["small"].update(history=[]),
            r'run \'small\': "history" is empty',
        ),
        (
            lambda d: d["runs"]["small"].update(history={"a": 1}),
            r"\.history must be a list",
        ),
        (
            lambda d: d["runs"]["small"]["history"][1].pop("val_accuracy"),
            r"\.runs\['small'\]\.history\[1\] lacks 'val_accuracy'",
        ),
        (
            lambda d: d["runs"]["small"]["history"][1].update(cost=float("nan")),
            r"\.history\[1\]\.cost must be a finite number, got nan",
        ),
        (
            lambda d: d["runs"]["small"]["history"][2].update(epoch=7),
            r"history\[2\] is epoch 7, expected 3",
        ),
        (
            lambda d: d["runs"]["small"]["history"][0].update(val_accuracy=1.5),
            r"val_accuracy of epoch 1 must be in 0\.\.1, got 1\.5",
        ),
        (
            lambda d: d["runs"]["small"].update(colour="red"),
            r"\.runs\['small'\] has unknown entries \['colour'\]",
        ),
        (
            lambda d: d.update(colour="red"),
            r"has unknown entries \['colour'\]; expected some of "
            r"\['note', 'repeats', 'runs', 'title'\]",
        ),
        (
            lambda d: d["runs"].update(small=[1]),
            r"\.runs\['small'\] must be an object, got list",
        ),
    ],
    ids=[
        "no-runs",
        "empty-runs",
        "unknown-run",
        "name-mismatch",
        "no-test-accuracy",
        "accuracy-text",
        "accuracy-range",
        "epochs-bool",
        "cpu-number",
        "run-field",
        "empty-history",
        "history-object",
        "epoch-key",
        "cost-nan",
        "epoch-number",
        "val-accuracy-range",
        "unknown-key",
        "unknown-top-key",
        "run-list",
    ],
)
def test_malformed_record_names_the_entry(tmp_path, record, edit, message):
    path = write(tmp_path, _broken(record, edit))
    with pytest.raises(results.RecordError, match=message) as info:
        results.load_record(path)
    assert str(info.value).startswith(str(path))


@pytest.mark.parametrize(
    "repeats, message",
    [
        ([], r"\.repeats must be an object, got list"),
        ({"improved": {}}, r"repeats of 'improved' need a run 'improved' in \"runs\""),
        (
            {"article": {"1": {"seed": 2, "test_accuracy": 0.99}}},
            r"repeats\['article'\]\['1'\] holds seed 2",
        ),
        (
            {"article": {"1": {"seed": 1, "test_accuracy": 1.2}}},
            r"test_accuracy must be in 0\.\.1, got 1\.2",
        ),
        (
            {"article": {"1": {"seed": 1}}},
            r"repeats\['article'\]\['1'\] lacks 'test_accuracy'",
        ),
        (
            {"article": {"1": {"seed": 1, "test_accuracy": 0.99, "gpu": "x"}}},
            r"unknown entries \['gpu'\]",
        ),
    ],
)
def test_malformed_repeats_are_refused(tmp_path, record, repeats, message):
    record["repeats"] = repeats
    with pytest.raises(results.RecordError, match=message):
        results.load_record(write(tmp_path, record))


def test_check_record_names_where_it_came_from(record):
    del record["runs"]["small"]["seed"]
    with pytest.raises(
        results.RecordError, match=r"^the record\.runs\['small'\] lacks 'seed'$"
    ):
        results.check_record(record)
    with pytest.raises(results.RecordError, match=r"^somewhere\.runs"):
        results.check_record(record, "somewhere")
    with pytest.raises(
        results.RecordError, match=r"^the record must be an object, got list$"
    ):
        results.check_record([1, 2])


# --------------------------------------------------------------------------
# the bench's writer and this reader agree
# --------------------------------------------------------------------------
def test_the_benchs_merge_writes_records_load_record_accepts(tmp_path):
    # bench/full_mnist.py's writer, without training: seed 0 is the run, others repeats.
    spec = importlib.util.spec_from_file_location(
        "full_mnist_bench", ROOT / "bench" / "full_mnist.py"
    )
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    out = tmp_path / "results" / "full_mnist.json"
    bench.merge_into(out, make_run("small"))
    bench.merge_into(out, make_run("article"))
    bench.merge_into(
        out, {**make_run("article", test=0.9871), "seed": 3, "finished": "now"}
    )
    rec = results.load_record(out)
    assert list(rec.runs) == ["article", "small"]  # the table's order
    assert rec.runs["article"].test_accuracy == 0.9912
    assert rec.repeats["article"]["3"].test_accuracy == 0.9871
    assert (
        rec.repeats["article"]["3"].val_accuracy == 0.99
        and rec.repeats["article"]["3"].finished == "now"
    )
    assert rec.seed_accuracies("article") == {0: 0.9912, 3: 0.9871}
    assert rec.title and rec.note
    table = " ".join(results.full_mnist_table(rec).split())
    assert "other seeds | 0.9871 |" in table
    assert "with seed 3 (the one above is seed 0)" in table
