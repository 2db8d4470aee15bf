"""The book's pages in reading order, from ``_toc.yml``: one parser for the
tests and benchmarks that walk every page (tests/test_site.py,
tests/test_repo.py, bench/page_weight.py). Not a Sphinx extension; import it
with ``_ext`` on ``sys.path``."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import yaml

ROOT = Path(__file__).resolve().parents[1]


def toc_docs(root: Path = ROOT) -> list[str]:
    """Every page named in ``root/_toc.yml`` (its ``root`` first, then each
    ``file:`` in order, once), e.g. ``["chapters/intro", ...]``."""
    toc = yaml.safe_load((Path(root) / "_toc.yml").read_text())
    if not isinstance(toc, dict) or "root" not in toc:
        raise ValueError(
            f"{Path(root) / '_toc.yml'}: expected a mapping with a 'root' entry, "
            f"got {toc!r}"
        )
    docs = [toc["root"]]

    def walk(node) -> None:
        if isinstance(node, dict):
            if "file" in node:
                docs.append(node["file"])
            for key, value in node.items():
                if key != "root":
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(toc)
    return list(dict.fromkeys(docs))


def source_of(doc: str, root: Path = ROOT) -> Optional[Path]:
    """The ``.ipynb`` or ``.md`` a page is built from, or ``None``."""
    for ext in (".ipynb", ".md"):
        path = Path(root) / f"{doc}{ext}"
        if path.exists():
            return path
    return None
