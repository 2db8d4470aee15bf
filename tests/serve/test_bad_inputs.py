"""Bad input to cnnlib.serve's public API gets a clear error naming the value
(see tests/clear_errors.py), before any socket is bound."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import threading

import pytest

from cnnlib import serve
from tests.clear_errors import assert_clear_error

BAD_INPUT = {
    "make_server-port": (
        lambda m: serve.make_server(m, port=-5),
        ValueError,
        r"got -5",
    ),
    "make_server-batch": (
        lambda m: serve.make_server(m, max_batch=0),
        ValueError,
        r"max_batch.*got 0",
    ),
    "make_server-http": (
        lambda m: serve.make_server(m, http="h3"),
        ValueError,
        r"got 'h3'",
    ),
}


@pytest.mark.parametrize("case", BAD_INPUT)
def test_bad_input_gets_a_clear_error(case, ridge_model):
    call, error, match = BAD_INPUT[case]
    assert_clear_error(lambda: call(ridge_model), error, match)


def without_httptools(monkeypatch) -> None:
    """Make the httptools package look not installed, whether or not it is."""
    real = importlib.util.find_spec

    def find_spec(name, *args, **kwargs):
        return None if name == "httptools" else real(name, *args, **kwargs)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)


def test_httptools_not_installed_is_said_before_any_thread_starts(
    ridge_model, monkeypatch
):
    without_httptools(monkeypatch)
    threads = threading.active_count()
    assert_clear_error(
        lambda: serve.make_server(ridge_model, http="httptools"),
        ValueError,
        r"^http='httptools' needs the httptools package.*: pip install httptools",
    )
    assert threading.active_count() == threads


@pytest.mark.skipif(
    importlib.util.find_spec("httptools") is not None,
    reason="httptools is installed here, so --http httptools is no mistake",
)
def test_serve_http_httptools_not_installed_is_a_usage_mistake(tmp_path):
    model = tmp_path / "m.keras"
    model.write_bytes(b"not read: the mistake is found first")
    code = (
        "import sys\nfrom cnnlib.cli import main\ntry:\n    main(sys.argv[1:])\n"
        "except SystemExit as stop:\n    print('tensorflow' in sys.modules, stop.code)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, "serve", str(model), "--http", "httptools"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.stdout.split() == ["False", "2"], (done.stdout, done.stderr)
    assert done.stderr.splitlines()[-1] == (
        "cnnlib serve: error: argument --http: 'httptools' needs the httptools "
        "package, which is not installed: pip install httptools (or use --http h11)"
    )
    assert done.stderr.startswith("usage: cnnlib serve") and "Traceback" not in (
        done.stderr
    )
    assert done.stderr.count("error:") == 1


@pytest.mark.parametrize(
    "flag, value",
    [
        ("--port", "-1"),
        ("--port", "65536"),
        ("--port", "http"),
        ("--max-bytes", "0"),
        ("--max-bytes", "1e6"),
        ("--read-timeout", "0"),
        ("--read-timeout", "nan"),
        ("--max-batch", "0"),
        ("--http", "h3"),
    ],
)
def test_serve_flags_are_refused_in_cli_words(flag, value, tmp_path, capsys):
    """Each bad value of ``cnnlib serve``: exit 2, one line naming the flag (not
    make_server's max_bytes=) and the value, before the model is read."""
    from cnnlib.cli import main

    model = tmp_path / "m.keras"
    model.write_bytes(b"not read: the mistake is found first")
    with pytest.raises(SystemExit) as stop:
        main(["serve", str(model), flag, value])
    assert stop.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[0].startswith("usage: cnnlib serve")
    assert err[-1].startswith(f"cnnlib serve: error: argument {flag}: ")
    assert repr(value) in err[-1]
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", err[-1]), err[-1]  # no max_bytes
