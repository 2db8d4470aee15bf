"""Every chapter's Colab cell, written from one place.

A chapter opened in Colab has no ``cnnlib``; its second cell installs it. That
cell must install the library the stored outputs were made with (a pinned
tag, not ``@main``, or a page runs against a newer library than it shows) and
must stop "Run all" with a clear message when the install fails (``%pip``
prints pip's error and carries on, so the reader met a confusing
``ModuleNotFoundError`` cells later).

The tag is ``v`` + ``version`` in pyproject.toml: the release step that bumps
the version tags that commit (CONTRIBUTING.md, "Releasing"). This script is
the one place the cell's text lives:

    python _ext/colab_cell.py --check   # exit 1 and name each chapter that differs
    python _ext/colab_cell.py --write   # rewrite the cell in every chapter

tests/book/test_colab_cell.py runs ``--check``'s test and executes the cell
with a fake ``google.colab`` module against an unreachable repository.
Not a Sphinx extension; import it with ``_ext`` on ``sys.path``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPO = "https://github.com/cnn-tf-book/cnns-in-tensorflow"
MARKER = "# Colab only:"

TEMPLATE = """\
# Colab only: install the cnnlib these outputs were made with. Elsewhere: nothing.
import subprocess
import sys

CNNLIB = "cnnlib @ git+{repo}@{ref}"
if "google.colab" in sys.modules:
    pip = [sys.executable, "-m", "pip", "install", "-q", CNNLIB]
    done = subprocess.run(pip, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(
            f"Could not install {{CNNLIB}} (pip exit {{done.returncode}}); check the "
            f"network and run this cell again. pip said:\\n{{done.stderr[-1500:]}}"
        )
    print("installed", CNNLIB)"""


def pinned_ref(root: Path = ROOT) -> str:
    """The git tag the cell installs: ``v`` + pyproject.toml's ``version``."""
    text = (Path(root) / "pyproject.toml").read_text(encoding="utf-8")
    project = text.split("[project]", 1)[-1].split("\n[", 1)[0]
    found = re.search(r'^version\s*=\s*"([^"]+)"\s*$', project, re.MULTILINE)
    if not found:
        raise ValueError(
            f'{Path(root) / "pyproject.toml"}: no version = "..." in [project]'
        )
    return "v" + found.group(1)


def cell_source(ref: str, repo: str = REPO) -> str:
    """The Colab cell's source, installing ``cnnlib`` from ``repo`` at ``ref``."""
    return TEMPLATE.format(repo=repo, ref=ref)


def chapters(root: Path = ROOT) -> list[Path]:
    """The chapter notebooks, in file-name order."""
    return sorted((Path(root) / "chapters").glob("[0-9][0-9]_*.ipynb"))


def colab_cell_index(notebook: dict, path: Path) -> int:
    """The index of ``notebook``'s one code cell that starts with ``# Colab only:``."""
    found = [
        i
        for i, cell in enumerate(notebook["cells"])
        if cell["cell_type"] == "code" and "".join(cell["source"]).startswith(MARKER)
    ]
    if len(found) != 1:
        raise ValueError(
            f"{path}: expected one code cell starting {MARKER!r}, found {len(found)}"
        )
    return found[0]


def stale(root: Path = ROOT) -> list[Path]:
    """The chapters whose Colab cell is not :func:`cell_source` of the pinned ref."""
    want = cell_source(pinned_ref(root))
    out = []
    for path in chapters(root):
        notebook = json.loads(path.read_text(encoding="utf-8"))
        cell = notebook["cells"][colab_cell_index(notebook, path)]
        if "".join(cell["source"]) != want:
            out.append(path)
    return out


def write(root: Path = ROOT) -> list[Path]:
    """Rewrite the Colab cell of every stale chapter; return the chapters changed."""
    want = cell_source(pinned_ref(root))
    changed = stale(root)
    for path in changed:
        notebook = json.loads(path.read_text(encoding="utf-8"))
        cell = notebook["cells"][colab_cell_index(notebook, path)]
        cell["source"] = want.splitlines(keepends=True)
        tmp = path.with_name(path.name + ".tmp")
        text = json.dumps(notebook, indent=1, ensure_ascii=False, sort_keys=True)
        tmp.write_text(text + "\n", encoding="utf-8")
        tmp.replace(path)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument(
        "--check", action="store_true", help="exit 1 if a chapter's cell differs"
    )
    group.add_argument(
        "--write", action="store_true", help="rewrite the cell in every chapter"
    )
    args = parser.parse_args(argv)
    try:
        paths = write() if args.write else stale()
    except (OSError, ValueError) as error:
        print(f"colab_cell: {error}", file=sys.stderr)
        return 1
    for path in paths:
        print(f"{'rewrote' if args.write else 'stale'}: {path.relative_to(ROOT)}")
    return 1 if (args.check and paths) else 0


if __name__ == "__main__":
    sys.exit(main())
