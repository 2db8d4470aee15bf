"""The book as readers meet it: built, served on loopback, and driven in a real
headless Chromium (Debian's ``chromium`` + ``chromium-driver`` through Selenium;
nothing is downloaded).

For every page listed in ``_toc.yml`` the test checks that

* the page renders its title (the ``# ...`` heading of its source);
* the browser console shows no errors (see "Offline" below);
* every embedded ``FuncAnimation.to_jshtml()`` animation steps when its
  controls are clicked: the frame ``<img>`` changes on *Next frame* and *Last
  frame*, and comes back on *Previous frame* and *First frame*;
* a chapter notebook's launch buttons open *this* notebook in Colab and Binder
  (and every Colab link on the page, e.g. the badge, points at it too);
* every same-origin link, image, script and stylesheet answers 200, every
  ``#fragment`` exists on its target page, and every same-origin or inline
  (``data:``) image decodes in the browser;
* text is readable at a 1280 px window (issue 12): each animation's smallest
  text (``LABEL_PT`` points at the dpi its frames' PNG records) times the
  displayed/natural width of its image is >= 11 px, and no figure image is
  shrunk below 80 % of its natural size (cnnlib's figures use 11 pt text,
  matplotlib's ticks 10 pt = 13.9 px at the inline backend's 100 dpi);
* exercise solutions (cells tagged ``hide-cell``) are hidden, code and
  output, until the reader opens them; every ``# Solution`` cell is tagged so;
* an ipywidgets output (dead without a kernel) is replaced by a note with
  this notebook's Colab and Binder links.

The kernel-free widgets of ``_static/cnn-book.js`` are driven like a reader
would: chapter 2's convolution explorer matches ``cnnlib.ops.conv2d`` (on
cases exported from Python and through its controls); chapter 8's draw-a-digit
box answers a stroke drawn with pointer events, and its in-page network gives
Keras' digit and logits (within 1e-3) on 20 test digits.

The build runs the README's preparation first, ``python -m cnnlib web-weights
_static/webmodel`` (the small network's weights for the draw-a-digit box).

Full-page screenshots go to ``test-artifacts/site/`` (git-ignored).

Offline: the site references a few things on other hosts (MathJax on a CDN, the
Colab badge image, Font Awesome 4 CSS that matplotlib's animation template
links). On a machine without internet these fail with a ``net::ERR_...``
network error; such failures of *non-loopback* URLs are expected and ignored,
and only them. A failed loopback resource, an HTTP error status from any host,
and every JavaScript exception or ``console.error`` fail the test. Chromium
also asks for ``/favicon.ico`` on its own; a 404 for it is ignored only when
the page declares no icon of its own.

Without Chromium the test is skipped with that reason, except under CI
(``CI`` set, as GitHub Actions does), where it fails: ``.ci/run`` installs it.
"""

from __future__ import annotations

import base64
import functools
import html
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "_ext"))
from book_toc import source_of, toc_docs  # noqa: E402  (the one _toc.yml parser)

from .cases import conv_cases  # noqa: E402

WEBMODEL = ROOT / "_static" / "webmodel"
TF_JS = ROOT / "_static" / "vendor" / "tf.min.js"  # `npm run vendor` writes it
PREP = [
    sys.executable,
    "-m",
    "cnnlib",
    "web-weights",
    str(WEBMODEL),
]  # as the README runs it
MIN_TEXT_PX = 11.0
# A phone, as issue 22 tried the book: 390x844 CSS pixels with touch.
PHONE_WIDTH, PHONE_HEIGHT = 390, 844
MIN_TAP_PX = 24.0  # WCAG 2.5.8's smallest target
MIN_FIGURE_SCALE = 0.8
ARTIFACTS = ROOT / "test-artifacts" / "site"

# Where the book is published from; the launch buttons must open this repository.
GITHUB_REPO = "cnn-tf-book/cnns-in-tensorflow"
BRANCH = "main"

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}
ANSI = re.compile(r"\x1b\[[0-9;]*m")


# --------------------------------------------------------------------------
# the pages, from _toc.yml (so new chapters are covered automatically)
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class Page:
    doc: str  # e.g. "chapters/01_what_is_a_cnn"
    source: Path | None  # the .ipynb or .md it is built from

    @property
    def is_notebook(self) -> bool:
        return self.source is not None and self.source.suffix == ".ipynb"


def _pages() -> list[Page]:
    return [Page(doc, source_of(doc, ROOT)) for doc in toc_docs(ROOT)]


PAGES = _pages()


def _markdown_heading(page: Page) -> str | None:
    """The text of the first ``# `` heading in the page's source."""
    if page.source is None:
        return None
    if page.is_notebook:
        cells = json.loads(page.source.read_text())["cells"]
        lines = [
            line
            for c in cells
            if c["cell_type"] == "markdown"
            for line in "".join(c["source"]).splitlines()
        ]
    else:
        lines = page.source.read_text().splitlines()
    for line in lines:
        if line.startswith("# "):
            text = line[2:].strip()
            text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)  # links, images
            text = re.sub(r"[`*]|\$", "", text)
            return " ".join(text.split())
    return None


# --------------------------------------------------------------------------
# Chromium: required under CI, skipped with a reason elsewhere
# --------------------------------------------------------------------------
def _under_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _chromium_paths() -> tuple[str, str]:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    missing = [
        name
        for name, path in (("chromium", browser), ("chromedriver", driver))
        if not path
    ]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("the selenium package")
    if missing:
        reason = (
            f"{' and '.join(missing)} not found; install Debian's chromium and "
            f"chromium-driver (apt-get install chromium chromium-driver) to run the "
            "browser test"
        )
        if _under_ci():
            pytest.fail(f"CI is set but {reason}", pytrace=False)
        pytest.skip(reason)
    return browser, driver


# --------------------------------------------------------------------------
# fixtures: build once, serve on loopback, one browser for all pages
# --------------------------------------------------------------------------
@dataclass
class Build:
    html: Path
    warnings: list[str]
    seconds: float


@pytest.fixture(scope="module")
def chromium() -> tuple[str, str]:
    return _chromium_paths()


def _vendor_tensorflow_js() -> None:
    """As the README does before building: ``npm ci && npm run vendor`` puts
    TensorFlow.js in ``_static/vendor/`` for chapter 8's training panel (run
    only when it is missing). Without npm: skipped locally, failed under CI."""
    if TF_JS.exists():
        return
    npm = shutil.which("npm")
    if npm is None:
        reason = (
            f"npm not found and {TF_JS.relative_to(ROOT)} is missing; install "
            "Node.js and npm (apt-get install nodejs npm), then run "
            "`npm ci && npm run vendor`"
        )
        if _under_ci():
            pytest.fail(f"CI is set but {reason}", pytrace=False)
        pytest.skip(reason)
    for step in (["ci"], ["run", "vendor"]):
        proc = subprocess.run(
            [npm, *step], capture_output=True, text=True, timeout=600, cwd=ROOT
        )
        assert proc.returncode == 0, (
            f"npm {' '.join(step)} failed:\n{(proc.stdout + proc.stderr)[-4000:]}"
        )
    assert TF_JS.exists(), f"npm run vendor did not write {TF_JS}"


@pytest.fixture(scope="module")
def build(site_build, chromium) -> Build:
    """The book built once for this session (tests/web/conftest.py: shared with
    tests/web/test_tfjs.py, so a run of tests/web builds it once)."""
    return site_build


