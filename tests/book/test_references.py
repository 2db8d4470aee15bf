"""The references page tells the truth about the chapters.

chapters/references.md has a table "What each chapter cites": for every chapter,
the works it cites with a {cite} role and the source articles it names in its
text. Both columns are compared here with what the notebooks really contain, so
a citation added or removed in a chapter must be added to or removed from the
table too. Every cited key must exist in chapters/references.bib.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = ROOT / "chapters"
CITE = re.compile(r"\{cite(?::[a-z]+)?\}`([^`]+)`")
ARTICLE = re.compile(r"[Aa]rticles? (000|001)\b")


def _markdown(path: Path) -> str:
    """All markdown text of a notebook (citations live only there)."""
    cells = json.loads(path.read_text())["cells"]
    return "\n".join(
        "".join(c["source"]) for c in cells if c["cell_type"] == "markdown"
    )


def _cited(text: str) -> set[str]:
    return {key.strip() for keys in CITE.findall(text) for key in keys.split(",")}


def _chapters() -> dict[int, Path]:
    return {int(p.name[:2]): p for p in sorted(CHAPTERS.glob("[0-9][0-9]_*.ipynb"))}


def _table() -> dict[int, tuple[set[str], set[str]]]:
    """{chapter number: (cited keys, source articles named)} from references.md."""
    text = (CHAPTERS / "references.md").read_text()
    section = text.split("## What each chapter cites", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        m = re.match(r"\|\s*(\d+)\.[^|]*\|([^|]*)\|([^|]*)\|\s*$", line)
        if m:
            articles = set(re.findall(r"\b(000|001)\b", m.group(3)))
            rows[int(m.group(1))] = (_cited(m.group(2)), articles)
    return rows


def test_the_table_has_one_row_per_chapter():
    assert sorted(_table()) == sorted(_chapters())


def test_each_row_lists_exactly_what_its_chapter_cites():
    table = _table()
    for number, path in _chapters().items():
        cited = _cited(_markdown(path))
        assert table[number][0] == cited, (
            f"references.md says chapter {number} cites {sorted(table[number][0])}, "
            f"but {path.name} cites {sorted(cited)}"
        )


def test_each_row_lists_exactly_the_source_articles_its_chapter_names():
    table = _table()
    for number, path in _chapters().items():
        named = set(ARTICLE.findall(_markdown(path)))
        assert table[number][1] == named, (
            f"references.md says chapter {number} follows article(s) "
            f"{sorted(table[number][1])}, but {path.name} names {sorted(named)}"
        )


def test_every_cited_key_is_in_the_bibliography():
    bib = set(re.findall(r"@\w+\{([^,]+),", (CHAPTERS / "references.bib").read_text()))
    pages = list(_chapters().values()) + [
        CHAPTERS / "intro.md",
        CHAPTERS / "references.md",
    ]
    for page in pages:
        text = _markdown(page) if page.suffix == ".ipynb" else page.read_text()
        missing = _cited(text) - bib
        assert not missing, (
            f"{page.name} cites {sorted(missing)}, not in references.bib"
        )


def render_table() -> str:
    """The table as it should read; `python tests/test_references.py` prints it."""
    rows = ["| chapter | cites | names source article |", "| --- | --- | --- |"]
    for path in _chapters().values():
        md = _markdown(path)
        title = md.splitlines()[0].lstrip("# ").strip()
        cites = ", ".join(f"{{cite:t}}`{k}`" for k in sorted(_cited(md))) or "nothing"
        named = sorted(set(ARTICLE.findall(md)))
        rows.append(
            f"| {title} | {cites} | "
            f"{', '.join(f'article {a}' for a in named) or 'none'} |"
        )
    return "\n".join(rows)


def test_rendered_table_is_the_one_on_the_page():
    assert render_table() in (CHAPTERS / "references.md").read_text()


if __name__ == "__main__":
    print(render_table())
