"""Tests of cnnlib.serve: a real HTTP server on 127.0.0.1 (a free port), real requests."""
from __future__ import annotations

import http.client
import json
import socket
import urllib.error
import urllib.request

import numpy as np
import pytest

import cnnlib  # noqa: F401
from cnnlib import digits, predict, serve


@pytest.fixture(scope="module")
def model(ridge_model):
    return ridge_model


@pytest.fixture(scope="module")
def server(model):
    with serve.running(model, max_bytes=200_000, max_pixels=1000 * 1000) as srv:
        yield srv


def post(url: str, body: bytes, ctype: str = "image/png") -> tuple[int, dict]:
    return serve.request_prediction(url, body, ctype)


def test_listens_on_loopback_on_a_free_port(server):
    host, port = server.server_address[:2]
    assert host == "127.0.0.1" and port > 0
    with urllib.request.urlopen(server.url + "/health", timeout=10) as resp:
        assert json.loads(resp.read()) == {"status": "ok", "model": "ridge"}


def test_post_a_picture_get_the_digit_back(server, model, mnist):
    probs = predict.probabilities(model, mnist.x_test)
    i = int(np.flatnonzero((probs.argmax(1) == mnist.y_test) & (mnist.y_test == 7))[0])
    photo = digits.render_like_paper(mnist.x_test[i], scale=6, shift=(8, -8))
    status, answer = post(server.url, digits.to_png_bytes(photo))
    expected = predict.predict_image(model, photo)
    assert status == 200
    assert answer["digit"] == expected.digit == 7
    assert answer["inverted"] is True
    assert len(answer["probabilities"]) == 10
    assert answer["probability"] == pytest.approx(expected.probability, abs=1e-5)


def test_post_json_pixels(server, model, mnist):
    d = mnist.x_test[5]
    status, answer = post(server.url, json.dumps({"pixels": d.tolist()}).encode(), "application/json")
    assert status == 200
    assert answer["digit"] == int(predict.probabilities(model, d).argmax())


@pytest.mark.parametrize("body, ctype, status, needle", [
    (b"hello, I am text", "image/png", 400, "not an image"),
    (b"{not json", "application/json", 400, "not valid JSON"),
    (json.dumps({"pixels": [[0] * 28] * 27}).encode(), "application/json", 422,
     "shape (28, 28), got (27, 28)"),
    (json.dumps({"pixels": [[300] * 28] * 28}).encode(), "application/json", 422, "0..255"),
    (json.dumps([1, 2]).encode(), "application/json", 400, '{"pixels"'),
    (digits.to_png_bytes(np.zeros((4, 4), np.uint8)), "image/png", 422, "4x4 pixels"),
    (digits.to_png_bytes(np.zeros((1200, 1000), np.uint8)), "image/png", 413, "1000x1200 pixels"),
    (digits.to_png_bytes(np.full((40, 40), 255, np.uint8)), "image/png", 400, "no ink"),
    (bytes(300_000), "image/png", 413, "300,000 bytes, more than the 200,000 allowed"),
])
def test_bad_input_gets_a_clear_json_error(server, body, ctype, status, needle):
    got, answer = post(server.url, body, ctype)
    assert got == status
    assert needle in answer["error"] and answer["status"] == status


def test_wrong_paths_methods_and_missing_length(server):
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(server.url + "/nothing", timeout=10)
    assert info.value.code == 404 and "no such path" in json.loads(info.value.read())["error"]
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(server.url + "/predict", timeout=10)
    assert info.value.code == 405
    host, port = server.server_address[:2]
    conn = http.client.HTTPConnection(host, port, timeout=10)
    conn.putrequest("POST", "/predict")
    conn.putheader("Transfer-Encoding", "chunked")
    conn.endheaders()
    resp = conn.getresponse()
    assert resp.status == 411 and "Content-Length" in json.loads(resp.read())["error"]
    conn.close()


def test_shutdown_frees_the_port(model):
    with serve.running(model) as srv:
        port = srv.server_address[1]
        assert post(srv.url, json.dumps({"pixels": [[0] * 28] * 28}).encode(),
                    "application/json")[0] == 200
    with socket.socket() as s:  # nothing listens there any more
        assert s.connect_ex(("127.0.0.1", port)) != 0


@pytest.mark.slow
def test_command_line_service_stops_gracefully_on_sigterm(model, tmp_path):
    import re
    import signal
    import subprocess
    import sys

    path = tmp_path / "ridge.keras"
    model.save(path)
    proc = subprocess.Popen([sys.executable, "-m", "cnnlib.serve", str(path), "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = proc.stdout.readline()
        url = re.search(r"(http://127\.0\.0\.1:\d+)/predict", first).group(1)
        status, answer = post(url, json.dumps({"pixels": [[0] * 28] * 28}).encode(),
                              "application/json")
        assert status == 200 and 0 <= answer["digit"] <= 9
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert out.strip().endswith("Stopped.")