def build_book(tmp_path_factory) -> Build:
    """``jupyter-book build`` of this checkout into a temporary folder (the
    repository's own ``_build`` is left alone)."""
    out = tmp_path_factory.mktemp("book")
    _vendor_tensorflow_js()
    prep = subprocess.run(PREP, capture_output=True, text=True, timeout=900, cwd=ROOT)
    assert prep.returncode == 0, (
        f"python -m cnnlib web-weights _static/webmodel failed:\n{prep.stderr[-4000:]}"
    )
    exe = Path(sys.executable).with_name("jupyter-book")
    cmd = [
        str(exe) if exe.exists() else (shutil.which("jupyter-book") or "jupyter-book"),
        "build",
        str(ROOT),
        "--path-output",
        str(out),
        "-n",
        "--keep-going",
    ]
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=ROOT)
    seconds = time.perf_counter() - start
    log = ANSI.sub("", proc.stdout + proc.stderr)
    assert proc.returncode == 0, f"jupyter-book build failed:\n{log[-4000:]}"
    html_dir = out / "_build" / "html"
    assert (html_dir / "index.html").exists(), log[-4000:]
    warnings = [line.strip() for line in log.splitlines() if "WARNING:" in line]
    return Build(html_dir, warnings, seconds)


@pytest.fixture(scope="module")
def base_url(build):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:  # no access log on stderr
            pass

    handler = functools.partial(Quiet, directory=str(build.html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _chrome(chromium, profile: Path, phone: bool = False):
    """Headless Chromium: a 1280x1000 window, or (``phone``) Chromium's mobile
    emulation of a PHONE_WIDTH x PHONE_HEIGHT touch screen."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    browser, chromedriver = chromium
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-sync",
        "--disable-quic",
        "--disable-default-apps",
        "--window-size=1280,1000",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(arg)
    if phone:
        metrics = {"width": PHONE_WIDTH, "height": PHONE_HEIGHT, "pixelRatio": 1.0}
        options.add_experimental_option(
            "mobileEmulation", {"deviceMetrics": {**metrics, "touch": True}}
        )
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SE_OFFLINE", "true")  # Selenium Manager must never download anything
        drv = webdriver.Chrome(
            service=Service(executable_path=chromedriver), options=options
        )
    drv.set_page_load_timeout(60)
    return drv


@pytest.fixture(scope="module")
def driver(chromium, tmp_path_factory):
    drv = _chrome(chromium, tmp_path_factory.mktemp("chromium-profile"))
    if ARTIFACTS.exists():
        shutil.rmtree(ARTIFACTS)
    ARTIFACTS.mkdir(parents=True)
    try:
        yield drv
    finally:
        drv.quit()


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------
_fetched: dict[str, tuple[int, bytes]] = {}


def _fetch(url: str) -> tuple[int, bytes]:
    if url not in _fetched:
        try:
            with urllib.request.urlopen(url, timeout=20) as resp:
                _fetched[url] = (resp.status, resp.read())
        except urllib.error.HTTPError as err:
            _fetched[url] = (err.code, b"")
    return _fetched[url]


def _is_loopback(url: str) -> bool:
    return (urllib.parse.urlsplit(url).hostname or "") in LOOPBACK_HOSTS


def _console_errors(
    entries: list[dict], base_url: str, page_has_icon: bool
) -> list[str]:
    """SEVERE console entries, less the documented offline failures."""
    errors = []
    for entry in entries:
        if entry.get("level") != "SEVERE":
            continue
        message = entry.get("message", "")
        url = message.split(" ", 1)[0]
        offline = (
            entry.get("source") == "network"
            and url.startswith(("http://", "https://"))
            and not _is_loopback(url)
            and "Failed to load resource: net::ERR_" in message
        )
        auto_favicon = (
            url == f"{base_url}/favicon.ico"
            and not page_has_icon
            and "status of 404" in message
        )
        if not (offline or auto_favicon):
            errors.append(message)
    return errors


def _save_screenshot(drv, name: str) -> None:
    """The whole page, down to 12,000 CSS pixels (Chromium refuses taller captures)."""
    width, height = drv.execute_script(
        "const e = document.documentElement; return [e.scrollWidth, e.scrollHeight];"
    )
    clip = {"x": 0, "y": 0, "width": width, "height": min(height, 12_000), "scale": 1}
    shot = drv.execute_cdp_cmd(
        "Page.captureScreenshot",
        {"format": "png", "captureBeyondViewport": True, "clip": clip},
    )
    (ARTIFACTS / f"{name}.png").write_bytes(base64.b64decode(shot["data"]))


def _click(drv, element) -> None:
    drv.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
    element.click()


def _wait_for(predicate, timeout: float = 3.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def _check_animations(drv, page_html: str) -> list[str]:
    from selenium.webdriver.common.by import By

    problems = []
    in_source = len(re.findall(r'<img id="_anim_img', page_html))
    animations = drv.find_elements(By.CSS_SELECTOR, "div.animation")
    if len(animations) != in_source:
        problems.append(
            f"{in_source} to_jshtml animations in the HTML, {len(animations)} in the "
            "page"
        )
    for number, anim in enumerate(animations, 1):
        img = anim.find_element(By.TAG_NAME, "img")

        def src(img=img) -> str:
            return img.get_attribute("src") or ""

        def button(title, anim=anim):
            return anim.find_element(By.CSS_SELECTOR, f"button[title='{title}']")

        first = src()
        if not first.startswith("data:image/"):
            problems.append(
                f"animation {number}: no frame shown (img src {first[:40]!r})"
            )
            continue
        steps = [
            (
                "Next frame",
                lambda src=src, first=first: src() != first,
                "did not change the frame",
            ),
            (
                "Previous frame",
                lambda src=src, first=first: src() == first,
                "did not return to the first frame",
            ),
            (
                "Last frame",
                lambda src=src, first=first: src() != first,
                "did not change the frame",
            ),
            (
                "First frame",
                lambda src=src, first=first: src() == first,
                "did not return to the first frame",
            ),
        ]
        for title, ok, failure in steps:
            _click(drv, button(title))
            if not _wait_for(ok):
                problems.append(f"animation {number}: '{title}' {failure}")
                break
    return problems


def _check_launch_buttons(drv, page: Page) -> list[str]:
    from selenium.webdriver.common.by import By

    notebook = f"{page.doc}.ipynb"
    want = {
        "Colab": f"https://colab.research.google.com/github/{GITHUB_REPO}/blob/{BRANCH}/{notebook}",
        "Binder": f"https://mybinder.org/v2/gh/{GITHUB_REPO}/{BRANCH}?urlpath=tree/{notebook}",
    }
    problems = []
    menus = drv.find_elements(By.CSS_SELECTOR, ".dropdown-launch-buttons")
    if not menus:
        return ["no launch-buttons menu in the page header"]
    toggle = menus[0].find_element(By.CSS_SELECTOR, "button")
    _click(drv, toggle)
    links = menus[0].find_elements(By.CSS_SELECTOR, "a")
    hrefs = {a.get_attribute("title") or a.text: a.get_attribute("href") for a in links}
    for name, url in want.items():
        matching = [a for a in links if a.get_attribute("href") == url]
        if not matching:
            problems.append(f"no {name} launch button for {url} (found {hrefs})")
        elif not _wait_for(matching[0].is_displayed, 2):
            problems.append(
                f"the {name} launch button does not show when the menu is opened"
            )
    _click(drv, toggle)  # close the menu again
    colab_prefix = "https://colab.research.google.com/github/"
    for a in drv.find_elements(By.CSS_SELECTOR, f"a[href^='{colab_prefix}']"):
        if a.get_attribute("href") != want["Colab"]:
            problems.append(
                f"a Colab link opens {a.get_attribute('href')}, not {want['Colab']}"
            )
    return problems


_ASSETS_JS = """
const out = [];
for (const a of document.querySelectorAll('a[href]')) out.push(['link', a.href]);
for (const e of document.querySelectorAll('img[src], script[src]'))
  out.push([e.tagName.toLowerCase(), e.src]);
for (const l of document.querySelectorAll('link[href]'))
  out.push(['link rel=' + l.rel, l.href]);
return out;
"""

_BROKEN_IMAGES_JS = """
return Array.from(document.images)
  .filter(i => i.src &&
    (i.src.startsWith(location.origin) || i.src.startsWith('data:')))
  .filter(i => !(i.complete && i.naturalWidth > 0))
  .map(i => i.src.slice(0, 120));
"""


def _check_links(drv, base_url: str) -> list[str]:
    problems = []
    for kind, url in drv.execute_script(_ASSETS_JS):
        if not url.startswith(base_url + "/"):
            continue
        target, _, fragment = url.partition("#")
        status, body = _fetch(target)
        if status != 200:
            problems.append(f"{kind} {url} answers {status}")
        elif fragment and target.split("?")[0].endswith(".html"):
            anchor = html.escape(urllib.parse.unquote(fragment))
            if not re.search(
                rf'\b(id|name)="{re.escape(anchor)}"', body.decode("utf-8", "replace")
            ):
                problems.append(
                    f"{kind} {url}: no element with id {fragment!r} on its page"
                )
    for src in drv.execute_script(_BROKEN_IMAGES_JS):
        problems.append(f"image does not load or decode: {src}")
    return problems


def _png_dpi(data_uri: str):
    """The horizontal dpi a ``data:image/png;base64,...`` image records (None if
    none)."""
    import io

    from PIL import Image

    payload = data_uri.split(",", 1)[1]
    dpi = Image.open(io.BytesIO(base64.b64decode(payload))).info.get("dpi")
    return float(dpi[0]) if dpi else None


_IMAGES_JS = """
return Array.from(document.querySelectorAll('.cell_output img')).map(i => {
  const anim = i.closest('div.animation');
  const hidden = i.closest('.cnn-kernel-widget');
  return {anim: !!anim, src: anim ? i.src : i.src.slice(0, 100), hidden: !!hidden,
          shown: i.getBoundingClientRect().width, natural: i.naturalWidth};
});
"""


def _check_text_sizes(drv, window: str = "1280 px", figures: bool = True) -> list[str]:
    """Smallest animation text >= 11 px as shown; figures not shrunk below 80 %
    (unless not ``figures``). ``window`` names the window in messages.

    An animation frame's text is never below ``LABEL_PT`` points
    (tests/figures/test_sizing.py checks every frame as it is written), so
    its smallest text in the PNG is ``LABEL_PT * dpi / 72`` pixels, with the
    dpi matplotlib records in the PNG.
    """
    from cnnlib.figures import LABEL_PT

    problems = []
    anim_no = 0
    for img in drv.execute_script(_IMAGES_JS):
        if img["hidden"]:
            continue
        if not img["natural"] or not img["shown"]:
            problems.append(f"an output image is not shown ({img['src'][:60]!r})")
            continue
        scale = img["shown"] / img["natural"]
        if img["anim"]:
            anim_no += 1
            dpi = (
                _png_dpi(img["src"])
                if img["src"].startswith("data:image/png")
                else None
            )
            if dpi is None:
                problems.append(
                    f"animation {anim_no}: its frames record no dpi; "
                    "make them with matplotlib's to_jshtml"
                )
                continue
            natural_px = LABEL_PT * dpi / 72
            px = natural_px * scale
            if px < MIN_TEXT_PX:
                problems.append(
                    f"animation {anim_no}: smallest text {px:.1f} px at {window} "
                    f"({natural_px:.1f} px in a {img['natural']} px frame shown "
                    f"{img['shown']:.0f} px wide); needs >= {MIN_TEXT_PX:g}"
                )
        elif figures and scale < MIN_FIGURE_SCALE:
            problems.append(
                f"a figure {img['natural']} px wide is shrunk to {img['shown']:.0f} px "
                f"({scale:.0%}); its text falls below {MIN_TEXT_PX:g} px: draw it "
                f"narrower (fewer panels per row) ({img['src'][:50]}...)"
            )
    return problems


def _solution_cells(page: Page) -> list[tuple[int, list[str]]]:
    """(cell number, tags) of every ``# Solution`` code cell in the notebook."""
    cells = json.loads(page.source.read_text())["cells"]
    return [
        (n, c.get("metadata", {}).get("tags", []))
        for n, c in enumerate(cells)
        if c["cell_type"] == "code"
        and "".join(c["source"]).lstrip().startswith("# Solution")
    ]


def _check_solutions(drv, page: Page) -> list[str]:
    """Every solution tagged hide-cell; on the page, code and output hidden until
    opened."""
    from selenium.webdriver.common.by import By

    problems = []
    cells = json.loads(page.source.read_text())["cells"]
    hidden_in_source = [
        c for c in cells if "hide-cell" in c.get("metadata", {}).get("tags", [])
    ]
    for n, tags in _solution_cells(page):
        if "hide-cell" not in tags:
            problems.append(
                f"solution cell {n} is tagged {tags}, not hide-cell: its answer shows "
                "on the page before the reader opens it"
            )
    shown = drv.find_elements(By.CSS_SELECTOR, "div.cell.tag_hide-cell")
    if len(shown) != len(hidden_in_source):
        problems.append(
            f"{len(hidden_in_source)} hide-cell cells in the notebook, "
            f"{len(shown)} on the page"
        )
    for k, (cell, src) in enumerate(zip(shown, hidden_in_source), 1):
        parts = cell.find_elements(By.CSS_SELECTOR, ".cell_input, .cell_output")
        want = 1 + (1 if src.get("outputs") else 0)
        if len(parts) < want:
            problems.append(
                f"hide-cell cell {k}: {len(parts)} of its input/output parts on "
                "the page"
            )
            continue
        if any(p.is_displayed() for p in parts):
            problems.append(
                f"hide-cell cell {k}: code or output visible before it is opened"
            )
            continue
        summaries = cell.find_elements(By.CSS_SELECTOR, "summary")
        if not summaries:
            problems.append(f"hide-cell cell {k}: nothing to click to open it")
            continue
        _click(drv, summaries[0])
        if not _wait_for(lambda parts=parts: all(p.is_displayed() for p in parts), 3):
            problems.append(
                f"hide-cell cell {k}: opening it does not show its code and output"
            )
    return problems


def _check_kernel_widgets(drv, page: Page) -> list[str]:
    """ipywidgets outputs: a visible note with this notebook's launch links instead."""
    found = drv.execute_script("""
      return Array.from(document.querySelectorAll(
          'script[type="application/vnd.jupyter.widget-view+json"]')).map(s => {
        const out = s.closest('.cell_output');
        const note = out && out.querySelector('.cnn-kernel-note');
        return {note: !!note,
                visible: !!note && note.getBoundingClientRect().height > 0,
                links: note ? Array.from(note.querySelectorAll('a')).map(a => a.href)
                            : []};
      });""")
    notebook = f"{page.doc}.ipynb"
    colab = f"https://colab.research.google.com/github/{GITHUB_REPO}/blob/{BRANCH}/{notebook}"
    problems = []
    for k, w in enumerate(found, 1):
        if not w["visible"]:
            problems.append(
                f"widget output {k}: no visible note saying it needs a kernel"
            )
        elif colab not in w["links"]:
            problems.append(
                f"widget output {k}: its note does not link {colab} "
                f"(links {w['links']})"
            )
    return problems


# --------------------------------------------------------------------------
# the tests
# --------------------------------------------------------------------------
def test_book_builds_without_warnings(build):
    # A warning here is a broken reference, a missing toc entry, a bad image...
    assert not build.warnings, "jupyter-book build warned:\n" + "\n".join(
        build.warnings
    )


def test_site_root_opens_the_introduction(driver, base_url):
    driver.get(base_url + "/")
    root = PAGES[0].doc
    assert _wait_for(lambda: driver.current_url.endswith(f"/{root}.html"), 5), (
        driver.current_url
    )


@pytest.mark.parametrize("page", PAGES, ids=[p.doc.rsplit("/", 1)[-1] for p in PAGES])
def test_page_in_the_browser(page, driver, base_url, build):
    from selenium.webdriver.common.by import By

    if page.source is None:
        pytest.fail(f"{page.doc} is in _toc.yml but has no source file", pytrace=False)
    url = f"{base_url}/{page.doc}.html"
    status, body = _fetch(url)
    assert status == 200, f"{url} answers {status}"
    page_html = body.decode("utf-8", "replace")

    driver.get_log("browser")  # drop what earlier pages logged
    driver.get(url)
    assert _wait_for(
        lambda: driver.execute_script("return document.readyState") == "complete", 20
    )
    problems: list[str] = []

    # The title: the source's "# ..." heading, shown as the page's <h1> and in <title>.
    want = _markdown_heading(page)
    h1s = driver.find_elements(By.CSS_SELECTOR, "article.bd-article h1")
    shown = (
        driver.execute_script(
            "const h = arguments[0].cloneNode(true);"
            "h.querySelectorAll('a.headerlink').forEach(a => a.remove());"
            "return h.textContent.trim();",
            h1s[0],
        )
        if h1s
        else None
    )
    if not want:
        problems.append(f"{page.source.name} has no '# ' title heading")
    elif not h1s or not h1s[0].is_displayed():
        problems.append("no visible <h1> in the article")
    elif " ".join(shown.split()) != want:
        problems.append(f"<h1> reads {shown!r}, the source's title is {want!r}")
    elif not driver.title.startswith(want):
        problems.append(
            f"<title> is {driver.title!r}, expected it to start with {want!r}"
        )

    problems += _check_animations(driver, page_html)
    if page.is_notebook:
        problems += _check_launch_buttons(driver, page)
        problems += _check_kernel_widgets(driver, page)
        problems += _check_solutions(
            driver, page
        )  # leaves them open, for the size check
    problems += _check_text_sizes(driver)
    problems += _check_links(driver, base_url)

    has_icon = bool(driver.find_elements(By.CSS_SELECTOR, "link[rel~='icon']"))
    for message in _console_errors(driver.get_log("browser"), base_url, has_icon):
        problems.append(f"console error: {message}")

    _save_screenshot(driver, page.doc.replace("/", "__"))
    assert not problems, f"{url}:\n  " + "\n  ".join(problems)


# --------------------------------------------------------------------------
# on a phone: 390x844, touch (issue 22)
# --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def phone(chromium, tmp_path_factory):
    drv = _chrome(chromium, tmp_path_factory.mktemp("chromium-phone"), phone=True)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        yield drv
    finally:
        drv.quit()


# What sticks out: the page's width; each widget or animation whose content is
# wider than its box or that ends past the screen; and any visible element that
# scrolls sideways inside itself (overflow-x auto or scroll, scrollWidth >
# clientWidth + 1). Two kinds of box pan on purpose and are left out of that
# last check, so only the box itself must fit the column: a code listing
# (<pre>: Python's lines are not re-broken) and the explorer's .cnn-pan (a
# 28x28 grid of 24 px tap targets is 672 px). An animation is not among them:
# its frame scales to the column (it pans only after the reader taps it).
_PHONE_WIDTHS_JS = """
const doc = document.documentElement, out = {page: doc.scrollWidth, inside: []};
const boxes = document.querySelectorAll(
  '.cnn-widget, .cnn-widget *, div.animation, div.animation *');
for (const b of boxes) {
  if (b.closest('.cnn-pan') && !b.matches('.cnn-pan')) continue;
  const r = b.getBoundingClientRect();
  if (!r.width) continue;
  const wide = b.matches('.cnn-pan') ? 0 : b.scrollWidth - b.clientWidth;
  if (wide > 1 || r.right > doc.clientWidth + 0.5)
    out.inside.push(`${b.tagName.toLowerCase()}.${b.className}: `
      + `${Math.round(r.width)} px wide, ending at ${Math.round(r.right)} px, `
      + `content ${b.scrollWidth} px`);
}
for (const e of document.querySelectorAll('body *')) {
  if (e.scrollWidth <= e.clientWidth + 1) continue;
  const cs = getComputedStyle(e), r = e.getBoundingClientRect();
  if (!['auto', 'scroll'].includes(cs.overflowX)) continue;
  if (!r.width || !r.height || cs.visibility === 'hidden') continue;
  if (e.closest('pre') || e.matches('.cnn-pan')) continue;
  out.inside.push(`${e.tagName.toLowerCase()}.${e.className} scrolls sideways inside: `
    + `content ${e.scrollWidth} px in ${e.clientWidth} px`);
}
return out;
"""

# Each animation's frame as the phone shows it: its width, the column's, and
# whether a tap shows it at full size.
_ANIMATION_FRAMES_JS = """
return Array.from(document.querySelectorAll('div.animation .cnn-anim-frame')).map(f => {
  const img = f.querySelector('img');
  return {shown: img.getBoundingClientRect().width, natural: img.naturalWidth,
          column: f.clientWidth, zoomable: f.classList.contains('cnn-anim-zoomable'),
          full: f.classList.contains('cnn-anim-full')};
});
"""

_TAP_TARGETS_JS = """
return Array.from(document.querySelectorAll(
    'div.animation button, div.animation input, .cnn-conv-explorer button.cnn-cell'))
  .map(b => [b.getAttribute('aria-label') || b.title || b.type || b.tagName,
             b.getBoundingClientRect().width, b.getBoundingClientRect().height])
  .filter(t => t[1] > 0 && Math.min(t[1], t[2]) < arguments[0]);
"""


def _explorer_settings(box, settings) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    for name, value in settings:
        Select(
            box.find_element(By.CSS_SELECTOR, f"select[name='{name}']")
        ).select_by_value(value)


def _open_phone(phone, base_url: str, page: Page) -> None:
    phone.get(f"{base_url}/{page.doc}.html")
    assert _wait_for(
        lambda: phone.execute_script("return document.readyState") == "complete", 20
    )
    assert phone.execute_script("return matchMedia('(pointer: coarse)').matches;"), (
        "the phone emulation has no touch screen"
    )


@pytest.mark.parametrize("page", PAGES, ids=[p.doc.rsplit("/", 1)[-1] for p in PAGES])
def test_page_is_no_wider_than_a_phone(page, phone, base_url):
    """At 390x844 with touch nothing scrolls sideways: the page is at most 390 px
    wide (the device's width: Chromium widens innerWidth to the content, so it
    cannot be the measure), and no widget or animation hides part of itself.
    Chapter 2's explorer is measured at its widest: the 28x28 digit, SAME padding."""
    from selenium.webdriver.common.by import By

    _open_phone(phone, base_url, page)
    for box in phone.find_elements(By.CSS_SELECTOR, ".cnn-conv-explorer"):
        _explorer_settings(box, [("input", "digit"), ("padding", "SAME")])
    got = phone.execute_script(_PHONE_WIDTHS_JS)
    problems = list(got["inside"])
    if got["page"] > PHONE_WIDTH:
        problems.insert(
            0, f"the page is {got['page']} px wide on a {PHONE_WIDTH} px phone"
        )
    _save_screenshot(phone, "phone__" + page.doc.replace("/", "__"))
    if len(problems) > 12:
        problems[12:] = [f"... and {len(problems) - 12} more"]
    assert not problems, f"{page.doc}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("page", PAGES, ids=[p.doc.rsplit("/", 1)[-1] for p in PAGES])
def test_phone_tap_targets_and_text(page, phone, base_url):
    """On the phone every animation button and explorer output cell is at least
    24x24 px, the explorer's text at least 11 px, each animation frame scaled
    to the column, and its text at least 11 px once the reader taps it
    (_check_animation_zoom)."""
    from selenium.webdriver.common.by import By

    _open_phone(phone, base_url, page)
    explorers = phone.find_elements(By.CSS_SELECTOR, ".cnn-conv-explorer")
    settings = [[], [("input", "digit"), ("padding", "SAME")], [("stride", "2")]]
    problems = []
    for step in settings if explorers else [[]]:
        for box in explorers:
            _explorer_settings(box, step)
            smallest = phone.execute_script(_SMALLEST_TEXT_JS, box)
            if smallest < MIN_TEXT_PX:
                problems.append(f"explorer {step}: smallest text {smallest} px")
        small = phone.execute_script(_TAP_TARGETS_JS, MIN_TAP_PX)
        problems += [
            f"{label} is a {w:.0f}x{h:.0f} px tap target {step or ''}"
            for label, w, h in small[:6]
        ]
    problems += _check_animation_zoom(phone)
    assert not problems, f"{page.doc}:\n  " + "\n  ".join(problems)


def _check_animation_zoom(phone) -> list[str]:
    """Each animation frame is scaled to the column (its text then reads about
    7 px on this phone: 10 pt at 100 dpi in a 700 px frame shown 358 px wide,
    which is not what this measures); one tap on a shrunk frame shows it with
    its text >= 11 px (that is measured, by _check_text_sizes), the page still
    no wider than the phone, and a second tap fits it again."""
    from selenium.webdriver.common.by import By

    problems = []
    frames = phone.find_elements(By.CSS_SELECTOR, "div.animation .cnn-anim-frame")
    for number, got in enumerate(phone.execute_script(_ANIMATION_FRAMES_JS), 1):
        fitted = min(got["natural"], got["column"])
        if abs(got["shown"] - fitted) > 1:
            problems.append(
                f"animation {number}: frame shown {got['shown']:.0f} px wide, "
                f"not scaled to the {got['column']} px column"
            )
    for frame in frames:
        if "cnn-anim-zoomable" in (frame.get_attribute("class") or ""):
            _click(phone, frame)
    problems += _check_text_sizes(
        phone, window=f"{PHONE_WIDTH} px (phone), frames tapped", figures=False
    )
    width = phone.execute_script("return document.documentElement.scrollWidth;")
    if width > PHONE_WIDTH:
        problems.append(f"with the frames tapped the page is {width} px wide")
    for frame in frames:
        if "cnn-anim-full" in (frame.get_attribute("class") or ""):
            _click(phone, frame)
    for number, got in enumerate(phone.execute_script(_ANIMATION_FRAMES_JS), 1):
        if got["full"] or got["shown"] > got["column"] + 1:
            problems.append(f"animation {number}: a second tap did not fit it again")
    return problems


# --------------------------------------------------------------------------
# the kernel-free widgets of _static/cnn-book.js
# --------------------------------------------------------------------------
def _page_with(marker: str) -> Page:
    for page in PAGES:
        if page.source is None:
            continue
        text = page.source.read_text()
        if page.is_notebook:
            text = "\n".join("".join(c["source"]) for c in json.loads(text)["cells"])
        if f'class="{marker}"' in text:
            return page
    pytest.fail(
        f'no page of _toc.yml holds <div class="{marker}"></div>', pytrace=False
    )


def _open(driver, base_url: str, page: Page, ready_js: str) -> None:
    driver.get_log("browser")
    driver.get(f"{base_url}/{page.doc}.html")
    assert _wait_for(lambda: driver.execute_script(ready_js), 20), (
        f"{page.doc}: {ready_js} never held"
    )


def _no_console_errors(driver, base_url: str) -> list[str]:
    from selenium.webdriver.common.by import By

    has_icon = bool(driver.find_elements(By.CSS_SELECTOR, "link[rel~='icon']"))
    return _console_errors(driver.get_log("browser"), base_url, has_icon)


_SMALLEST_TEXT_JS = """
const texts = Array.from(arguments[0].querySelectorAll('*')).filter(e =>
  e.getBoundingClientRect().height > 0 &&
  Array.from(e.childNodes).some(c => c.nodeType === 3 && c.textContent.trim()));
return Math.min(...texts.map(e => parseFloat(getComputedStyle(e).fontSize)));
"""


def _explorer_output(driver) -> np.ndarray:
    return np.array(
        json.loads(
            driver.execute_script(
                "return document.querySelector('.cnn-conv-explorer').dataset.output;"
            )
        )
    )


def test_convolution_explorer_matches_cnnlib_ops(driver, base_url):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    from cnnlib import ops

    page = _page_with("cnn-conv-explorer")
    _open(
        driver,
        base_url,
        page,
        "return !!document.querySelector('.cnn-conv-explorer .cnn-cell');",
    )
    # 1. the explorer's own conv2d on cases exported by Python
    cases = conv_cases()
    got = driver.execute_script(
        "return arguments[0].map(c => window.cnnBook.conv2d(c.grid, c.kernel, "
        "[c.stride, c.stride], c.padding).out);",
        cases,
    )
    for n, (case, out) in enumerate(zip(cases, got)):
        np.testing.assert_allclose(
            np.array(out),
            np.array(case["want"]),
            rtol=0,
            atol=1e-12,
            err_msg=f"case {n}: stride {case['stride']}, {case['padding']}",
        )

    # 2. through its controls, as a reader uses it
    box = driver.find_element(By.CSS_SELECTOR, ".cnn-conv-explorer")
    grid = np.array(
        [
            [2.0, 3.0, 0.0, 1.0, 1.0],
            [2.0, 1.5, 0.5, 0.0, 1.0],
            [0.0, 1.0, 2.0, 3.0, 1.0],
            [1.0, 0.0, 0.5, 2.0, 1.0],
            [3.0, 1.0, 0.0, 1.0, 2.0],
        ]
    )
    np.testing.assert_array_equal(
        _explorer_output(driver),
        ops.conv2d(grid, np.full((2, 2), 0.5), padding="VALID"),
    )
    assert box.find_element(By.CSS_SELECTOR, ".cnn-sum").text.endswith("= 4.25")
    digit_hex = driver.execute_script("return window.cnnBook.sampleDigitHex;")
    digit = (
        np.frombuffer(bytes.fromhex(digit_hex), np.uint8).reshape(28, 28).astype(float)
    )
    edges = np.array([[1.0, 0, -1], [1, 0, -1], [1, 0, -1]])
    settings = [
        ("input", "digit"),
        ("filter", "vertical"),
        ("stride", "2"),
        ("padding", "SAME"),
    ]
    for name, value in settings:
        Select(
            box.find_element(By.CSS_SELECTOR, f"select[name='{name}']")
        ).select_by_value(value)
    want = ops.conv2d(digit, edges, stride=2, padding="SAME")
    assert want.shape == (ops.output_size(28, 3, 2, "SAME"),) * 2
    np.testing.assert_allclose(_explorer_output(driver), want, rtol=0, atol=1e-9)
    assert "ceil(28 / 2) = 14" in box.find_element(By.CSS_SELECTOR, ".cnn-sizes").text
    cells = box.find_elements(By.CSS_SELECTOR, "button.cnn-cell")
    assert len(cells) == want.size
    i, j = 6, 5
    _click(driver, cells[i * want.shape[1] + j])
    assert _wait_for(
        lambda: box.find_element(By.CSS_SELECTOR, ".cnn-sum").text.startswith(
            f"out[{i},{j}]"
        )
    )
    summed = box.find_element(By.CSS_SELECTOR, ".cnn-sum").text
    assert summed.count("\u00d7") == 9 and summed.endswith(
        f"= {want[i, j]:.2f}".rstrip("0").rstrip(".")
    )
    assert len(box.find_elements(By.CSS_SELECTOR, ".cnn-in-window")) == 9
    # 3. your own numbers, and a clear message for bad ones
    Select(box.find_element(By.CSS_SELECTOR, "select[name='filter']")).select_by_value(
        "own"
    )
    text = box.find_element(By.CSS_SELECTOR, "textarea[name='own-filter']")
    text.clear()
    text.send_keys("1 2\n-3 0.5")
    np.testing.assert_allclose(
        _explorer_output(driver),
        ops.conv2d(digit, np.array([[1, 2], [-3, 0.5]]), stride=2, padding="SAME"),
        rtol=0,
        atol=1e-9,
    )
    text.clear()
    text.send_keys("1 x")
    assert (
        "'x' is not a number" in box.find_element(By.CSS_SELECTOR, ".cnn-message").text
    )
    for name, value in [("padding", "VALID"), ("stride", "1")]:
        Select(
            box.find_element(By.CSS_SELECTOR, f"select[name='{name}']")
        ).select_by_value(value)
    text.clear()
    text.send_keys("0 1 0\n1 -4 1\n0 1 0")
    np.testing.assert_allclose(
        _explorer_output(driver),
        ops.conv2d(
            digit,
            np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]]),
            stride=1,
            padding="VALID",
        ),
        rtol=0,
        atol=1e-9,
    )
    smallest = driver.execute_script(_SMALLEST_TEXT_JS, box)
    assert smallest >= MIN_TEXT_PX, f"the explorer's smallest text is {smallest} px"
    _save_screenshot(driver, "explorer")
    assert not _no_console_errors(driver, base_url)


