"""Tests of cnnlib.serve: a real service on 127.0.0.1 (a free port), real requests.

In-process (``serve.running``) for the API; ``python -m cnnlib serve`` in a
subprocess for the bad clients, whose log must stay free of tracebacks.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import numpy as np
import pytest

from cnnlib import deploy, digits, models, serve


@pytest.fixture(scope="module")
def model(ridge_model):
    return ridge_model


@pytest.fixture(scope="module")
def server(model):
    with serve.running(model, max_bytes=200_000, max_pixels=1000 * 1000) as srv:
        yield srv


def post(url: str, body: bytes, ctype: str = "image/png") -> tuple[int, dict]:
    return serve.request_prediction(url, body, ctype)


def post_json(url: str, path: str, doc) -> tuple[int, dict]:
    req = urllib.request.Request(
        url + path,
        data=json.dumps(doc).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def test_listens_on_loopback_on_a_free_port(server):
    host, port = server.server_address[:2]
    assert host == "127.0.0.1" and port > 0
    with urllib.request.urlopen(server.url + "/health", timeout=10) as resp:
        assert json.loads(resp.read()) == {"status": "ok", "model": "ridge"}


def test_post_a_picture_get_the_digit_back(server, model, mnist):
    probs = models.probabilities(model, mnist.x_test)
    i = int(np.flatnonzero((probs.argmax(1) == mnist.y_test) & (mnist.y_test == 7))[0])
    photo = digits.render_like_paper(mnist.x_test[i], scale=6, shift=(8, -8))
    status, answer = post(server.url, digits.to_png_bytes(photo))
    expected = models.predict_image(model, photo)
    assert status == 200
    assert answer["digit"] == expected.digit == 7
    assert answer["inverted"] is True
    assert len(answer["probabilities"]) == 10
    assert answer["probability"] == pytest.approx(expected.probability, abs=1e-5)


def test_post_json_pixels(server, model, mnist):
    d = mnist.x_test[5]
    status, answer = post(
        server.url, json.dumps({"pixels": d.tolist()}).encode(), "application/json"
    )
    assert status == 200
    assert answer["digit"] == int(models.probabilities(model, d).argmax())


def test_tf_serving_rest_api(server, model, mnist):
    x = mnist.x_test[:20]
    want = models.probabilities(model, x)
    got = serve.request_tf_serving(server.url, x)
    assert [p["digit"] for p in got] == want.argmax(1).tolist()
    np.testing.assert_allclose([p["probabilities"] for p in got], want, atol=1e-5)
    # named instances, a channel axis, and the columnar "inputs" form
    status, answer = post_json(
        server.url,
        "/v1/models/digits:predict",
        {"instances": [{"digits": x[0].tolist()}]},
    )
    assert status == 200 and answer["predictions"][0]["digit"] == want[0].argmax()
    status, answer = post_json(
        server.url,
        "/v1/models/digits:predict",
        {"instances": x[:2, :, :, None].tolist()},
    )
    assert status == 200 and len(answer["predictions"]) == 2
    status, answer = post_json(
        server.url, "/v1/models/digits:predict", {"inputs": {"digits": x[:3].tolist()}}
    )
    assert status == 200 and answer["outputs"]["digit"] == want[:3].argmax(1).tolist()
    with urllib.request.urlopen(server.url + "/v1/models/digits", timeout=10) as resp:
        assert (
            json.loads(resp.read())["model_version_status"][0]["state"] == "AVAILABLE"
        )


@pytest.mark.parametrize(
    "doc, status, needle",
    [
        (
            {"instances": [[[0] * 28] * 27]},
            422,
            "(N, 28, 28): a list of digits, got (1, 27, 28)",
        ),
        ({"instances": [[0] * 28] * 28}, 422, "got (28, 28)"),
        ({"instances": []}, 400, "non-empty list"),
        ({"instances": [[[300] * 28] * 28]}, 422, "0..255"),
        ({"instances": [{"pixels": [[0] * 28] * 28}]}, 400, '{"digits"'),
        ({"pixels": [[0] * 28] * 28}, 400, '"instances"'),
        (
            {"instances": [[[0] * 28] * 28], "signature_name": "other"},
            400,
            "signature_name",
        ),
    ],
)
def test_tf_serving_bad_requests(server, doc, status, needle):
    got, answer = post_json(server.url, "/v1/models/digits:predict", doc)
    assert got == status and needle in answer["error"] and answer["status"] == status


@pytest.mark.parametrize(
    "body, ctype, status, needle",
    [
        (b"hello, I am text", "image/png", 400, "not an image"),
        (b"{not json", "application/json", 400, "not valid JSON"),
        (
            json.dumps({"pixels": [[0] * 28] * 27}).encode(),
            "application/json",
            422,
            "shape (28, 28), got (27, 28)",
        ),
        (
            json.dumps({"pixels": [[300] * 28] * 28}).encode(),
            "application/json",
            422,
            "0..255",
        ),
        (
            json.dumps({"pixels": [[None] * 28] * 28}).encode(),
            "application/json",
            422,
            "0..255",
        ),
        (
            json.dumps({"pixels": [[0] * 28, [0]]}).encode(),
            "application/json",
            422,
            "rectangular",
        ),
        (json.dumps([1, 2]).encode(), "application/json", 400, '{"pixels"'),
        (
            b'{"pixels": ' + b"[" * 90_000 + b"]" * 90_000 + b"}",
            "application/json",
            400,
            "nested too deeply",
        ),
        (
            digits.to_png_bytes(np.zeros((4, 4), np.uint8)),
            "image/png",
            422,
            "4x4 pixels",
        ),
        (
            digits.to_png_bytes(np.zeros((1200, 1000), np.uint8)),
            "image/png",
            413,
            "1000x1200 pixels",
        ),
        (
            digits.to_png_bytes(np.full((40, 40), 255, np.uint8)),
            "image/png",
            400,
            "no ink",
        ),
        (
            digits.to_png_bytes(np.eye(40, dtype=np.uint8) * 255)[:60],
            "image/png",
            400,
            "uploaded body",
        ),
        (
            bytes(300_000),
            "image/png",
            413,
            "300,000 bytes, more than the 200,000 allowed",
        ),
    ],
)
def test_bad_input_gets_a_clear_json_error(server, body, ctype, status, needle):
    got, answer = post(server.url, body, ctype)
    assert got == status
    assert needle in answer["error"] and answer["status"] == status


def test_wrong_paths_methods_and_missing_length(server):
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(server.url + "/nothing", timeout=10)
    assert (
        info.value.code == 404
        and "no such path" in json.loads(info.value.read())["error"]
    )
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(server.url + "/predict", timeout=10)
    assert (
        info.value.code == 405 and "use POST" in json.loads(info.value.read())["error"]
    )
    host, port = server.server_address[:2]
    conn = http.client.HTTPConnection(host, port, timeout=10)
    conn.putrequest("POST", "/predict")
    conn.putheader("Transfer-Encoding", "chunked")
    conn.endheaders()
    resp = conn.getresponse()
    assert resp.status == 411 and "Content-Length" in json.loads(resp.read())["error"]
    conn.close()


def test_concurrent_requests_are_all_answered_right(model, mnist):
    x = mnist.x_test[:48]
    want = models.probabilities(model, x).argmax(1)
    got = [None] * len(x)
    with serve.running(model) as srv:
        calls = srv.model.calls

        def one(i: int) -> None:
            got[i] = post(
                srv.url,
                json.dumps({"pixels": x[i].tolist()}).encode(),
                "application/json",
            )[1]["digit"]

        threads = [threading.Thread(target=one, args=(i,)) for i in range(len(x))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        used = srv.model.calls - calls
    assert got == want.tolist()
    assert 1 <= used <= len(x)  # how many batches depends on timing: see the next test


def test_waiting_requests_share_one_model_call(model, mnist):
    """32 one-digit requests queued together take ceil(32 / max_batch) model calls."""
    import asyncio

    x = mnist.x_test[:32].astype(np.float32)
    dm = serve.DigitModel(model, max_batch=16)
    before = dm.calls  # the warm-up call made when it was built

    async def ask_all():
        await dm.start()
        try:
            return await asyncio.gather(*(dm(x[i : i + 1]) for i in range(len(x))))
        finally:
            await dm.stop()

    answers = asyncio.run(ask_all())
    assert dm.calls - before == 2
    np.testing.assert_allclose(
        np.concatenate(answers), models.probabilities(model, x), atol=1e-5
    )


@pytest.mark.parametrize("backend", serve.BACKENDS)
def test_both_backends_match_the_keras_model(model, mnist, backend):
    dm = serve.DigitModel(model, max_batch=16, backend=backend)
    for n in (1, 3, 16, 40):  # 40: more than max_batch, split into calls
        x = mnist.x_test[:n].astype(np.float32)
        np.testing.assert_allclose(
            dm.probabilities(x), models.probabilities(model, x), atol=1e-5
        )
    with pytest.raises(ValueError, match="backend must be one of"):
        serve.DigitModel(model, backend="onnx")


def test_shutdown_frees_the_port(model):
    with serve.running(model) as srv:
        port = srv.server_address[1]
        assert (
            post(
                srv.url,
                json.dumps({"pixels": [[0] * 28] * 28}).encode(),
                "application/json",
            )[0]
            == 200
        )
    assert not srv.thread.is_alive()
    with socket.socket() as s:  # nothing listens there any more
        assert s.connect_ex(("127.0.0.1", port)) != 0


# --------------------------------------------------------------------- the real service


@pytest.fixture(scope="module")
def service(model, tmp_path_factory):
    """``python -m cnnlib serve`` in a subprocess: (url, log file path, process)."""
    folder = tmp_path_factory.mktemp("service")
    path = folder / "ridge.keras"
    model.save(path)
    with command_line_service(
        path, folder / "service.log", "--max-bytes", "200000", "--read-timeout", "1"
    ) as started:
        yield started


@contextlib.contextmanager
def command_line_service(model_path, log_path, *flags: str):
    """``python -m cnnlib serve MODEL --port 0 FLAGS``, its standard error going to
    ``log_path``: yields (url, log_path, process); SIGTERM at the end."""
    log = open(log_path, "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "cnnlib", "serve", str(model_path), "--port", "0"]
        + list(flags),
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    try:
        first = proc.stdout.readline()
        found = re.search(r"(http://127\.0\.0\.1:\d+)/predict", first)
        assert found, (first, log_path.read_text())
        yield found.group(1), log_path, proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log.close()


def raw_exchange(
    url: str, data: bytes, hang_up: bool = False, wait: float = 10.0
) -> bytes:
    """Send ``data`` on a fresh connection; return all the server sends until it closes
    (or ``wait`` seconds pass); with ``hang_up`` close right after sending."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=wait) as sock:
        sock.sendall(data)
        if hang_up:
            return b""
        chunks = []
        deadline = time.monotonic() + wait
        try:
            while time.monotonic() < deadline:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
        except (socket.timeout, ConnectionResetError):
            pass
        return b"".join(chunks)


