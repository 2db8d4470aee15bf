"""Tests of cnnlib.core.cli: the argument types, help layout and error reporting every
``cnnlib`` subcommand uses. The types are checked through a real argparse parser,
as a user meets them: a bad value is one line naming the flag and the value, exit 2."""

from __future__ import annotations

import argparse
import errno
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import cnnlib
from cnnlib.core import cli, errors, version


def parser_with(**types) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="cnnlib test", formatter_class=cli.HelpFormatter)
    for flag, kind in types.items():
        p.add_argument(f"--{flag}", type=kind)
    return p


def usage_error(parser: argparse.ArgumentParser, argv: list[str], capsys) -> str:
    """The last stderr line of a refused command line (asserting exit status 2)."""
    with pytest.raises(SystemExit) as info:
        parser.parse_args(argv)
    assert info.value.code == cli.EXIT_USAGE == 2
    err = capsys.readouterr().err.strip().splitlines()
    return err[-1]


def test_exit_statuses():
    assert (cli.EXIT_OK, cli.EXIT_FAILED, cli.EXIT_USAGE) == (0, 1, 2)


# --------------------------------------------------------------------------
# number
# --------------------------------------------------------------------------
LR = cli.number(
    float, "a learning rate 0 < lr < 1, e.g. 1e-4", 0, 1, low_open=True, high_open=True
)
EPOCHS = cli.number(int, "a whole number of epochs >= 1, e.g. 10", low=1)


def test_number_parses_values_in_range():
    p = parser_with(lr=LR, epochs=EPOCHS)
    args = p.parse_args(["--lr", "1e-4", "--epochs", "3"])
    assert args.lr == 1e-4 and args.epochs == 3 and type(args.epochs) is int
    assert EPOCHS("1") == 1 and LR("0.999") == 0.999


@pytest.mark.parametrize(
    "flag, text",
    [
        ("lr", "0"),
        ("lr", "1"),
        ("lr", "-1e-3"),
        ("lr", "abc"),
        ("lr", "nan"),
        ("lr", "inf"),
        ("lr", ""),
        ("epochs", "0"),
        ("epochs", "2.5"),
        ("epochs", "ten"),
    ],
)
def test_number_refuses_with_the_flag_the_example_and_the_value(flag, text, capsys):
    line = usage_error(parser_with(lr=LR, epochs=EPOCHS), [f"--{flag}={text}"], capsys)
    example = "e.g. 1e-4" if flag == "lr" else "e.g. 10"
    assert line.startswith(f"cnnlib test: error: argument --{flag}: expected ")
    assert example in line and line.endswith(f"got {text!r}")


def test_number_bounds_are_closed_unless_said_open():
    closed = cli.number(float, "0..1", 0, 1)
    assert closed("0") == 0.0 and closed("1") == 1.0
    for text in ("-0.01", "1.01"):
        with pytest.raises(
            argparse.ArgumentTypeError, match=rf"expected 0\.\.1, got '{text}'"
        ):
            closed(text)


# --------------------------------------------------------------------------
# existing_file
# --------------------------------------------------------------------------
def test_existing_file_gives_back_the_text(tmp_path):
    f = tmp_path / "m.keras"
    f.write_bytes(b"x")
    assert cli.existing_file(str(f)) == str(f)


def test_existing_file_refuses_a_missing_file_and_a_folder(tmp_path, capsys):
    p = parser_with(model=cli.existing_file)
    missing = str(tmp_path / "nope.keras")
    assert usage_error(p, ["--model", missing], capsys).endswith(
        f"argument --model: no such file: {missing!r}"
    )
    assert usage_error(p, ["--model", str(tmp_path)], capsys).endswith(
        f"argument --model: {str(tmp_path)!r} is a folder, expected a file"
    )