def _stroke(driver, canvas, points) -> None:
    """Press, move through ``points`` (fractions of the canvas) and release: real
    pointer events."""
    from selenium.webdriver.common.action_chains import ActionChains

    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", canvas)
    w, h = canvas.size["width"], canvas.size["height"]
    at = lambda p: (int((p[0] - 0.5) * w), int((p[1] - 0.5) * h))  # noqa: E731  offsets from the centre
    chain = ActionChains(driver, duration=10)
    chain.move_to_element_with_offset(canvas, *at(points[0])).click_and_hold()
    for p in points[1:]:
        chain.move_to_element_with_offset(canvas, *at(p))
    chain.release().perform()


def _touch_stroke(driver, canvas, points) -> None:
    """The same with a finger: pointer events of pointerType "touch"."""
    from selenium.webdriver.common.actions import interaction
    from selenium.webdriver.common.actions.action_builder import ActionBuilder
    from selenium.webdriver.common.actions.pointer_input import PointerInput

    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", canvas)
    w, h = canvas.size["width"], canvas.size["height"]
    finger = PointerInput(interaction.POINTER_TOUCH, "finger")
    actions = ActionBuilder(driver, mouse=finger, duration=10)
    at = lambda p: (int((p[0] - 0.5) * w), int((p[1] - 0.5) * h))  # noqa: E731
    actions.pointer_action.move_to(canvas, *at(points[0])).pointer_down()
    for p in points[1:]:
        actions.pointer_action.move_to(canvas, *at(p))
    actions.pointer_action.pointer_up()
    actions.perform()


