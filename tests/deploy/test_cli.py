"""``cnnlib export``: each format from a saved .keras file; clear one-line errors."""

from __future__ import annotations

from cnnlib import cli


def test_command_line_writes_each_format(bf16_model, tmp_path, capsys):
    path = tmp_path / "m.keras"
    bf16_model.save(path)
    assert cli.main(["export", str(path), str(tmp_path / "models" / "digits")]) == 0
    assert (tmp_path / "models" / "digits" / "1" / "saved_model.pb").exists()
    assert (
        cli.main(
            ["export", str(path), str(tmp_path / "m.tflite"), "--format", "tflite"]
        )
        == 0
    )
    assert (
        cli.main(
            [
                "export",
                str(path),
                str(tmp_path / "m8.tflite"),
                "--format",
                "tflite-int8",
                "--data",
                "sample",
                "--representative",
                "100",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "LiteRT float32" in out and "LiteRT full-integer int8" in out
    assert (
        cli.main(
            ["export", str(path), str(tmp_path / "m.tflite"), "--format", "tflite"]
        )
        == 1
    )
    err = capsys.readouterr().err
    assert (
        "already exists" in err
        and "--overwrite" in err
        and len(err.strip().splitlines()) == 1
    )
    assert (
        cli.main(
            [
                "export",
                str(path),
                str(tmp_path / "m.tflite"),
                "--format",
                "tflite",
                "--overwrite",
            ]
        )
        == 0
    )