# --------------------------------------------------------------------------
# writable_path
# --------------------------------------------------------------------------
def test_writable_path_accepts_a_new_file_in_a_folder_that_exists(
    tmp_path, monkeypatch
):
    assert cli.writable_path(str(tmp_path / "new.keras"), ".keras") == str(
        tmp_path / "new.keras"
    )
    monkeypatch.chdir(tmp_path)
    assert (
        cli.writable_path("here.keras", ".keras") == "here.keras"
    )  # the current folder
    assert cli.writable_path(str(tmp_path / "any.name")) == str(tmp_path / "any.name")


def test_writable_path_refuses_a_folder(tmp_path):
    (tmp_path / "m.keras").mkdir()
    for target in (tmp_path / "m.keras", tmp_path):
        with pytest.raises(argparse.ArgumentTypeError) as info:
            cli.writable_path(str(target), ".keras")
        assert str(info.value) == (
            f"cannot write {str(target)!r}: {str(target)!r} is a folder, expected a "
            ".keras file"
        )


def test_writable_path_refuses_the_wrong_suffix(tmp_path):
    with pytest.raises(
        argparse.ArgumentTypeError,
        match=r"expected a \.keras file name, "
        r"got '.*model\.h5'",
    ):
        cli.writable_path(str(tmp_path / "model.h5"), ".keras")


def test_writable_path_refuses_a_missing_folder(tmp_path):
    target = tmp_path / "no" / "such" / "m.keras"
    with pytest.raises(argparse.ArgumentTypeError) as info:
        cli.writable_path(str(target), ".keras")
    assert str(info.value) == (
        f"cannot write {str(target)!r}: folder {str(target.parent)!r} does not exist"
    )