def test_drawing_a_digit_changes_the_prediction(driver, base_url):
    from selenium.webdriver.common.by import By

    from cnnlib import digits

    page = _page_with("cnn-draw-digit")
    _open(
        driver,
        base_url,
        page,
        "const m = document.querySelector('.cnn-draw-digit');"
        " return !!(m && (m.dataset.ready || m.dataset.error));",
    )
    box = driver.find_element(By.CSS_SELECTOR, ".cnn-draw-digit")
    assert box.get_attribute("data-error") is None, box.get_attribute("data-error")
    assert box.get_attribute("data-prediction") is None  # a blank box predicts nothing
    canvas = box.find_element(By.CSS_SELECTOR, "canvas.cnn-pad-canvas")
    read = (
        "const m = document.querySelector('.cnn-draw-digit'); "
        "return m.dataset.probabilities || null;"
    )
    _stroke(driver, canvas, [(0.5, 0.15), (0.5, 0.5), (0.5, 0.85)])  # a "1"
    assert _wait_for(lambda: driver.execute_script(read) is not None, 5), (
        "no prediction after a stroke"
    )
    first = np.array(json.loads(driver.execute_script(read)))
    assert first.shape == (10,) and abs(first.sum() - 1) < 1e-6
    _stroke(
        driver, canvas, [(0.2, 0.15), (0.5, 0.15), (0.8, 0.15)]
    )  # a bar on top: a "7"
    assert _wait_for(
        lambda: (
            np.abs(np.array(json.loads(driver.execute_script(read))) - first).max()
            > 1e-3
        ),
        5,
    ), "a second stroke did not change the probabilities"
    # the page prepared the drawing as cnnlib.digits.prepare_digit does
    gray, js_digit = driver.execute_script("""
      const m = document.querySelector('.cnn-draw-digit'),
        c = m.querySelector('canvas.cnn-pad-canvas');
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data, g = [];
      for (let i = 0; i < d.length; i += 4) g.push(d[i]);
      const prep = window.cnnBook.prepareDigit(Float32Array.from(g), c.height, c.width);
      return [g, Array.from(prep.digit)];""")
    side = int(len(gray) ** 0.5)
    want = digits.prepare_digit(
        np.array(gray, np.float32).reshape(side, side), name="canvas"
    ).digit
    assert np.abs(np.array(js_digit).reshape(28, 28) - want.astype(int)).max() <= 1
    # Clear empties the box; a finger draws as the mouse does
    _click(driver, box.find_element(By.CSS_SELECTOR, "button.cnn-button"))
    assert _wait_for(
        lambda: driver.execute_script(
            "return document.querySelector('.cnn-draw-digit').dataset.prediction "
            "=== undefined;"
        ),
        5,
    )
    _touch_stroke(driver, canvas, [(0.5, 0.15), (0.5, 0.5), (0.5, 0.85)])
    assert _wait_for(
        lambda: driver.execute_script(
            "return document.querySelector('.cnn-draw-digit').dataset.prediction "
            "!== undefined;"
        ),
        5,
    ), "a touch stroke gave no prediction"
    shown = box.find_elements(By.CSS_SELECTOR, ".cnn-maps canvas")
    assert len(shown) == 6 and all(c.is_displayed() for c in shown)
    smallest = driver.execute_script(_SMALLEST_TEXT_JS, box)
    assert smallest >= MIN_TEXT_PX, (
        f"the draw-a-digit box's smallest text is {smallest} px"
    )
    _save_screenshot(driver, "draw-digit")
    assert not _no_console_errors(driver, base_url)


