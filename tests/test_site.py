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
  (``data:``) image decodes in the browser.

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

import pytest
import yaml

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
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


def _toc_docs() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    docs = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                docs.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk({k: v for k, v in toc.items() if k != "root"})
    return list(dict.fromkeys(docs))


def _pages() -> list[Page]:
    pages = []
    for doc in _toc_docs():
        found = [ROOT / f"{doc}{ext}" for ext in (".ipynb", ".md") if (ROOT / f"{doc}{ext}").exists()]
        pages.append(Page(doc, found[0] if found else None))
    return pages


PAGES = _pages()


def _markdown_heading(page: Page) -> str | None:
    """The text of the first ``# `` heading in the page's source."""
    if page.source is None:
        return None
    if page.is_notebook:
        cells = json.loads(page.source.read_text())["cells"]
        lines = [line for c in cells if c["cell_type"] == "markdown"
                 for line in "".join(c["source"]).splitlines()]
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
    missing = [name for name, path in (("chromium", browser), ("chromedriver", driver)) if not path]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("the selenium package")
    if missing:
        reason = (f"{' and '.join(missing)} not found; install Debian's chromium and "
                  f"chromium-driver (apt-get install chromium chromium-driver) to run the browser test")
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


@pytest.fixture(scope="module")
def build(tmp_path_factory, chromium) -> Build:
    """``jupyter-book build`` of this checkout into a temporary folder (the
    repository's own ``_build`` is left alone)."""
    out = tmp_path_factory.mktemp("book")
    exe = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(exe) if exe.exists() else (shutil.which("jupyter-book") or "jupyter-book"),
           "build", str(ROOT), "--path-output", str(out)]
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


@pytest.fixture(scope="module")
def driver(chromium, tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    browser, chromedriver = chromium
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update",
                "--no-first-run", "--disable-sync", "--disable-quic",
                "--disable-default-apps", "--window-size=1280,1000",
                f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SE_OFFLINE", "true")  # Selenium Manager must never download anything
        drv = webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)
    drv.set_page_load_timeout(60)
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


def _console_errors(entries: list[dict], base_url: str, page_has_icon: bool) -> list[str]:
    """SEVERE console entries, less the documented offline failures."""
    errors = []
    for entry in entries:
        if entry.get("level") != "SEVERE":
            continue
        message = entry.get("message", "")
        url = message.split(" ", 1)[0]
        offline = (entry.get("source") == "network" and url.startswith(("http://", "https://"))
                   and not _is_loopback(url) and "Failed to load resource: net::ERR_" in message)
        auto_favicon = (url == f"{base_url}/favicon.ico" and not page_has_icon
                        and "status of 404" in message)
        if not (offline or auto_favicon):
            errors.append(message)
    return errors


def _save_screenshot(drv, name: str) -> None:
    """The whole page, down to 12,000 CSS pixels (Chromium refuses taller captures)."""
    width, height = drv.execute_script(
        "const e = document.documentElement; return [e.scrollWidth, e.scrollHeight];")
    clip = {"x": 0, "y": 0, "width": width, "height": min(height, 12_000), "scale": 1}
    shot = drv.execute_cdp_cmd("Page.captureScreenshot",
                               {"format": "png", "captureBeyondViewport": True, "clip": clip})
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
        problems.append(f"{in_source} to_jshtml animations in the HTML, {len(animations)} in the page")
    for number, anim in enumerate(animations, 1):
        img = anim.find_element(By.TAG_NAME, "img")
        src = lambda: img.get_attribute("src") or ""  # noqa: E731
        button = lambda title: anim.find_element(By.CSS_SELECTOR, f"button[title='{title}']")  # noqa: E731
        first = src()
        if not first.startswith("data:image/"):
            problems.append(f"animation {number}: no frame shown (img src {first[:40]!r})")
            continue
        steps = [("Next frame", lambda: src() != first, "did not change the frame"),
                 ("Previous frame", lambda: src() == first, "did not return to the first frame"),
                 ("Last frame", lambda: src() != first, "did not change the frame"),
                 ("First frame", lambda: src() == first, "did not return to the first frame")]
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
            problems.append(f"the {name} launch button does not show when the menu is opened")
    _click(drv, toggle)  # close the menu again
    colab_prefix = "https://colab.research.google.com/github/"
    for a in drv.find_elements(By.CSS_SELECTOR, f"a[href^='{colab_prefix}']"):
        if a.get_attribute("href") != want["Colab"]:
            problems.append(f"a Colab link opens {a.get_attribute('href')}, not {want['Colab']}")
    return problems


_ASSETS_JS = """
const out = [];
for (const a of document.querySelectorAll('a[href]')) out.push(['link', a.href]);
for (const e of document.querySelectorAll('img[src], script[src]')) out.push([e.tagName.toLowerCase(), e.src]);
for (const l of document.querySelectorAll('link[href]')) out.push(['link rel=' + l.rel, l.href]);
return out;
"""

_BROKEN_IMAGES_JS = """
return Array.from(document.images)
  .filter(i => i.src && (i.src.startsWith(location.origin) || i.src.startsWith('data:')))
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
            if not re.search(rf'\b(id|name)="{re.escape(anchor)}"', body.decode("utf-8", "replace")):
                problems.append(f"{kind} {url}: no element with id {fragment!r} on its page")
    for src in drv.execute_script(_BROKEN_IMAGES_JS):
        problems.append(f"image does not load or decode: {src}")
    return problems


# --------------------------------------------------------------------------
# the tests
# --------------------------------------------------------------------------
def test_book_builds_without_warnings(build):
    # A warning here is a broken reference, a missing toc entry, a bad image...
    assert not build.warnings, "jupyter-book build warned:\n" + "\n".join(build.warnings)


def test_site_root_opens_the_introduction(driver, base_url):
    driver.get(base_url + "/")
    root = PAGES[0].doc
    assert _wait_for(lambda: driver.current_url.endswith(f"/{root}.html"), 5), driver.current_url


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
    assert _wait_for(lambda: driver.execute_script("return document.readyState") == "complete", 20)
    problems: list[str] = []

    # The title: the source's "# ..." heading, shown as the page's <h1> and in <title>.
    want = _markdown_heading(page)
    h1s = driver.find_elements(By.CSS_SELECTOR, "article.bd-article h1")
    shown = driver.execute_script(
        "const h = arguments[0].cloneNode(true);"
        "h.querySelectorAll('a.headerlink').forEach(a => a.remove());"
        "return h.textContent.trim();", h1s[0]) if h1s else None
    if not want:
        problems.append(f"{page.source.name} has no '# ' title heading")
    elif not h1s or not h1s[0].is_displayed():
        problems.append("no visible <h1> in the article")
    elif " ".join(shown.split()) != want:
        problems.append(f"<h1> reads {shown!r}, the source's title is {want!r}")
    elif not driver.title.startswith(want):
        problems.append(f"<title> is {driver.title!r}, expected it to start with {want!r}")

    problems += _check_animations(driver, page_html)
    if page.is_notebook:
        problems += _check_launch_buttons(driver, page)
    problems += _check_links(driver, base_url)

    has_icon = bool(driver.find_elements(By.CSS_SELECTOR, "link[rel~='icon']"))
    for message in _console_errors(driver.get_log("browser"), base_url, has_icon):
        problems.append(f"console error: {message}")

    _save_screenshot(driver, page.doc.replace("/", "__"))
    assert not problems, f"{url}:\n  " + "\n  ".join(problems)
