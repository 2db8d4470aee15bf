"""A minimal HTTP prediction service, written with Python's standard library only.

::

    python -m cnnlib.serve MODEL.keras --port 8000          # Ctrl+C stops it

    curl --data-binary @seven.png -H "Content-Type: image/png" http://127.0.0.1:8000/predict
    {"digit": 7, "probability": 0.9981, "probabilities": [...], "inverted": false}

Endpoints
---------
``GET /health``
    ``{"status": "ok", "model": NAME}``: the service is up.
``POST /predict``
    The body is either the bytes of a picture (any ``Content-Type`` but JSON;
    PNG, JPEG, GIF, BMP ...), prepared the MNIST way by
    :func:`cnnlib.digits.prepare_digit`, or JSON ``{"pixels": 28 rows of 28
    numbers 0..255}``, a digit that is already MNIST-style. The answer is JSON
    ``{"digit", "probability", "probabilities"}``.

Every failure is a JSON ``{"error": "..."}`` with a 4xx status that says what
was wrong: 400 (not an image, bad JSON, no ink), 404 (unknown path), 405
(wrong method), 411 (no ``Content-Length``), 413 (body over ``max_bytes``
or picture over ``max_pixels``), 422 (picture too small, or ``pixels`` not 28x28).

The server binds to the loopback address ``127.0.0.1`` by default, so only
this machine can reach it; ``port=0`` picks a free port. :func:`start` runs
it in a background thread and ``server.stop()`` shuts it down cleanly
(finishing the request in progress, closing the socket); :func:`running` does
both around a ``with`` block. :func:`request_prediction` is a small client.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import signal
import sys
import threading
import urllib.error
import urllib.request
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator, Optional, Sequence

import numpy as np

from . import digits as cdigits
from ._checks import int_in
from .predict import ModelLoadError, load_model, predict_digits

import keras  # noqa: E402

#: Largest request body accepted, in bytes.
MAX_BYTES = 2 * 1024 * 1024
#: Largest picture accepted, in pixels (checked before decoding).
MAX_PIXELS = 4096 * 4096
LOOPBACK = "127.0.0.1"


class RequestError(Exception):
    """A request that cannot be answered; carries the HTTP status and the message."""

    def __init__(self, status: HTTPStatus, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


class PredictionServer(ThreadingHTTPServer):
    """An HTTP server holding one model; one thread per request, one prediction at a time.

    Attributes:
        model: the Keras model (raw digits -> logits).
        max_bytes: largest request body accepted.
        max_pixels: largest picture accepted.
    """

    daemon_threads = True

    def __init__(self, model: keras.Model, host: str = LOOPBACK, port: int = 0,
                 max_bytes: int = MAX_BYTES, max_pixels: int = MAX_PIXELS):
        self.model = model
        self.max_bytes = max_bytes
        self.max_pixels = max_pixels
        self.lock = threading.Lock()  # Keras models are not safe to call from many threads
        super().__init__((host, port), PredictionHandler)

    thread: Optional[threading.Thread] = None

    def stop(self) -> None:
        """Shut down gracefully: stop accepting, finish the request in progress,
        close the socket, join the serving thread (started by :func:`start`)."""
        self.shutdown()
        self.server_close()
        if self.thread is not None:
            self.thread.join(timeout=10)

    @property
    def url(self) -> str:
        """``http://HOST:PORT`` the server listens on."""
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def predict(self, digit: np.ndarray, name: str) -> dict:
        with self.lock:
            (pred,) = predict_digits(self.model, digit[np.newaxis], [name])
        return {"digit": pred.digit, "probability": round(pred.probability, 6),
                "probabilities": [round(float(p), 6) for p in pred.probabilities]}