def test_in_page_network_agrees_with_keras_on_20_test_digits(driver, base_url, build):
    from cnnlib import data, deploy, models

    page = _page_with("cnn-draw-digit")
    _open(driver, base_url, page, "return !!window.cnnBook;")
    mnist = data.load_mnist("sample", verbose=False)
    x = mnist.x_test[:20]
    model = models.build_model("small")
    weights = deploy.load_web_weights(
        build.html / "_static" / "webmodel" / deploy.FILENAME
    )
    for name, (kernel, bias) in weights.items():
        model.get_layer(name).set_weights([kernel, bias])
    want = model.predict(x, verbose=0)
    driver.set_script_timeout(60)
    got = driver.execute_async_script(
        """
      const done = arguments[arguments.length - 1];
      window.cnnBook.loadNet().then(
        net => done(arguments[0].map(d => window.cnnBook.forward(net, d).logits)),
        err => done(String(err)));""",
        x.reshape(20, -1).astype(int).tolist(),
    )
    assert isinstance(got, list), got
    got = np.array(got)
    assert (got.argmax(1) == want.argmax(1)).all(), (got.argmax(1), want.argmax(1))
    assert np.abs(got - want).max() <= 1e-3, np.abs(got - want).max()


def test_draw_box_reads_a_digit_opened_from_a_file(driver, build):
    """Opened as ``file://`` (as the README says), the box still loads its
    network: the weights come by ``<script>``, which file:// allows, not fetch()."""
    from selenium.webdriver.common.by import By

    page = _page_with("cnn-draw-digit")
    driver.get((build.html / f"{page.doc}.html").as_uri())
    assert _wait_for(
        lambda: driver.execute_script(
            "const m = document.querySelector('.cnn-draw-digit');"
            " return !!(m && (m.dataset.ready || m.dataset.error));"
        ),
        20,
    ), "the draw box neither loaded nor failed from file://"
    box = driver.find_element(By.CSS_SELECTOR, ".cnn-draw-digit")
    assert box.get_attribute("data-error") is None, box.get_attribute("data-error")
    canvas = box.find_element(By.CSS_SELECTOR, "canvas.cnn-pad-canvas")
    _stroke(driver, canvas, [(0.5, 0.15), (0.5, 0.5), (0.5, 0.85)])  # a "1"
    assert _wait_for(
        lambda: driver.execute_script(
            "return document.querySelector('.cnn-draw-digit').dataset.prediction "
            "!== undefined;"
        ),
        5,
    ), "no prediction from file://"
    probs = np.array(json.loads(box.get_attribute("data-probabilities")))
    assert probs.shape == (10,) and abs(probs.sum() - 1) < 1e-6
    assert "one of the ten digits" in box.text


