"""Chapter 7's training panel (``_static/train-panel.js``, TensorFlow.js) against
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
