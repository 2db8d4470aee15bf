"""Tests of ``cnnlib web-weights`` and ``write_web_weights``: the files written whole
or not at all, OUTDIR checked before any training, progress on standard error.

The reference network is replaced by an untrained small network (the files'
contents are tested in tests/web/test_page_js.py), so nothing here trains.
"""

from __future__ import annotations

import errno
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from cnnlib import cli as cnnlib_cli
from cnnlib import deploy, models
from cnnlib.deploy import web

PARSE_ONLY = """\
import sys
from cnnlib.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as stop:
    code = stop.code
print("tensorflow" in sys.modules, code)
"""


@pytest.fixture
def trained(monkeypatch) -> list:
    """Stand in for the reference network; the list records each call's seed."""
    calls = []

    def reference_network(seed=0, printer=print):
        calls.append(seed)
        return SimpleNamespace(
            model=models.build_model("small"),
            data_name="fake digits",
            test_accuracy=0.5,
            from_cache=False,
        )

    monkeypatch.setattr(web.training, "reference_network", reference_network)
    return calls


def fail_on_second_write(monkeypatch) -> None:
    """Path.write_text writes the first file, then fails as a full disk would."""
    real = Path.write_text
    count = []

    def write_text(self, *args, **kwargs):
        count.append(self)
        if len(count) == 2:
            real(self, "half")
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", write_text)


def test_a_new_outdir_gets_both_files_and_nothing_else(trained, tmp_path):
    lines = []
    path = deploy.write_web_weights(tmp_path / "w", seed=3, printer=lines.append)
    assert path == tmp_path / "w" / "small.json" and trained == [3]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w"]
    assert sorted(p.name for p in (tmp_path / "w").iterdir()) == [
        "small.js",
        "small.json",
    ]
    assert set(deploy.load_web_weights(path)) == set(web.LAYERS)
    script = (tmp_path / "w" / "small.js").read_text()
    assert script == f"window.CNN_BOOK_WEIGHTS = {path.read_text()};\n"
    assert "(seed 3)" in lines[0] and lines[1].startswith("trained it in")


def test_a_failure_while_writing_a_new_outdir_leaves_nothing(
    trained, tmp_path, monkeypatch
):
    fail_on_second_write(monkeypatch)
    with pytest.raises(OSError, match="No space left"):
        deploy.write_web_weights(tmp_path / "w", printer=lambda line: None)
    assert list(tmp_path.iterdir()) == []


def test_a_failure_in_an_existing_outdir_keeps_the_old_files(
    trained, tmp_path, monkeypatch
):
    out = tmp_path / "w"
    out.mkdir()
    for name in ("small.js", "small.json", "notes.txt"):
        (out / name).write_text(f"old {name}")
    fail_on_second_write(monkeypatch)
    with pytest.raises(OSError, match="No space left"):
        deploy.write_web_weights(out, printer=lambda line: None)
    assert {p.name: p.read_text() for p in out.iterdir()} == {
        name: f"old {name}" for name in ("small.js", "small.json", "notes.txt")
    }
    monkeypatch.undo()
    deploy.write_web_weights(out, printer=lambda line: None)  # replaced, others kept
    assert (out / "notes.txt").read_text() == "old notes.txt"
    assert set(deploy.load_web_weights(out / "small.json")) == set(web.LAYERS)


def test_a_bad_outdir_is_refused_before_training(trained, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("x")
    with pytest.raises(ValueError, match=r"^outdir: cannot write into .*notes\.txt"):
        deploy.write_web_weights(notes)
    with pytest.raises(ValueError, match=r"^outdir: .*folder .*'[^']*no' does not"):
        deploy.write_web_weights(tmp_path / "no" / "w")
    assert trained == [] and list(tmp_path.iterdir()) == [notes]


def test_the_command_reports_progress_on_stderr(trained, tmp_path, capsys):
    assert cnnlib_cli.main(["web-weights", str(tmp_path / "w")]) == 0
    out, err = capsys.readouterr()
    lines = err.splitlines()
    assert out == "" and len(lines) == 4, err
    assert lines[0] == "loading TensorFlow ..."
    assert lines[1].startswith("taking the page's small network (seed 0)")
    assert lines[3].startswith(f"wrote {tmp_path / 'w' / 'small.json'} and small.js")
    assert "fake digits, test accuracy 0.500" in lines[3]


def test_a_failure_while_running_is_one_line_and_exit_1(
    trained, tmp_path, capsys, monkeypatch
):
    fail_on_second_write(monkeypatch)
    assert cnnlib_cli.main(["web-weights", str(tmp_path / "w")]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[-1] == "error: [Errno 28] No space left on device"
    assert list(tmp_path.iterdir()) == []


def usage_mistake(*args: str) -> tuple[bool, int, str]:
    """``cnnlib web-weights ARGS`` in a subprocess: (TensorFlow imported?, exit
    status, standard error)."""
    done = subprocess.run(
        [sys.executable, "-c", PARSE_ONLY, "web-weights", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    imported, code = done.stdout.split()
    return imported == "True", int(code), done.stderr


UNWRITABLE = "/proc/cnnlib-web-weights"  # root may write anywhere, but not here


@pytest.mark.parametrize(
    "argv, needle",
    [
        (["{tmp}/notes.txt"], "argument outdir: cannot write into '{tmp}/notes.txt'"),
        (["{tmp}/notes.txt/w"], "'{tmp}/notes.txt' is a file, not a folder"),
        (["{tmp}/w", "--seed", "-1"], "argument --seed: expected a whole number 0.."),
        (["{tmp}/w", "--seed", "4294967296"], "--seed: expected a whole number 0.."),
        pytest.param(
            [UNWRITABLE],
            f"argument outdir: cannot create folder '{UNWRITABLE}': '/proc' is on a "
            "proc file system, which the kernel fills itself and which takes no new "
            "files or folders",
            marks=pytest.mark.skipif(
                not Path("/proc/self").is_dir(), reason="no /proc on this system"
            ),
        ),
    ],
    ids=["file", "under-a-file", "negative-seed", "seed-past-numpy", "proc"],
)
def test_usage_mistakes_exit_2_before_tensorflow_and_leave_nothing(
    argv, needle, tmp_path
):
    (tmp_path / "notes.txt").write_text("x")
    imported, code, err = usage_mistake(*(a.format(tmp=tmp_path) for a in argv))
    assert code == 2 and not imported, err
    assert needle.format(tmp=tmp_path) in err.splitlines()[-1], err
    assert len(err.splitlines()) == 2 and "Traceback" not in err  # usage + one line
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]
    assert not Path(UNWRITABLE).exists()