def _selected(box) -> tuple[int, int]:
    from selenium.webdriver.common.by import By

    text = box.find_element(By.CSS_SELECTOR, ".cnn-sum").text
    i, j = re.match(r"out\[(\d+),(\d+)\]", text).groups()
    return int(i), int(j)


def test_explorer_selection_follows_a_stride_change(driver, base_url):
    """The selected output cell keeps its window on the same part of the input
    when the stride or the padding changes (issue 22: it fell on blank
    background); the colour legend names red positive and blue negative."""
    from selenium.webdriver.common.by import By

    page = _page_with("cnn-conv-explorer")
    _open(
        driver,
        base_url,
        page,
        "return !!document.querySelector('.cnn-conv-explorer .cnn-cell');",
    )
    box = driver.find_element(By.CSS_SELECTOR, ".cnn-conv-explorer")
    legend = box.find_element(By.CSS_SELECTOR, ".cnn-legend").text
    assert "positive" in legend and "negative" in legend, legend
    swatches = [
        s.value_of_css_property("background-color")
        for s in box.find_elements(By.CSS_SELECTOR, ".cnn-legend .cnn-swatch")
    ]
    assert swatches[:2] == ["rgba(214, 39, 40, 1)", "rgba(31, 119, 180, 1)"], swatches
    _explorer_settings(box, [("input", "digit"), ("filter", "vertical")])
    window = "return Array.from(document.querySelectorAll('.cnn-in-window'))" + (
        ".map(c => Number(c.dataset.value || 0));"
    )
    for settings in (
        [("stride", "2")],
        [("stride", "3")],
        [("padding", "SAME")],
        [("stride", "1")],
    ):
        before = _selected(box)
        stride_before = int(box.find_element(By.NAME, "stride").get_attribute("value"))
        _explorer_settings(box, settings)
        after = _selected(box)
        stride = int(box.find_element(By.NAME, "stride").get_attribute("value"))
        ink = driver.execute_script(window)
        assert max(ink) > 0, f"after {settings} the window {after} holds no ink"
        for b, a in zip(before, after):  # same place on the input, within a stride
            assert abs(a * stride - b * stride_before) <= max(stride, 1) + 1, (
                settings,
                before,
                after,
            )


