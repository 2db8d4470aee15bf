"""Checks of the repository's promises: the README's commands, CI, config."""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "_ext"))
from book_toc import source_of, toc_docs  # noqa: E402  (the one _toc.yml parser)


def _readme_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    return re.findall(r"```bash\n(.+?)\n```", readme, flags=re.S)


def test_ci_runs_exactly_the_readme_test_command():
    test_cmds = [
        c for c in _readme_commands() if "pytest --nbval chapters/ tests/" in c
    ]
    assert len(test_cmds) == 1, test_cmds
    ci_lines = (ROOT / ".ci" / "run").read_text().splitlines()
    assert test_cmds[0].strip() in [line.strip() for line in ci_lines]


def test_readme_builds_the_book():
    assert any(
        "jupyter-book build ." in c and "requirements.txt" in c
        for c in _readme_commands()
    )


def test_jupyter_book_is_pinned_below_2():
    req = (ROOT / "requirements.txt").read_text()
    assert re.search(r"(?m)^jupyter-book>=1\.0\.4,<2$", req)


def test_every_toc_entry_exists_and_every_chapter_is_in_the_toc():
    entries = toc_docs(ROOT)
    for entry in entries:
        assert source_of(entry, ROOT) is not None, entry
    notebooks = {f"chapters/{p.stem}" for p in (ROOT / "chapters").glob("*.ipynb")}
    assert notebooks <= set(entries), notebooks - set(entries)


def test_config_has_what_readers_need():
    cfg = (ROOT / "_config.yml").read_text()
    for needle in (
        "execute_notebooks:",
        "timeout:",
        "stderr_output: remove",
        "branch: main",
        "colab_url:",
        "binderhub_url:",
        "url: https://github.com/",
        "use_download_button: true",
    ):
        assert needle in cfg, needle


def test_every_build_prepares_the_page_network_first():
    """The draw-a-digit box needs weights that only exist after
    `python -m cnnlib web-weights` ran."""
    prep = "python -m cnnlib web-weights _static/webmodel"
    builds = [c for c in _readme_commands() if "jupyter-book build ." in c]
    assert builds and all(
        prep in c and c.index(prep) < c.index("jupyter-book build .") for c in builds
    )
    workflow = (ROOT / ".github" / "workflows" / "book.yml").read_text()
    assert prep in workflow and workflow.index(prep) < workflow.index(
        "jupyter-book build ."
    )
    assert "_static/webmodel/" in (ROOT / ".gitignore").read_text().splitlines()
    assert prep in (ROOT / "tests" / "web" / "test_site.py").read_text()


def test_every_build_vendors_tensorflow_js_first():
    """Chapter 8's training panel loads _static/vendor/tf.min.js, which only
    `npm ci && npm run vendor` puts there (it is git-ignored)."""
    vendor = "npm ci && npm run vendor && "
    prep = "python -m cnnlib web-weights _static/webmodel"
    builds = [c for c in _readme_commands() if "jupyter-book build ." in c]
    ci = [
        line
        for line in (ROOT / ".ci" / "run").read_text().splitlines()
        if "jupyter-book build ." in line
    ]
    assert builds and ci
    for cmd in builds + ci:
        assert vendor in cmd and cmd.index(vendor) < cmd.index(prep), cmd
    assert "_static/vendor/" in (ROOT / ".gitignore").read_text().splitlines()


def test_every_test_the_readme_names_exists():
    """The Troubleshooting table's last column points at real tests."""
    rows = [
        line
        for line in (ROOT / "README.md").read_text().splitlines()
        if line.startswith("|") and "tests/" in line
    ]
    named = 0
    for row in rows:
        current = None
        for ref in re.findall(r"`(tests/[^`]+?)`", row):
            path, _, test = ref.partition("::")
            if "<package>" in path:
                paths = sorted(ROOT.glob(path.replace("<package>", "*")))
                assert len(paths) >= 5, ref
            else:
                paths = [ROOT / path]
                assert paths[0].exists(), f"README names {path}, which does not exist"
            current = paths
            if test:
                for p in paths:
                    assert re.search(rf"^def {test}\(", p.read_text(), re.M), (
                        f"{ref}: no such test"
                    )
                named += 1
        for test in re.findall(r"`::(test_\w+)`", row):
            assert current, row
            assert any(
                re.search(rf"^def {test}\(", p.read_text(), re.M) for p in current
            ), f"{test}: not in {current}"
            named += 1
    assert named >= 15, named