def status_and_json(reply: bytes) -> tuple[int, dict]:
    head, _, body = reply.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, json.loads(body) if body.strip().startswith(b"{") else {}


def request_head(length: int, extra: str = "", ctype: str = "image/png") -> bytes:
    return (
        f"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: {ctype}\r\n"
        f"Content-Length: {length}\r\n{extra}\r\n"
    ).encode()


def health(url: str) -> dict:
    with urllib.request.urlopen(url + "/health", timeout=10) as resp:
        return json.loads(resp.read())


@pytest.mark.slow
def test_bad_clients_get_a_4xx_or_a_clean_close_and_the_log_stays_clean(service):
    url, log_path, proc = service
    pixels = json.dumps({"pixels": [[0] * 28] * 28}).encode()
    # a truncated upload, then hang-up: nothing to answer, nothing decoded
    for _ in range(5):
        raw_exchange(url, request_head(10_000) + b"\x89PNG" + bytes(100), hang_up=True)
    # a stalled upload: 408 after the read timeout (1 s here), connection closed
    t0 = time.monotonic()
    status, answer = status_and_json(raw_exchange(url, request_head(1000) + b"12345"))
    assert status == 408 and "did not arrive within 1 s" in answer["error"]
    assert time.monotonic() - t0 < 8
    # malformed JSON and 100,000 nested brackets
    status, answer = status_and_json(
        raw_exchange(
            url,
            request_head(9, "Connection: close\r\n", "application/json") + b"{not json",
        )
    )
    assert status == 400 and "not valid JSON" in answer["error"]
    deep = b"[" * 99_000 + b"]" * 99_000
    status, answer = status_and_json(
        raw_exchange(
            url,
            request_head(len(deep), "Connection: close\r\n", "application/json") + deep,
        )
    )
    assert status == 400 and "nested too deeply" in answer["error"]
    # an oversized body, declared and sent; and one declared far too large
    status, answer = status_and_json(
        raw_exchange(url, request_head(300_000) + bytes(300_000))
    )
    assert status == 413 and "300,000 bytes" in answer["error"]
    status, answer = status_and_json(
        raw_exchange(url, request_head(10**12) + bytes(1000))
    )
    assert status == 413 and "1,000,000,000,000 bytes" in answer["error"]
    # chunked encoding
    status, answer = status_and_json(
        raw_exchange(
            url,
            b"POST /predict HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"5\r\nhello\r\n0\r\n\r\n",
        )
    )
    assert status == 411 and "Content-Length" in answer["error"]
    # malformed HTTP: the server itself answers 400 and closes
    for garbage in (
        b"HELLO THERE\r\n\r\n",
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
        b"POST /predict HTTP/1.1\r\nContent-Length: nope\r\n\r\n",
        b"GET /health HTTP/1.1\r\nX-Big: " + b"a" * 100_000 + b"\r\n\r\n",
    ):
        reply = raw_exchange(url, garbage)
        assert reply == b"" or reply.startswith(b"HTTP/1.1 400"), reply[:80]
    # still up, still right
    assert health(url)["status"] == "ok"
    assert post(url, pixels, "application/json")[0] == 200
    assert proc.poll() is None
    log = log_path.read_text()
    assert "Traceback" not in log, log[-3000:]


