"""Chapter 8's training panel (``_static/train-panel.js``, TensorFlow.js) against
Keras.

Under Node with npm's ``@tensorflow/tfjs`` (its pure-JavaScript CPU backend),
the panel's own code trains article 000's small network from the weights Keras
starts from (``cnnlib.models.build_model("small", init="he")``), on the same
shipped digits (``cnnlib.deploy.digits_document``, what the page loads) in the
same batches with the same Adam; Keras trains its copy with ``train_on_batch``
(the article recipe's optimizer and loss, ``cnnlib.training.compile_model``).
The losses must agree step by step, and so must the weights after the last
step. The test runs ``npm ci`` in the repository when ``node_modules`` lacks
TensorFlow.js; it is skipped, with the reason, only when ``node`` (or ``npm``
for that install) is missing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from cnnlib import deploy, models, training
from cnnlib.data import mnist as cmnist

ROOT = Path(__file__).resolve().parents[2]
PANEL = ROOT / "_static" / "train-panel.js"
TFJS = ROOT / "node_modules" / "@tensorflow" / "tfjs"
NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(
    NODE is None, reason="node (Node.js) not found: the TF.js checks run in it"
)

STEPS = 5
BATCH = 50
LR = 1e-3
#: Both compute in float32, summing in other orders (TF.js' CPU kernels vs
#: oneDNN's): ~1e-7 relative per op (measured: the five losses agree to 1e-7),
#: allowed to grow 100 times over the steps. The panel's Adam is Keras' formula:
#: with tf.train.adam's (epsilon after the bias correction) the losses part by
#: 3e-4 relative by step 5, which this tolerance catches.
LOSS_RTOL = 1e-5
WEIGHT_ATOL = 1e-5


@pytest.fixture(scope="module")
def tfjs() -> Path:
    """The repository's node_modules TensorFlow.js, installed by ``npm ci`` if
    missing."""
    if not (TFJS / "package.json").exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("node_modules lacks @tensorflow/tfjs and npm is not found")
        proc = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert proc.returncode == 0, f"npm ci failed:\n{proc.stderr[-3000:]}"
    version = json.loads((TFJS / "package.json").read_text())["version"]
    pinned = json.loads((ROOT / "package.json").read_text())["devDependencies"]
    assert version == pinned["@tensorflow/tfjs"] == "4.22.0"
    return TFJS


NODE_PROGRAM = """
const tf = require(process.argv[1]);
const panel = require(process.argv[2]);
const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));
(async () => {
  await tf.setBackend('cpu');
  const arrays = {};
  for (const [name, w] of Object.entries(input.weights)) {
    arrays[name] = {k: Float32Array.from(w.k), shape: w.shape,
                    b: Float32Array.from(w.b)};
  }
  const vars = panel.variables(tf, arrays);
  const opt = panel.adam(tf, input.lr, vars);
  const pixels = Uint8Array.from(input.pixels), labels = Uint8Array.from(input.labels);
  const losses = [];
  for (let s = 0; s < input.steps; s++) {
    const b = panel.batch(tf, pixels, labels, s * input.batch, input.batch);
    const l = panel.trainStep(tf, 'small', vars, opt, b.x, b.y);
    losses.push(l.dataSync()[0]);
    l.dispose(); b.x.dispose(); b.y.dispose();
  }
  const net = panel.toNet(vars);
  const weights = {};
  for (const name of panel.LAYERS) {
    weights[name] = {k: Array.from(net[name].k), b: Array.from(net[name].b)};
  }
  process.stdout.write(JSON.stringify({backend: tf.getBackend(), losses, weights}));
})().catch(e => { console.error(e); process.exit(1); });
"""


def _shipped_digits() -> tuple[np.ndarray, np.ndarray]:
    """The train digits as the page gets them (through digits.js's document)."""
    data = cmnist.load_mnist("sample", verbose=False)
    doc = deploy.digits_document(data)
    assert doc["train_count"] == len(data.x_train)
    return data.x_train, data.y_train


def test_tfjs_and_keras_losses_agree_step_by_step(tfjs, tmp_path):
    x, y = _shipped_digits()
    n = STEPS * BATCH
    model = models.build_model("small", init="he", seed=0)
    start = {name: model.get_layer(name).get_weights() for name in deploy.LAYERS}
    payload = {
        "weights": {
            name: {"k": k.ravel().tolist(), "shape": list(k.shape), "b": b.tolist()}
            for name, (k, b) in start.items()
        },
        "pixels": x[:n].ravel().tolist(),
        "labels": y[:n].tolist(),
        "lr": LR,
        "steps": STEPS,
        "batch": BATCH,
    }
    proc = subprocess.run(
        [NODE, "-e", NODE_PROGRAM, str(tfjs), str(PANEL)],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    js = json.loads(proc.stdout)
    assert js["backend"] == "cpu"

    training.compile_model(model, "article", LR, steps_per_epoch=STEPS, epochs=1)
    keras_losses = [  # train_on_batch gives [loss, accuracy]
        float(model.train_on_batch(x[s : s + BATCH, ..., None], y[s : s + BATCH])[0])
        for s in range(0, n, BATCH)
    ]
    print("Keras losses:", keras_losses)
    print("TF.js losses:", js["losses"])
    np.testing.assert_allclose(js["losses"], keras_losses, rtol=LOSS_RTOL, atol=0)
    # the losses fall: the five steps really trained (same start, same batches)
    assert keras_losses[-1] < keras_losses[0]
    for name in deploy.LAYERS:
        k, b = model.get_layer(name).get_weights()
        moved = np.abs(k - start[name][0]).max()
        assert moved > 100 * WEIGHT_ATOL, f"{name} barely moved ({moved:.2e})"
        np.testing.assert_allclose(
            np.reshape(js["weights"][name]["k"], k.shape), k, rtol=0, atol=WEIGHT_ATOL
        )
        np.testing.assert_allclose(
            js["weights"][name]["b"], b, rtol=0, atol=WEIGHT_ATOL
        )


def test_shipped_digits_round_trip_and_refuse_a_file(tmp_path):
    path = deploy.write_web_digits(tmp_path)
    assert path.name == deploy.DIGITS_FILENAME
    got = deploy.load_web_digits(path)
    want = cmnist.load_sample()
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a, b)
    assert [len(a) for a in got] == [4500, 4500, 500, 500]
    with pytest.raises(ValueError, match="is not a folder"):
        deploy.write_web_digits(path)
    (tmp_path / "other.js").write_text("window.X = {};\n")
    with pytest.raises(ValueError, match="cnnlib-webdigits-1"):
        deploy.load_web_digits(tmp_path / "other.js")


# --------------------------------------------------------------------------
# the panel in headless Chromium, on the built book opened from file://
# --------------------------------------------------------------------------
#: A guard against a hung page, not a speed claim (the panel reports the epoch
#: time it measured; in headless Chromium on 2 shared cores, WebGL through
#: SwiftShader, an epoch of 90 batches of 50 took 92-132 s).
EPOCH_WAIT_S = 1200
MIN_ACCURACY = 0.9


@pytest.fixture(scope="module")
def book(tfjs, site_build) -> Path:
    """The book built as the README says (vendoring, weights and digits, then
    ``jupyter-book build``) into a temporary folder, once per session
    (tests/web/conftest.py, shared with test_site.py); its ``_build/html``."""
    from .test_site import _chromium_paths

    _chromium_paths()  # skips with the reason (fails under CI) without Chromium
    return site_build.html


@pytest.fixture(scope="module")
def browser(book, tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    from .test_site import _chromium_paths

    binary, chromedriver = _chromium_paths()
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-sync",
        "--window-size=1280,1000",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SE_OFFLINE", "true")  # Selenium Manager must never download anything
        drv = webdriver.Chrome(
            service=Service(executable_path=chromedriver), options=options
        )
    drv.set_page_load_timeout(60)
    drv.set_script_timeout(120)
    try:
        yield drv
    finally:
        drv.quit()


def _panel_page(html: Path) -> Path:
    pages = [
        p for p in html.rglob("*.html") if 'class="cnn-train-panel"' in p.read_text()
    ]
    assert len(pages) == 1, f"expected one page with the training panel, got {pages}"
    return pages[0]


def _local_errors(drv) -> list[str]:
    """SEVERE console entries about this site's own files (file://); the offline
    failures of other hosts (the Colab badge, MathJax) are expected here."""
    return [
        e["message"]
        for e in drv.get_log("browser")
        if e["level"] == "SEVERE"
        and not e["message"].startswith(("http://", "https://"))
    ]


PANEL_STATE = (
    "const m = document.querySelector('.cnn-train-panel');"
    " return {ready: m.dataset.ready || null, error: m.dataset.error || null,"
    " done: m.dataset.done || null, accuracy: m.dataset.accuracy || null,"
    " steps: m.dataset.steps || null, backend: m.dataset.backend || null,"
    " epochSeconds: m.dataset.epochSeconds || null,"
    " status: (m.querySelector('.cnn-info') || {}).textContent};"
)

#: The in-page network, as the draw box runs it (cnnBook.forward), on the 500
#: held-back digits.
DRAW_BOX_ACCURACY = """
const done = arguments[0];
cnnTrainPanel.decodeDigits(window.CNN_BOOK_DIGITS).then(d => {
  const net = cnnTrainPanel.trained;
  let right = 0;
  for (let i = 0; i < d.testY.length; i++) {
    const x = d.testX.subarray(784 * i, 784 * i + 784);
    const p = cnnBook.forward(net, x).probabilities;
    if (p.indexOf(Math.max(...p)) === d.testY[i]) right++;
  }
  const box = document.querySelector('.cnn-draw-digit');
  done({accuracy: right / d.testY.length, network: box.dataset.network || null,
        status: box.querySelector('.cnn-info').textContent});
}, e => done({error: String(e)}));
"""


@pytest.mark.browser
@pytest.mark.slow
def test_the_panel_trains_from_file_url_and_hands_the_network_over(book, browser):
    from selenium.webdriver.common.by import By

    from .test_site import (
        STALL_BOUND_MS,
        STALLS_JS,
        WATCH_STALLS_JS,
        _click,
        _wait_for,
    )

    page = _panel_page(book)
    browser.get(page.as_uri())
    state = lambda: browser.execute_script(PANEL_STATE)  # noqa: E731
    assert _wait_for(lambda: state()["ready"] or state()["error"], 60), state()
    assert state()["error"] is None, state()["error"]
    panel = browser.find_element(By.CSS_SELECTOR, ".cnn-train-panel")
    epochs = panel.find_element(By.CSS_SELECTOR, "select[name='epochs']")
    assert epochs.get_attribute("value") == "1"
    train = panel.find_element(By.XPATH, ".//button[text()='Train']")
    tensors = browser.execute_script("return tf.memory().numTensors;")
    browser.execute_script(WATCH_STALLS_JS)
    _click(browser, train)
    assert _wait_for(lambda: "step 2 of" in (state()["status"] or ""), 300), state()
    training = browser.execute_script("return performance.now();")
    assert _wait_for(lambda: state()["done"] or state()["error"], EPOCH_WAIT_S), state()
    got = state()
    stalls = browser.execute_script(STALLS_JS, training)
    print("panel:", got, "longest task while training:", stalls)
    # the page kept answering through the whole epoch (test_site.py's bound)
    assert stalls["longest"] < STALL_BOUND_MS, stalls
    assert got["error"] is None and got["done"] == "1", got
    assert int(got["steps"]) == 4500 // 32  # the default batch size
    assert float(got["accuracy"]) >= MIN_ACCURACY, got
    seconds = json.loads(got["epochSeconds"])
    assert len(seconds) == 1 and f"{seconds[0]:.1f} s" in got["status"]
    # the draw box now runs the network trained here, and it scores as the panel said
    box = browser.execute_async_script(DRAW_BOX_ACCURACY)
    print("draw box:", box)
    assert box.get("network") == "trained-in-page", box
    assert "trained in this page" in box["status"]
    assert abs(box["accuracy"] - float(got["accuracy"])) <= 0.004, box  # 2 of 500
    # training freed every tensor it made
    assert browser.execute_script("return tf.memory().numTensors;") == tensors
    # Stop ends a second run early; what it trained so far goes to the draw box
    _click(browser, train)
    assert _wait_for(lambda: "step 3 of" in (state()["status"] or ""), 300), state()
    _click(browser, panel.find_element(By.XPATH, ".//button[text()='Stop']"))
    assert _wait_for(lambda: state()["done"] or state()["error"], 120), state()
    stopped = state()
    assert stopped["done"] == "stopped" and 3 <= int(stopped["steps"]) < 140, stopped
    assert stopped["status"].startswith(f"Stopped after {stopped['steps']} of 140")
    assert browser.execute_script("return cnnTrainPanel.trained.info.steps;") == int(
        stopped["steps"]
    )
    assert not _local_errors(browser)


@pytest.mark.browser
def test_the_panel_says_so_when_tensorflow_js_is_missing(book, browser, tmp_path):
    copy = tmp_path / "html"
    shutil.copytree(book, copy)
    (copy / "_static" / "vendor" / "tf.min.js").unlink()
    browser.get(_panel_page(copy).as_uri())
    from .test_site import _wait_for

    assert _wait_for(lambda: browser.execute_script(PANEL_STATE)["error"], 30)
    error = browser.execute_script(PANEL_STATE)["error"]
    assert "tf.min.js" in error and "npm run vendor" in error, error


def test_tensorflow_js_loads_only_on_the_panels_page(book):
    panel = _panel_page(book)
    with_tfjs = [
        p.relative_to(book).as_posix()
        for p in book.rglob("*.html")
        if "_static/vendor/tf.min.js" in p.read_text() and p != panel
    ]
    assert with_tfjs == []
