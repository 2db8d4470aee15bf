"""Tests of cnnlib.results: loading the full-MNIST record bench/full_mnist.py writes,
refusing missing or malformed records by name, and rendering it as exact text."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from cnnlib import results

ARTICLE = {"cost": [0.739, 0.169, 0.100], "test_accuracy": [0.911, 0.960, 0.978]}


def make_run(name: str, accs=(0.97, 0.98, 0.99), test=0.9912) -> dict:
    return {
        "run": name, "about": "x", "arch": "small" if name == "small" else "large",
        "recipe": "improved" if name == "improved" else "article", "epochs": len(accs),
        "batch_size": 50, "lr": 1e-3 if name == "small" else 1e-4, "seed": 0,
        "data": "MNIST (full): 60,000 train / 10,000 test digits",
        "n_train": 55_000, "n_validation": 5_000, "n_test": 10_000,
        "history": [{"epoch": i + 1, "cost": 0.5 / (i + 1), "val_cost": 0.1, "val_accuracy": a,
                     "seconds": 100.0} for i, a in enumerate(accs)],
        "test_accuracy": test, "seconds": 312.4, "images_per_second": 1234.5,
        "val_epoch_99": next((i + 1 for i, a in enumerate(accs) if a >= 0.99), None),
        "seconds_to_val_99": 300.0 if max(accs) >= 0.99 else None,
        "setup": "one device (CPU, 2 cores), precision float32", "cpu": "Some CPU",
        "cpu_cores": 2, "tensorflow": "2.21.0", "commit": "0123456789abcdef" * 2 + "01234567",
        "command": f"python bench/full_mnist.py --data DIR --runs {name}",
    }


@pytest.fixture()
def record() -> dict:
    return {"runs": {"article": make_run("article"), "small": make_run("small", test=0.9901)}}


def write(tmp_path: Path, doc) -> Path:
    path = tmp_path / "full_mnist.json"
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    return path


def test_load_record_round_trip(tmp_path, record):
    assert results.load_record(write(tmp_path, record)) == record


def test_the_books_record_is_well_formed():
    path = results.default_record_path()
    if not path.exists():
        pytest.skip(f"no record at {path} (run bench/full_mnist.py)")
    doc = results.load_record()
    assert set(doc["runs"]) <= set(results.RUN_ORDER)
    for run in doc["runs"].values():
        assert run["n_train"] + run["n_validation"] == 60_000 and run["n_test"] == 10_000
        assert "full" in run["data"]
    assert results.full_mnist_table(doc)  # renders


def test_missing_record_names_the_file(tmp_path):
    with pytest.raises(results.RecordError, match="no full-MNIST results record at .*nope.json"):
        results.load_record(tmp_path / "nope.json")


def test_default_location_missing_names_every_place(tmp_path, monkeypatch):
    monkeypatch.setattr(results, "default_record_path", lambda: tmp_path / "a" / "r.json")
    monkeypatch.setattr(results, "RECORD_URL", (tmp_path / "gone.json").as_uri())
    monkeypatch.chdir(tmp_path)
    with pytest.raises(results.RecordError) as info:
        results.load_record()
    message = str(info.value)
    assert str(tmp_path / "a" / "r.json") in message
    assert str(tmp_path / "results" / "full_mnist.json") in message
    assert "bench/full_mnist.py" in message


def test_outside_a_checkout_the_record_comes_from_the_repository_url(
        tmp_path, monkeypatch, record):
    # Colab installs cnnlib from git without the chapters: the record is read from
    # RECORD_URL (here a file:// URL standing in for the repository's raw file).
    monkeypatch.setattr(results, "default_record_path", lambda: tmp_path / "a" / "r.json")
    monkeypatch.setattr(results, "RECORD_URL", write(tmp_path, record).as_uri())
    monkeypatch.chdir(tmp_path)
    assert results.load_record() == record


def test_record_found_from_the_chapters_folder(tmp_path, monkeypatch, record):
    monkeypatch.setattr(results, "default_record_path", lambda: tmp_path / "none.json")
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "full_mnist.json").write_text(json.dumps(record))
    monkeypatch.chdir(tmp_path)
    assert results.load_record() == record


def test_not_json_is_a_clear_error(tmp_path):
    path = write(tmp_path, '{"runs": {')
    with pytest.raises(results.RecordError, match=f"{path} is not a readable JSON record"):
        results.load_record(path)


def _broken(record, edit):
    doc = copy.deepcopy(record)
    edit(doc)
    return doc


@pytest.mark.parametrize("edit, message", [
    (lambda d: d.pop("runs"), 'non-empty "runs" object'),
    (lambda d: d["runs"].clear(), 'non-empty "runs" object'),
    (lambda d: d["runs"].update(huge=d["runs"]["small"]), "run 'huge': unknown run"),
    (lambda d: d["runs"]["small"].pop("test_accuracy"), "run 'small' lacks 'test_accuracy'"),
    (lambda d: d["runs"]["small"].update(test_accuracy="0.99"), "'test_accuracy' must be a number"),
    (lambda d: d["runs"]["small"].update(test_accuracy=99.1), "'test_accuracy' must be in 0..1"),
    (lambda d: d["runs"]["small"].update(epochs=True), "'epochs' must be int"),
    (lambda d: d["runs"]["small"].update(run="article"), 'its "run" field says'),
    (lambda d: d["runs"]["small"].update(history=[]), '"history" is empty'),
    (lambda d: d["runs"]["small"]["history"][1].pop("val_accuracy"), r"history\[1\] must hold"),
    (lambda d: d["runs"]["small"]["history"][1].update(cost=float("nan")),
     r"history\[1\]\['cost'\] must be a finite number"),
    (lambda d: d["runs"]["small"]["history"][2].update(epoch=7), "is epoch 7, expected 3"),
    (lambda d: d["runs"]["small"]["history"][0].update(val_accuracy=1.5), "must be in 0..1"),
])
def test_malformed_record_names_the_entry(tmp_path, record, edit, message):
    path = write(tmp_path, _broken(record, edit))
    with pytest.raises(results.RecordError, match=message) as info:
        results.load_record(path)
    assert str(path) in str(info.value)


def test_table_is_exact_text(record):
    text = results.full_mnist_table(record, article=ARTICLE)
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
    assert lines[9] == "val 0.990 at    |                 | epoch 3 (300 s) | epoch 3 (300 s)"
    assert "commit 0123456789ab;" in text and "--runs small" in text
    assert max(len(line) for line in lines) <= 88
    assert results.full_mnist_table(record, article=ARTICLE) == text  # deterministic


def test_table_without_the_article_and_with_a_short_run(record):
    record["runs"]["improved"] = make_run("improved", accs=(0.95,), test=0.96)
    text = results.full_mnist_table(record)
    assert "article 001" not in text
    header = text.splitlines()[1]
    assert header.index("article recipe") < header.index("improved recipe") < header.index("small")
    assert "epoch 3         | 0.167  0.9900   |                 | 0.167  0.9900" in text
    assert "never" in text


def test_dirty_commit_is_said(record):
    record["runs"]["small"]["commit"] = "abcdef0123456789 (with uncommitted changes to cnnlib/)"
    assert "commit abcdef012345 + local changes" in results.full_mnist_table(record)


@pytest.mark.parametrize("bad", [{"cost": [0.1]}, {"cost": [0.1, 0.2], "test_accuracy": [0.9]},
                                 [0.9, 0.95]])
def test_bad_article_figures_are_refused(record, bad):
    with pytest.raises(ValueError, match="article"):
        results.full_mnist_table(record, article=bad)


def test_repeats_with_other_seeds_show_their_spread(tmp_path, record):
    record["repeats"] = {"article": {
        "1": {"seed": 1, "test_accuracy": 0.9887, "val_accuracy": 0.99, "seconds": 400.0},
        "2": {"seed": 2, "test_accuracy": 0.9903, "val_accuracy": 0.99, "seconds": 400.0}}}
    text = results.full_mnist_table(results.load_record(write(tmp_path, record)))
    assert "other seeds     | 0.9887..0.9903" in text
    assert "with seeds 1, 2 (the one above is seed 0)" in " ".join(text.split())
    assert max(len(line) for line in text.splitlines()) <= 88


@pytest.mark.parametrize("repeats, message", [
    ([], '"repeats" must be an object'),
    ({"improved": {}}, "repeats of 'improved' need"),
    ({"article": {"1": {"seed": 2, "test_accuracy": 0.99}}}, r"repeats\['article'\]\['1'\]"),
    ({"article": {"1": {"seed": 1, "test_accuracy": 1.2}}}, r"test_accuracy in 0..1"),
])
def test_malformed_repeats_are_refused(tmp_path, record, repeats, message):
    record["repeats"] = repeats
    with pytest.raises(results.RecordError, match=message):
        results.load_record(write(tmp_path, record))


def test_the_benchs_merge_writes_records_load_record_accepts(tmp_path):
    # bench/full_mnist.py's writer, without training: seed 0 is the run, others repeats.
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "full_mnist_bench", Path(__file__).resolve().parents[1] / "bench" / "full_mnist.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    out = tmp_path / "results" / "full_mnist.json"
    bench.merge_into(out, make_run("small"))
    bench.merge_into(out, make_run("article"))
    bench.merge_into(out, {**make_run("article", test=0.9871), "seed": 3, "finished": "now"})
    doc = results.load_record(out)
    assert list(doc["runs"]) == ["article", "small"]  # the table's order
    assert doc["runs"]["article"]["test_accuracy"] == 0.9912
    assert doc["repeats"]["article"]["3"]["test_accuracy"] == 0.9871
    table = " ".join(results.full_mnist_table(doc).split())
    assert "other seeds | 0.9871 |" in table
    assert "with seed 3 (the one above is seed 0)" in table