def test_writable_path_refuses_a_file_in_place_of_a_folder(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    target = blocker / "sub" / "m.keras"
    with pytest.raises(argparse.ArgumentTypeError) as info:
        cli.writable_path(str(target), ".keras")
    assert str(info.value) == (
        f"cannot write {str(target)!r}: {str(blocker)!r} is a file, not a folder"
    )


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into any folder")
def test_writable_path_refuses_a_read_only_folder(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(argparse.ArgumentTypeError, match="is not writable"):
            cli.writable_path(str(folder / "m.keras"), ".keras")
    finally:
        folder.chmod(0o755)


def test_writable_path_in_a_parser_is_a_usage_error(tmp_path, capsys):
    p = parser_with(out=lambda text: cli.writable_path(text, ".keras"))
    line = usage_error(p, ["--out", str(tmp_path / "gone" / "m.keras")], capsys)
    assert "argument --out: cannot write" in line and "does not exist" in line


# --------------------------------------------------------------------------
# run_reporting and fail
# --------------------------------------------------------------------------
def test_run_reporting_returns_the_works_status():
    assert cli.run_reporting(lambda: 0) == 0
    assert cli.run_reporting(lambda: 7) == 7


def _raise(err: BaseException):
    def work() -> int:
        raise err

    return work


@pytest.mark.parametrize(
    "err, line",
    [
        (
            errors.CnnlibError("the model file is damaged"),
            "error: the model file is damaged",
        ),
        (
            ValueError("lr must be 0 < lr < 1, got 5"),
            "error: lr must be 0 < lr < 1, got 5",
        ),
        (TypeError("paths must be a list"), "error: paths must be a list"),
        (
            OSError(errno.ENOSPC, "No space left on device"),
            "error: [Errno 28] No space left on device",
        ),
        (ValueError("first line\n  second line\n"), "error: first line second line"),
        (errors.CnnlibError(""), "error: CnnlibError"),
    ],
)
def test_run_reporting_turns_an_explained_error_into_one_line(err, line, capsys):
    assert cli.run_reporting(_raise(err)) == cli.EXIT_FAILED
    out, stderr = capsys.readouterr()
    assert out == "" and stderr == line + "\n"


def test_run_reporting_ends_ctrl_c_with_130_and_one_line(capsys):
    assert cli.run_reporting(_raise(KeyboardInterrupt())) == 130
    assert capsys.readouterr().err == "stopped (Ctrl+C)\n"


def test_run_reporting_lets_a_bug_through():
    """An error cnnlib does not explain (a bug) keeps its traceback."""
    with pytest.raises(ZeroDivisionError):
        cli.run_reporting(lambda: 1 // 0)


def test_fail_prints_one_error_line(capsys):
    assert cli.fail("no model") == 1
    assert capsys.readouterr().err == "error: no model\n"


# --------------------------------------------------------------------------
# HelpFormatter
# --------------------------------------------------------------------------
def test_help_shows_real_defaults_and_keeps_line_breaks():
    p = argparse.ArgumentParser(
        prog="x",
        formatter_class=cli.HelpFormatter,
        epilog="examples:\n  x --epochs 3\n  x --quiet",
    )
    p.add_argument("--epochs", type=int, default=10, help="passes over the digits")
    p.add_argument("--out", help="where to save")  # default None
    p.add_argument("--quiet", action="store_true", help="say less")  # default False
    text = " ".join(p.format_help().split())
    assert "passes over the digits (default: 10)" in text
    assert "where to save (default" not in text and "say less (default" not in text
    assert "examples:\n  x --epochs 3\n  x --quiet" in p.format_help()


# --------------------------------------------------------------------------
# The cnnlib command's help and version, as a user runs them (no TensorFlow:
# tests/test_architecture.py checks that --help never imports it)
# --------------------------------------------------------------------------
def run_cnnlib(*args: str) -> subprocess.CompletedProcess:
    """``python -m cnnlib ARGS`` with help lines long enough never to wrap."""
    env = dict(os.environ, COLUMNS="1000")
    return subprocess.run(
        [sys.executable, "-m", "cnnlib", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )


def subcommands() -> dict[str, argparse.ArgumentParser]:
    from cnnlib.cli import build_parser

    parser = build_parser()
    (commands,) = [
        a for a in parser._actions if isinstance(a, argparse._SubParsersAction)
    ]
    return {"": parser, **commands.choices}


def option_blocks(help_text: str) -> dict[str, str]:
    """Each flag's lines in ``--help``: its first line starts ``  --flag``."""
    blocks: dict[str, str] = {}
    flag = None
    for line in help_text.splitlines():
        found = re.match(r"^  (-[-\w]+)", line)
        if found:
            flag = found.group(1)
            blocks[flag] = line
        elif flag and line.startswith("   "):
            blocks[flag] += " " + line.strip()
        else:
            flag = None
    return blocks


def shown_defaults(parser: argparse.ArgumentParser) -> dict[str, object]:
    """The flags whose default help must show: every option that has one."""
    return {
        a.option_strings[-1]: a.default
        for a in parser._actions
        if a.option_strings
        and a.default is not None
        and a.default is not False
        and a.default is not argparse.SUPPRESS
    }


@pytest.mark.parametrize(
    "command", ["", "train", "predict", "export", "serve", "web-weights"]
)
def test_help_shows_every_default_and_ends_with_examples(command):
    argv = [command, "--help"] if command else ["--help"]
    done = run_cnnlib(*argv)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    text = done.stdout
    blocks = option_blocks(text)
    defaults = shown_defaults(subcommands()[command])
    if command in ("train", "serve", "export", "web-weights"):
        assert defaults, "a subcommand with flags of its own has defaults to show"
    for flag, default in defaults.items():
        assert f"(default: {default})" in blocks[flag], (flag, blocks[flag])
    for action in subcommands()[command]._actions:  # each says what it is for
        commands = isinstance(action, argparse._SubParsersAction)
        assert commands or action.help, action.option_strings or action.dest
    examples = text.split("\nexamples:\n", 1)[1].split("\n\n")[0].splitlines()
    prog = f"cnnlib {command}".strip()
    runs = [e for e in examples if e.startswith(f"  {prog} ") or "curl " in e]
    assert len(runs) >= 2 and len(runs) == len(examples), examples


def test_help_explains_the_architectures_and_formats():
    train = " ".join(run_cnnlib("train", "--help").stdout.split())
    assert "small: article 000's network: 6 and 16 filters of 5x5, 128 hidden" in train
    export = " ".join(run_cnnlib("export", "--help").stdout.split())
    assert "tflite-int8: a full-integer LiteRT file" in export


def test_a_default_of_0_is_shown():
    p = argparse.ArgumentParser(prog="x", formatter_class=cli.HelpFormatter)
    p.add_argument("--seed", type=int, default=0, help="the seed")
    assert "the seed (default: 0)" in " ".join(p.format_help().split())


def test_version_prints_the_package_version():
    done = run_cnnlib("--version")
    assert done.returncode == 0 and done.stdout == f"cnnlib {cnnlib.__version__}\n"


def test_the_version_is_the_one_of_pyproject_toml():
    pyproject = Path(cnnlib.__file__).resolve().parents[1] / "pyproject.toml"
    assert version.PYPROJECT == pyproject and pyproject.is_file()
    assert version.pyproject_version() == cnnlib.__version__ != "0+unknown"
    assert version.package_version() == cnnlib.__version__


def test_a_source_tree_never_installed_reads_pyproject_toml(monkeypatch, tmp_path):
    def not_installed(name):
        raise version.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(version.metadata, "version", not_installed)
    assert version.package_version() == version.pyproject_version()
    toml = tmp_path / "pyproject.toml"
    toml.write_text(
        '[build-system]\nversion = "9"\n[project]\nname = "cnnlib"\n'
        'version = "1.2.3"\n[tool.x]\nversion = "7"\n'
    )
    assert version.pyproject_version(toml) == "1.2.3"
    assert version.pyproject_version(tmp_path / "none.toml") == "0+unknown"


# --------------------------------------------------------------------------
# One exit-code convention for every subcommand: 2 a usage mistake, found before
# TensorFlow loads; 1 a failure while running
# --------------------------------------------------------------------------
PARSE_ONLY = """\
import sys
from cnnlib.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as stop:
    code = stop.code
print("tensorflow" in sys.modules, code)
"""


def parse_only(*args: str) -> tuple[bool, int, str]:
    """``cnnlib ARGS`` in a subprocess that stops at a usage error: (TensorFlow
    imported?, exit status, standard error)."""
    done = subprocess.run(
        [sys.executable, "-c", PARSE_ONLY, *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    imported, code = done.stdout.split()
    return imported == "True", int(code), done.stderr


@pytest.mark.parametrize(
    "argv",
    [
        ["predict", "{missing}", "seven.png"],
        ["serve", "{missing}"],
        ["export", "{missing}", "{tmp}/digits"],
        ["export", "{missing}", "{tmp}/d.tflite", "--format", "tflite"],
    ],
    ids=["predict", "serve", "export", "export-tflite"],
)
def test_a_missing_model_is_a_usage_mistake_in_every_subcommand(argv, tmp_path):
    missing = str(tmp_path / "no_such_model.keras")
    args = [a.format(missing=missing, tmp=tmp_path) for a in argv]
    imported, code, err = parse_only(*args)
    assert code == cli.EXIT_USAGE == 2 and not imported
    assert err.splitlines()[-1] == (
        f"cnnlib {argv[0]}: error: argument model: no such file: {missing!r}"
    )
    assert "Traceback" not in err and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "argv, needle",
    [
        (["predict", "{tmp}", "x.png"], "argument model: '{tmp}' is a folder"),
        (["serve", "{model}", "--port", "70000"], "--port: expected a port 0..65535"),
        (["export", "{model}", "{tmp}/d", "--format", "onnx"], "argument --format"),
        (["export", "{model}", "{tmp}/d", "--representative", "0"], "--representative"),
        (["train", "--out", "{tmp}/m.h5"], "expected a .keras file name"),
        (["web-weights", "{tmp}/w", "--seed", "-1"], "--seed: expected a whole"),
        (["trian"], "invalid choice: 'trian'"),
        (
            ["export", "{model}", "{tmp}/no/d.tflite", "--format", "tflite"],
            "argument out: cannot write '{tmp}/no/d.tflite': folder '{tmp}/no' does",
        ),
        (["export", "{model}", "{tmp}/no/digits"], "folder '{tmp}/no' does not exist"),
        (["export", "{model}", "{model}/x"], "'{tmp}/m.keras' is a file, not a folder"),
        (["export", "{model}", "{tmp}", "--format", "tflite"], "is a folder, expected"),
        (["web-weights", "{model}"], "argument outdir: cannot write into '{tmp}/m.k"),
        (["web-weights", "{tmp}/no/w"], "folder '{tmp}/no' does not exist"),
        (
            ["export", "{model}", "{tmp}/d.tflite"],
            "argument out: '{tmp}/d.tflite' ends in .tflite, but --format saved_model "
            "writes a folder; pass --format tflite (or tflite-int8)",
        ),
        (
            ["export", "{model}", "{tmp}/d.txt", "--format", "tflite"],
            "argument out: expected a .tflite file name, got '{tmp}/d.txt'",
        ),
        (
            ["export", "{model}", "{tmp}/d.tflite", "--format", "tflite"]
            + ["--version", "3"],
            "argument --version: only --format saved_model has versions, got 3 with "
            "--format tflite",
        ),
        (
            ["export", "{model}", "{tmp}/d.tflite", "--format", "tflite"]
            + ["--representative", "100"],
            "argument --representative: only --format tflite-int8 is calibrated, got "
            "100 with --format tflite",
        ),
        (
            ["export", "{model}", "{tmp}/digits", "--data", "sample"],
            "argument --data: only --format tflite-int8 is calibrated, got 'sample' "
            "with --format saved_model",
        ),
        (
            ["train", "--out", "{tmp}/t.keras", "--seed", "4294967296"],
            "argument --seed: expected a whole number 0..4294967295, got '4294967296'",
        ),
        (
            ["train", "--out", "{model}/t.keras"],
            "argument --out: cannot write '{tmp}/m.keras/t.keras': '{tmp}/m.keras' is "
            "a file, not a folder",
        ),
        (
            ["serve", "{model}", "--max-bytes", "0"],
            "argument --max-bytes: expected a whole number of bytes >= 1, got '0'",
        ),
        (
            ["export", "{model}", "{tmp}/d.tflite", "--format", "tflite-int8"]
            + ["--data", "sample", "--representative", "4501"],
            "cnnlib export: error: --representative must be 1..4500 (--data sample "
            "gave 4,500 training digits), got 4501",
        ),
    ],
)
def test_usage_mistakes_exit_2_before_tensorflow_loads(argv, needle, tmp_path):
    model = tmp_path / "m.keras"
    model.write_bytes(b"not checked before TensorFlow")
    args = [a.format(model=model, tmp=tmp_path) for a in argv]
    imported, code, err = parse_only(*args)
    assert code == 2 and not imported, err
    assert needle.format(tmp=tmp_path) in err.splitlines()[-1]
    assert "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.keras"]  # nothing made


def test_an_output_folder_exists_or_is_new_in_a_folder_that_exists(tmp_path):
    (tmp_path / "f.txt").write_text("x")
    assert cli.folder_problem(str(tmp_path)) is None
    assert cli.folder_problem(str(tmp_path / "new")) is None
    assert cli.writable_folder(str(tmp_path / "new")) == str(tmp_path / "new")
    assert "is a file, expected a folder" in cli.folder_problem(str(tmp_path / "f.txt"))
    assert "does not exist" in cli.folder_problem(str(tmp_path / "a" / "b"))
    assert "is a file, not a folder" in cli.folder_problem(str(tmp_path / "f.txt/b"))
    with pytest.raises(argparse.ArgumentTypeError, match="cannot write into"):
        cli.writable_folder(str(tmp_path / "a" / "b"))