def test_one_search_box_and_a_favicon_at_1280_px(driver, base_url):
    from selenium.webdriver.common.by import By

    driver.get(f"{base_url}/{PAGES[1].doc}.html")

    def searches() -> list:  # the theme shows its search fields by script (pst-js-only)
        return [
            e
            for e in driver.find_elements(
                By.CSS_SELECTOR, ".search-button-field, .search-button, form.bd-search"
            )
            if e.is_displayed()
        ]

    _wait_for(
        lambda: (
            driver.execute_script("return document.readyState") == "complete"
            and searches()
        ),
        10,
    )
    shown = searches()
    assert len(shown) == 1, [e.get_attribute("outerHTML")[:120] for e in shown]
    icons = driver.find_elements(By.CSS_SELECTOR, "link[rel~='icon']")
    assert icons, "no <link rel=icon>"
    status, body = _fetch(icons[0].get_attribute("href"))
    assert status == 200 and b"<svg" in body, (icons[0].get_attribute("href"), status)


def test_draw_box_dark_mode_and_a_tap(driver, base_url):
    """In dark mode an empty bar track looks empty (not a light full bar); one
    tap on the pad gives 'Not sure', never a confident digit."""
    from selenium.webdriver.common.by import By

    page = _page_with("cnn-draw-digit")
    _open(
        driver,
        base_url,
        page,
        "const m = document.querySelector('.cnn-draw-digit');"
        " return !!(m && m.dataset.ready);",
    )
    driver.execute_script("document.documentElement.dataset.theme = 'dark';")
    box = driver.find_element(By.CSS_SELECTOR, ".cnn-draw-digit")
    track = box.find_element(By.CSS_SELECTOR, ".cnn-bar-track")
    colour = driver.execute_script(
        "const c = getComputedStyle(arguments[0]).backgroundColor;"
        "return c.match(/[\\d.]+/g).map(Number);",
        track,
    )
    alpha = colour[3] if len(colour) > 3 else 1.0
    assert alpha == 0 or max(colour[:3]) < 80, f"dark-mode empty track is {colour}"
    canvas = box.find_element(By.CSS_SELECTOR, "canvas.cnn-pad-canvas")
    _stroke(driver, canvas, [(0.5, 0.5)])  # a tap
    assert _wait_for(lambda: box.get_attribute("data-prediction") is not None, 5)
    answer = box.find_element(By.CSS_SELECTOR, ".cnn-answer").text
    assert box.get_attribute("data-sure") == "0" and answer.startswith("Not sure"), (
        answer
    )
    assert "one of the ten digits" in answer