@pytest.mark.slow
def test_command_line_service_stops_gracefully_on_sigterm(service):
    url, log_path, proc = service
    status, answer = post(
        url, json.dumps({"pixels": [[0] * 28] * 28}).encode(), "application/json"
    )
    assert status == 200 and 0 <= answer["digit"] <= 9
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, log_path.read_text()[-2000:]
    assert out.strip().endswith("Stopped.")
    log = log_path.read_text()
    assert "Traceback" not in log
    assert "POST /predict" not in log, log[-2000:]  # no access log unless asked


@pytest.mark.slow
def test_access_log_writes_one_line_per_request(model, tmp_path):
    path = tmp_path / "ridge.keras"
    model.save(path)
    log_path = tmp_path / "service.log"
    with command_line_service(path, log_path, "--access-log") as (url, _, proc):
        assert health(url)["status"] == "ok"
        assert post(url, b"not a picture")[0] == 400
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
    assert proc.returncode == 0
    lines = log_path.read_text().splitlines()
    assert [line for line in lines if '"GET /health HTTP/1.1" 200' in line], lines
    assert [line for line in lines if '"POST /predict HTTP/1.1" 400' in line], lines


def test_export_and_serve_share_the_deployable_model(model, mnist):
    deployed = deploy.deployable_model(model)
    want = models.probabilities(model, mnist.x_test[:10])
    np.testing.assert_allclose(
        deployed(mnist.x_test[:10].astype(np.float32)), want, atol=1e-6
    )
