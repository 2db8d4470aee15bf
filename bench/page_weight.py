"""Page weight of every page of the book, as a reader downloads it.

For each page in ``_toc.yml`` this builds the book (into a temporary folder,
or reads an existing build with ``--html _build/html``) and reports

* ``html``: the HTML file itself, which includes everything embedded inline:
  base64 images, ``to_jshtml`` animation frames, inline scripts;
* ``inline data``: how much of that is ``data:`` URIs (images and frames);
* ``images``: the page's own image files under ``_images/`` it links;
* ``fetched``: files the page's script downloads (the draw-a-digit weights) and the
  scripts only it loads (chapter 8's training panel: TensorFlow.js, the digits);
* ``page total``: html + images + fetched, the page-specific download (goal < 2 MB,
  reported: chapter 8's TensorFlow.js and digits alone are 2.6 MB);
* ``gzip``: the same, gzip-compressed as a web server may send it;
* ``anims/frames``: the ``to_jshtml`` animations on the page and their frames.

The theme's shared assets (``_static/``, ``searchindex.js``), downloaded
once and cached for every page, are reported on a separate line.

    python bench/page_weight.py [--html _build/html] [--strict]

``--strict`` exits with status 1 when a page's HTML is over 2 MB (issue 22's
requirement; tests/web/test_site.py asserts the same on its build). This is a
benchmark: it prints figures; no test asserts on them.
"""

from __future__ import annotations

import argparse
import gzip
import re
import subprocess
import sys
import tempfile
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "_ext"))
from book_toc import toc_docs  # noqa: E402  (one _toc.yml parser for tests and benches)
from page_only_js import PAGE_ONLY  # noqa: E402  (scripts only their own page loads)

GOAL = 2_000_000  # bytes per page
#: Files a page's script loads when the page holds the element (chapter 8's
#: draw-a-digit box loads the network's weights written by `cnnlib web-weights`).
FETCHED = {"cnn-draw-digit": "_static/webmodel/small.js"}


def build(out: Path) -> Path:
    """The README's build: the page network's weights first, then the book."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "cnnlib",
            "web-weights",
            str(ROOT / "_static" / "webmodel"),
        ],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    exe = Path(sys.executable).with_name("jupyter-book")
    cmd = [
        str(exe) if exe.exists() else "jupyter-book",
        "build",
        str(ROOT),
        "--path-output",
        str(out),
    ]
    subprocess.run(cmd, check=True, capture_output=True, text=True)
    return out / "_build" / "html"


def mb(n: int) -> str:
    return f"{n / 1e6:.2f} MB" if n >= 100_000 else f"{n / 1e3:.0f} kB"


def page_weight(html_dir: Path, doc: str) -> dict:
    path = html_dir / f"{doc}.html"
    text = path.read_text(encoding="utf-8")
    raw = text.encode("utf-8")
    inline = sum(
        len(m.group(0))
        for m in re.finditer(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=\\\s]+", text)
    )
    images: dict[Path, bytes] = {}
    for src in re.findall(r'<img[^>]+src="([^"]+)"', text):
        if src.startswith(("data:", "http://", "https://")):
            continue
        target = (path.parent / urllib.parse.unquote(src.split("?")[0])).resolve()
        if "_images" in target.parts and target.exists():
            images[target] = target.read_bytes()
    for marker, rel in FETCHED.items():
        if f'class="{marker}"' in text and (html_dir / rel).exists():
            images[html_dir / rel] = (html_dir / rel).read_bytes()
    # <script src> of files only this page loads (chapter 8's training panel:
    # TensorFlow.js, the digits, the panel); a missing one (not vendored) is
    # reported, not counted silently as 0.
    for src in re.findall(r'<script[^>]+src="([^"]+)"', text):
        target = (path.parent / urllib.parse.unquote(src.split("?")[0])).resolve()
        rel = (
            target.relative_to(html_dir.resolve()).as_posix()
            if html_dir.resolve() in target.parents
            else ""
        )
        if rel.startswith(PAGE_ONLY):
            if target.exists():
                images[target] = target.read_bytes()
            else:
                print(
                    f"warning: {path.name} loads {rel}, which is missing",
                    file=sys.stderr,
                )
    fetched = sum(len(b) for p, b in images.items() if "_images" not in p.parts)
    image_bytes = sum(len(b) for b in images.values()) - fetched
    zipped = len(gzip.compress(raw)) + sum(
        len(gzip.compress(b)) for b in images.values()
    )
    anims = len(re.findall(r'<img id="_anim_img', text))
    frames = sum(int(n) for n in re.findall(r"var frames = new Array\((\d+)\);", text))
    return {
        "doc": doc,
        "html": len(raw),
        "inline": inline,
        "images": image_bytes,
        "fetched": fetched,
        "total": len(raw) + image_bytes + fetched,
        "gzip": zipped,
        "anims": anims,
        "frames": frames,
    }


def shared_assets(html_dir: Path) -> int:
    files = list((html_dir / "_static").rglob("*")) + [html_dir / "searchindex.js"]
    return sum(f.stat().st_size for f in files if f.is_file())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--html", type=Path, help="an existing build (default: build the book now)"
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="exit 1 when a page's HTML is over 2 MB",
    )
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        html_dir = args.html if args.html else build(Path(tmp))
        rows, missing = [], []
        for doc in toc_docs():
            if (html_dir / f"{doc}.html").exists():
                rows.append(page_weight(html_dir, doc))
            else:
                missing.append(doc)
        shared = shared_assets(html_dir)

    head = (
        "page",
        "html",
        "inline data",
        "images",
        "fetched",
        "page total",
        "gzip",
        "anims/frames",
        "html <= 2 MB",
        "total < 2 MB",
    )
    table = [head] + [
        (
            r["doc"].rsplit("/", 1)[-1],
            mb(r["html"]),
            mb(r["inline"]),
            mb(r["images"]),
            mb(r["fetched"]),
            mb(r["total"]),
            mb(r["gzip"]),
            f"{r['anims']}/{r['frames']}",
            "yes" if r["html"] <= GOAL else "NO",
            "yes" if r["total"] < GOAL else "no",
        )
        for r in rows
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(head))]
    for n, row in enumerate(table):
        print(
            "  ".join(
                cell.ljust(w) if i == 0 else cell.rjust(w)
                for i, (cell, w) in enumerate(zip(row, widths))
            )
        )
        if n == 0:
            print("  ".join("-" * w for w in widths))
    print(
        "\nshared theme files on disk (_static/, searchindex.js; cached, a page "
        f"loads only some): {mb(shared)}"
    )
    if rows:
        heaviest = max(rows, key=lambda r: r["total"])
        print(
            f"heaviest page: {heaviest['doc']} at {mb(heaviest['total'])} "
            f"= {heaviest['total'] / GOAL:.2f} x the 2 MB goal"
        )
    if missing:
        print(f"not built (listed in _toc.yml, no page): {', '.join(missing)}")
    over = [r["doc"] for r in rows if r["html"] > GOAL]
    if over:
        print(f"HTML over 2 MB: {', '.join(over)}")
    return 1 if (args.strict and over) else 0


if __name__ == "__main__":
    sys.exit(main())