def test_page_js_finds_its_widgets_by_class_not_by_page_name(driver, base_url, build):
    """cnn-book.js decorates what a page holds (.cnn-conv-explorer,
    .cnn-draw-digit, div.animation), wherever it is: chapters get renumbered.
    The script names no page of _toc.yml, and a chapter saved under another
    name still gets its widgets."""
    from selenium.webdriver.common.by import By

    script = (ROOT / "_static" / "cnn-book.js").read_text()
    named = [p.doc for p in PAGES if p.doc.rsplit("/", 1)[-1] in script]
    assert not named, f"_static/cnn-book.js names the pages {named}"
    for marker, ready in (
        ("cnn-conv-explorer", ".cnn-conv-explorer button.cnn-cell"),
        ("cnn-draw-digit", ".cnn-draw-digit canvas.cnn-pad-canvas"),
    ):
        page = _page_with(marker)
        html_file = build.html / f"{page.doc}.html"
        renamed = html_file.with_name(
            f"renamed_{marker}.html"
        )  # one URL each: no cache
        shutil.copyfile(html_file, renamed)
        try:
            driver.get(f"{base_url}/{page.doc.rsplit('/', 1)[0]}/{renamed.name}")
            assert _wait_for(
                lambda ready=ready: bool(driver.find_elements(By.CSS_SELECTOR, ready)),
                10,
            ), f"{page.doc} saved as {renamed.name}: no {ready}"
            animations = driver.find_elements(By.CSS_SELECTOR, "div.animation")
            fitted = driver.find_elements(
                By.CSS_SELECTOR, "div.animation .cnn-anim-frame"
            )
            assert len(fitted) == len(animations)
        finally:
            renamed.unlink()


# --------------------------------------------------------------------------
# chapter 8's training panel over HTTP (tests/web/test_tfjs.py runs one full
# epoch from file://; here a few steps, so the suite trains in full only once)
# --------------------------------------------------------------------------
#: Records every main-thread task over 50 ms (the Long Tasks API) from the
#: moment it runs; read back with STALLS_JS.
WATCH_STALLS_JS = """
window.__cnnStalls = [];
new PerformanceObserver(list => {
  for (const e of list.getEntries()) window.__cnnStalls.push([e.startTime, e.duration]);
}).observe({type: 'longtask'});
return performance.now();
"""
#: The longest task (ms) that started after arguments[0] (performance.now()).
STALLS_JS = """
const after = arguments[0];
const d = window.__cnnStalls.filter(s => s[0] >= after).map(s => s[1]);
return {longest: d.length ? Math.max(...d) : 0, count: d.length};
"""
#: An honest bound, not a speed target. Measured here (headless Chromium,
#: WebGL through SwiftShader, 2 shared cores) once the steps run: each step
#: 60-90 ms on the page's thread (WebGL computes in the GPU process and the
#: loss is read back with an await), the longest task 259 ms (the held-back
#: accuracy pass and the hand-over); in the suite on the same machine at a
#: load average of 15, 350 ms here and 523 ms over test_tfjs.py's full epoch.
#: Before the panel read its accuracy asynchronously that pass held the page
#: 2.9 s, which this bound fails; it leaves room for a machine loaded more.
STALL_MEASURED_MS = 259
STALL_BOUND_MS = 1500

PANEL_JS = """
const m = document.querySelector('.cnn-train-panel');
return {ready: m.dataset.ready || null, error: m.dataset.error || null,
        done: m.dataset.done || null, steps: m.dataset.steps || null,
        losses: m.dataset.losses ? JSON.parse(m.dataset.losses) : null,
        status: (m.querySelector('.cnn-info') || {}).textContent || ''};
"""


def test_the_panel_trains_a_few_steps_over_http(driver, base_url):
    """Served over HTTP the panel starts, trains (the loss falls over its first
    steps), stops when told, and the draw box then runs the network trained
    here; the page keeps answering while it trains (no task over
    STALL_BOUND_MS between steps)."""
    from selenium.webdriver.common.by import By

    page = _page_with("cnn-train-panel")
    driver.get(f"{base_url}/{page.doc}.html")
    state = lambda: driver.execute_script(PANEL_JS)  # noqa: E731
    assert _wait_for(lambda: state()["ready"] or state()["error"], 60), state()
    assert state()["error"] is None, state()["error"]
    panel = driver.find_element(By.CSS_SELECTOR, ".cnn-train-panel")
    start = driver.execute_script(WATCH_STALLS_JS)
    _click(driver, panel.find_element(By.XPATH, ".//button[text()='Train']"))
    assert _wait_for(lambda: "step 2 of" in state()["status"], 300), state()
    training = driver.execute_script("return performance.now();")
    assert _wait_for(lambda: "step 12 of" in state()["status"], 300), state()
    _click(driver, panel.find_element(By.XPATH, ".//button[text()='Stop']"))
    assert _wait_for(lambda: state()["done"] or state()["error"], 120), state()
    got = state()
    assert got["done"] == "stopped" and int(got["steps"]) >= 12, got
    losses = got["losses"]
    assert len(losses) == int(got["steps"]), got
    first, last = np.mean(losses[:3]), np.mean(losses[-3:])
    assert last < 0.9 * first, f"the loss did not fall: {losses}"
    box = driver.execute_script(
        "const b = document.querySelector('.cnn-draw-digit');"
        " return {network: b.dataset.network || null,"
        " status: b.querySelector('.cnn-info').textContent,"
        " steps: cnnTrainPanel.trained.info.steps};"
    )
    assert box["network"] == "trained-in-page", box
    assert "trained in this page" in box["status"] and box["steps"] == int(
        got["steps"]
    ), box
    stalls = driver.execute_script(STALLS_JS, training)
    before = driver.execute_script(STALLS_JS, start)
    print(
        f"panel over HTTP: {got['steps']} steps, loss {first:.3f} -> {last:.3f}; "
        f"longest task while training {stalls['longest']:.0f} ms "
        f"({stalls['count']} over 50 ms), from Train on {before['longest']:.0f} ms"
    )
    assert stalls["longest"] < STALL_BOUND_MS, stalls
    assert not _no_console_errors(driver, base_url)


#: Issue 22: each chapter's HTML (frames and images inlined) at most 2 MB.
#: bench/page_weight.py reports the rest of a page's download beside it.
MAX_HTML_BYTES = 2_000_000


def test_each_pages_html_is_at_most_2_mb(build):
    sizes = {p.doc: (build.html / f"{p.doc}.html").stat().st_size for p in PAGES}
    print("HTML bytes:", sizes)
    over = {doc: n for doc, n in sizes.items() if n > MAX_HTML_BYTES}
    assert not over, f"HTML over {MAX_HTML_BYTES} bytes: {over}"