class PredictionHandler(BaseHTTPRequestHandler):
    """Answers ``GET /health`` and ``POST /predict``; every answer is JSON."""

    server: PredictionServer
    server_version = "cnnlib-serve/1"
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args) -> None:  # noqa: A002  (stdlib's name)
        """Quiet by default: a notebook or test output must not get request logs."""

    def _send(self, status: HTTPStatus, body: dict, close: bool = False) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(data)

    def _error(self, err: RequestError, close: bool = False) -> None:
        self._send(err.status, {"error": err.message, "status": int(err.status)}, close)

    def do_GET(self) -> None:  # noqa: N802  (stdlib's name)
        if self.path == "/health":
            self._send(HTTPStatus.OK, {"status": "ok", "model": self.server.model.name})
        elif self.path == "/predict":
            self._error(RequestError(HTTPStatus.METHOD_NOT_ALLOWED,
                                     "use POST /predict with a picture or JSON pixels in the body"))
        else:
            self._error(RequestError(HTTPStatus.NOT_FOUND,
                                     f"no such path {self.path!r}; use POST /predict or GET /health"))

    def do_POST(self) -> None:  # noqa: N802
        if self.path != "/predict":
            self._error(RequestError(HTTPStatus.NOT_FOUND,
                                     f"no such path {self.path!r}; use POST /predict"), close=True)
            return
        try:
            body = self._read_body()
        except RequestError as err:
            self._error(err, close=True)  # the unread body must not be taken as a request
            return
        try:
            self._send(HTTPStatus.OK, self._answer(body))
        except RequestError as err:
            self._error(err)

    def _read_body(self) -> bytes:
        length_text = self.headers.get("Content-Length")
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked" or length_text is None:
            raise RequestError(HTTPStatus.LENGTH_REQUIRED,
                               "send the body with a Content-Length header (no chunked encoding)")
        try:
            length = int(length_text)
        except ValueError:
            raise RequestError(HTTPStatus.BAD_REQUEST,
                               f"Content-Length must be a number, got {length_text!r}") from None
        if length > self.server.max_bytes:
            self._discard(length)
            raise RequestError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                               f"the body is {length:,} bytes, more than the "
                               f"{self.server.max_bytes:,} allowed")
        if length <= 0:
            raise RequestError(HTTPStatus.BAD_REQUEST,
                               "the body is empty; send a picture or JSON {\"pixels\": ...}")
        return self.rfile.read(length)

    def _discard(self, length: int) -> None:
        """Read and drop a refused body of up to 4 x ``max_bytes``, so the client can
        read our 413 answer instead of seeing its upload cut off; larger ones are not read."""
        if length > 4 * self.server.max_bytes:
            return
        left = length
        while left > 0:
            chunk = self.rfile.read(min(left, 65536))
            if not chunk:
                break
            left -= len(chunk)

    def _answer(self, body: bytes) -> dict:
        ctype = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if ctype == "application/json":
            return self.server.predict(self._pixels_from_json(body), "pixels")
        try:
            steps = cdigits.prepare_digit(body, name="the uploaded body",
                                          max_bytes=self.server.max_bytes,
                                          max_pixels=self.server.max_pixels)
        except cdigits.ImageTooLargeError as err:
            raise RequestError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, str(err)) from None
        except cdigits.ImageSizeError as err:
            raise RequestError(HTTPStatus.UNPROCESSABLE_ENTITY, str(err)) from None
        except cdigits.ImageError as err:
            raise RequestError(HTTPStatus.BAD_REQUEST, str(err)) from None
        answer = self.server.predict(steps.digit, steps.name)
        answer["inverted"] = steps.inverted
        return answer

    @staticmethod
    def _pixels_from_json(body: bytes) -> np.ndarray:
        try:
            doc = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            raise RequestError(HTTPStatus.BAD_REQUEST, f"the body is not valid JSON ({err})") from None
        if not isinstance(doc, dict) or "pixels" not in doc:
            raise RequestError(HTTPStatus.BAD_REQUEST,
                               'expected a JSON object {"pixels": 28 rows of 28 numbers 0..255}')
        try:
            pixels = np.asarray(doc["pixels"], dtype=np.float64)
        except (TypeError, ValueError):
            raise RequestError(HTTPStatus.UNPROCESSABLE_ENTITY,
                               '"pixels" must be 28 rows of 28 numbers (a rectangular array)') from None
        if pixels.shape != (28, 28):
            raise RequestError(HTTPStatus.UNPROCESSABLE_ENTITY,
                               f'"pixels" must have shape (28, 28), got {pixels.shape}')
        if not np.isfinite(pixels).all() or pixels.min() < 0 or pixels.max() > 255:
            raise RequestError(HTTPStatus.UNPROCESSABLE_ENTITY,
                               '"pixels" must be numbers in 0..255 '
                               f"(got {np.nanmin(pixels):g}..{np.nanmax(pixels):g})")
        return pixels.astype(np.float32)


def make_server(model: keras.Model, host: str = LOOPBACK, port: int = 0,
                max_bytes: int = MAX_BYTES, max_pixels: int = MAX_PIXELS) -> PredictionServer:
    """Bind a :class:`PredictionServer` (``port=0``: a free port; see ``.url``)."""
    port = int_in(port, "port", 0, 65535)
    int_in(max_bytes, "max_bytes", 1)
    int_in(max_pixels, "max_pixels", 1)
    return PredictionServer(model, host, port, max_bytes, max_pixels)


def start(model: keras.Model, host: str = LOOPBACK, port: int = 0, **limits) -> PredictionServer:
    """Bind a server and run it in a background thread; call ``.stop()`` to shut it down."""
    server = make_server(model, host, port, **limits)
    server.thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                                     name="cnnlib-serve", daemon=True)
    server.thread.start()
    return server


@contextlib.contextmanager
def running(model: keras.Model, host: str = LOOPBACK, port: int = 0,
            **limits) -> Iterator[PredictionServer]:
    """Serve ``model`` in a background thread for the ``with`` block, then :meth:`~PredictionServer.stop`."""
    server = start(model, host, port, **limits)
    try:
        yield server
    finally:
        server.stop()


def request_prediction(url: str, body: bytes, content_type: str = "image/png",
                       timeout: float = 30.0) -> tuple[int, dict]:
    """POST ``body`` to ``URL/predict``; return ``(HTTP status, JSON answer)``, errors included."""
    req = urllib.request.Request(url.rstrip("/") + "/predict", data=body,
                                 headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"{}")


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = argparse.ArgumentParser(prog="python -m cnnlib.serve",
                                description="Serve a .keras digit model over HTTP: POST a picture "
                                            "to /predict, get JSON back.")
    p.add_argument("model", help="a .keras model file (loaded with Keras safe_mode=True)")
    p.add_argument("--host", default=LOOPBACK,
                   help="address to bind (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=8000, help="port (0 = any free port)")
    p.add_argument("--max-bytes", type=int, default=MAX_BYTES, help="largest request body")
    args = p.parse_args(argv)
    try:
        model = load_model(args.model)
    except ModelLoadError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    try:
        server = make_server(model, args.host, args.port, max_bytes=args.max_bytes)
    except OSError as err:
        print(f"error: cannot listen on {args.host}:{args.port}: {err.strerror or err}", file=sys.stderr)
        return 2

    def stop(signum, frame):  # shutdown() must run outside the serving thread
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"Serving {args.model} on {server.url}/predict (Ctrl+C to stop)", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
    print("Stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
