"""Checks of the repository's promises: the README's commands, CI, config."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _readme_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    return re.findall(r"```bash\n(.+?)\n```", readme, flags=re.S)


def test_ci_runs_exactly_the_readme_test_command():
    test_cmds = [c for c in _readme_commands() if "pytest --nbval chapters/ tests/" in c]
    assert len(test_cmds) == 1, test_cmds
    ci_lines = (ROOT / ".ci" / "run").read_text().splitlines()
    assert test_cmds[0].strip() in [line.strip() for line in ci_lines]


def test_readme_builds_the_book():
    assert any("jupyter-book build ." in c and "requirements.txt" in c for c in _readme_commands())


def test_jupyter_book_is_pinned_below_2():
    req = (ROOT / "requirements.txt").read_text()
    assert re.search(r"(?m)^jupyter-book>=1\.0\.4,<2$", req)


def test_every_toc_entry_exists_and_every_chapter_is_in_the_toc():
    toc = (ROOT / "_toc.yml").read_text()
    entries = re.findall(r"(?:file|root): (\S+)", toc)
    for entry in entries:
        assert any((ROOT / f"{entry}{ext}").exists() for ext in (".ipynb", ".md")), entry
    notebooks = {f"chapters/{p.stem}" for p in (ROOT / "chapters").glob("*.ipynb")}
    assert notebooks <= set(entries), notebooks - set(entries)


def test_config_has_what_readers_need():
    cfg = (ROOT / "_config.yml").read_text()
    for needle in ("execute_notebooks:", "timeout:", "stderr_output: remove", "branch: main",
                   "colab_url:", "binderhub_url:", "url: https://github.com/",
                   "use_download_button: true"):
        assert needle in cfg, needle
