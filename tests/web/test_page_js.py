"""The page's JavaScript (``_static/cnn-book.js``) against the Python it mirrors.

Runs the script's pure functions in Node (``module.exports``), without a
browser: the convolution explorer's ``conv2d`` against ``cnnlib.ops.conv2d``,
``prepareDigit`` against ``cnnlib.digits.prepare_digit``, and the small
network's ``forward`` against Keras on the same weights
(``cnnlib.deploy.weights_document``). ``tests/web/test_site.py`` repeats the
checks that matter in Chromium, on the built page. Skipped without ``node``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from cnnlib import deploy, digits, ops

from .cases import conv_cases

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "_static" / "cnn-book.js"
NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(
    NODE is None, reason="node (Node.js) not found: the JS checks run in it"
)


def run_js(body: str, payload) -> object:
    """Run ``body`` in Node with ``book`` = the script's API and ``input`` = payload."""
    program = (
        f"const book = require({json.dumps(str(SCRIPT))});\n"
        "const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));\n"
        f"const result = (function () {{ {body} }})();\n"
        "process.stdout.write(JSON.stringify(result));\n"
    )
    proc = subprocess.run(
        [NODE, "-e", program],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_explorer_conv2d_equals_cnnlib_ops():
    cases = conv_cases()
    got = run_js(
        "return input.map(c => book.conv2d(c.grid, c.kernel, [c.stride, c.stride], "
        "c.padding).out);",
        cases,
    )
    for case, out in zip(cases, got):
        np.testing.assert_allclose(
            out,
            case["want"],
            rtol=0,
            atol=1e-12,
            err_msg=f"stride {case['stride']}, {case['padding']}",
        )


def test_output_size_and_padding_follow_cnnlib_ops():
    triples = [
        (n, k, s) for n in range(1, 12) for k in range(1, 6) for s in range(1, 4)
    ]
    got = run_js(
        "return input.map(t => [book.outputSize(t[0], t[1], t[2], 'SAME'),"
        " book.samePadding(t[0], t[1], t[2]),"
        " t[1] <= t[0] ? book.outputSize(t[0], t[1], t[2], 'VALID') : null]);",
        triples,
    )
    for (n, k, s), (same, pads, valid) in zip(triples, got):
        assert same == ops.output_size(n, k, s, "SAME")
        assert tuple(pads) == ops.same_padding(n, k, s)
        assert valid == (ops.output_size(n, k, s, "VALID") if k <= n else None)


def test_explorers_digit_is_the_sample_digit_it_names(mnist):
    got = run_js("return [book.sampleDigitHex, book.sampleDigitLabel];", None)
    picture = np.frombuffer(bytes.fromhex(got[0]), np.uint8).reshape(28, 28)
    index = 7
    assert int(mnist.y_test[index]) == got[1]
    np.testing.assert_array_equal(picture, mnist.x_test[index])


def _drawings(seed: int = 1) -> list[np.ndarray]:
    """Gray pictures 0..255 as a reader's canvas holds them: dark strokes on white."""
    from PIL import Image, ImageDraw

    rng = np.random.default_rng(seed)
    pictures = []
    for n in range(8):
        size = int(rng.integers(60, 200))
        img = Image.new("L", (size, size), 255)
        draw = ImageDraw.Draw(img)
        points = [
            tuple(int(v) for v in rng.integers(size // 8, size - size // 8, 2))
            for _ in range(4)
        ]
        draw.line(points, fill=0, width=max(2, size // 14))
        arr = np.asarray(img, np.float32)
        pictures.append(255.0 - arr if n % 3 == 2 else arr)  # some light ink on black
    return pictures


def test_prepare_digit_mirrors_cnnlib_digits():
    pictures = _drawings()
    got = run_js(
        "return input.map(p => { const r = book.prepareDigit("
        "Float32Array.from(p.flat()), p.length, p[0].length); "
        "return r && [Array.from(r.digit), r.inverted, r.box]; });",
        [p.tolist() for p in pictures],
    )
    for n, (picture, js) in enumerate(zip(pictures, got)):
        steps = digits.prepare_digit(picture, name=f"drawing {n}")
        assert js is not None, f"drawing {n}: JS found no ink"
        js_digit = np.array(js[0], np.int64).reshape(28, 28)
        assert js[1] == steps.inverted and tuple(js[2]) == steps.box, n
        # Same steps in float32 and float64: at most one grey level apart.
        assert np.abs(js_digit - steps.digit.astype(np.int64)).max() <= 1, n


def test_blank_drawing_gives_no_digit():
    assert (
        run_js(
            "return book.prepareDigit(new Float32Array(100).fill(255), 10, 10);", None
        )
        is None
    )


def test_forward_pass_equals_keras_on_the_same_weights(mnist):
    from cnnlib.models import build_model

    model = build_model("small", seed=3, init="he")
    doc = deploy.weights_document(model)
    x = mnist.x_test[:20]
    want = model.predict(x, verbose=0)
    got = run_js(
        "const net = book.parseNet(input.doc);"
        " return input.x.map(d => book.forward(net, d.flat()).logits);",
        {"doc": doc, "x": x.astype(int).tolist()},
    )
    np.testing.assert_allclose(np.array(got), want, rtol=0, atol=1e-4)
    assert (np.argmax(got, 1) == np.argmax(want, 1)).all()


def test_weights_document_round_trips_and_refuses_other_files(tmp_path):
    from cnnlib.models import build_model

    model = build_model("small", seed=1, init="he")
    path = tmp_path / deploy.FILENAME
    path.write_text(json.dumps(deploy.weights_document(model, {"data": "none"})))
    loaded = deploy.load_web_weights(path)
    assert list(loaded) == [layer.name for layer in model.layers if layer.weights]
    for name, (kernel, bias) in loaded.items():
        want_kernel, want_bias = model.get_layer(name).get_weights()
        np.testing.assert_array_equal(kernel, want_kernel)
        np.testing.assert_array_equal(bias, want_bias)
    path.write_text(json.dumps({"format": "something else"}))
    with pytest.raises(
        ValueError, match="expected format 'cnnlib-webmodel-1', got 'something else'"
    ):
        deploy.load_web_weights(path)
    with pytest.raises(
        ValueError, match=r"layer 'conv1' has a kernel of shape \(5, 5, 1, 32\)"
    ):
        deploy.weights_document(build_model("large"))


def test_draw_box_words_its_answer():
    """'an 8' / 'a 7'; 'Not sure' when the top probability is low or the pad is
    nearly empty; always that the network picks one of the ten digits."""
    said = run_js(
        "return input.map(a => book.describe(a[0], a[1], a[2]));",
        [[8, 0.9, 0.1], [7, 0.9, 0.1], [4, 0.87, 0.005], [1, 0.3, 0.1]],
    )
    eight, seven, dash, unsure = said
    assert eight["sure"] and "reads an 8 (90.0%)" in eight["text"]
    assert seven["sure"] and "reads a 7 (90.0%)" in seven["text"]
    assert not dash["sure"] and dash["text"].startswith("Not sure")
    assert "very little ink" in dash["text"] and "a 4 (87.0%)" in dash["text"]
    assert not unsure["sure"] and unsure["text"].startswith("Not sure")
    assert all("one of the ten digits" in s["text"] for s in said)


def test_filter_messages_count_in_the_singular_and_plural():
    got = run_js(
        "return input.map(t => { try { book.parseKernel(t); return null; }"
        " catch (e) { return e.message; } });",
        ["1 2\n3", "1\n2 3"],
    )
    assert got == [
        "row 2 has 1 number, row 1 has 2",
        "row 2 has 2 numbers, row 1 has 1",
    ]


def test_png_dpi_reads_what_matplotlib_records():
    """fitAnimation() keeps an animation's text >= 11 px from the dpi its PNG
    frames record; pngDpi() must read the dpi Pillow/matplotlib write."""
    import base64
    import io

    from PIL import Image

    uris = []
    for dpi in (72, 90, 100):
        buf = io.BytesIO()
        Image.new("RGB", (8, 8)).save(buf, format="PNG", dpi=(dpi, dpi))
        uris.append(
            "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
        )
    uris.append("data:image/jpeg;base64,AAAA")
    got = run_js("return input.map(u => book.pngDpi(u));", uris)
    assert got[3] is None
    np.testing.assert_allclose(got[:3], [72, 90, 100], atol=0.05)
