"""An HTTP prediction service on a maintained ASGI stack: Starlette, served by uvicorn.

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
``POST /v1/models/digits:predict``
    TensorFlow Serving's REST predict API for the SavedModel of
    :func:`cnnlib.export.export_for_serving`: ``{"instances": [digit, ...]}``
    (each digit 28 rows of 28 numbers 0..255, or ``{"digits": ...}``) answers
    ``{"predictions": [{"digit": d, "probabilities": [10 numbers]}, ...]}``;
    the columnar form ``{"inputs": [...]}`` answers ``{"outputs": {...}}``.
    A client written for this works unchanged against a real TF Serving.
``GET /v1/models/digits``
    TF Serving's model status: version 1, ``AVAILABLE``.

Every failure the application sees is a JSON ``{"error": "...", "status": N}``
with a 4xx status that says what was wrong: 400 (not an image, bad or too deeply
nested JSON, no ink), 404 (unknown path), 405 (wrong method), 408 (the body did
not arrive within ``read_timeout`` seconds), 411 (no ``Content-Length``:
chunked uploads are refused), 413 (body over ``max_bytes``, picture over
``max_pixels``), 422 (picture too small, pixels not 28x28 or outside 0..255).
Malformed HTTP (a garbage request line, oversized headers) never reaches the
application: uvicorn answers it with a plain 400 and closes the connection,
logging one warning line. A client that hangs up mid-upload is dropped
silently: its partial body is never decoded.

How it predicts: the model is turned into the float32, probabilities-out model
of :func:`cnnlib.export.deployable_model` and called through one
``tf.function`` with a fixed input signature (no ``model.predict`` per
request). Requests that arrive while the model is busy are **batched**: one
worker thread takes everything waiting (up to ``max_batch`` digits) and runs it
as one call.

The server binds to the loopback address ``127.0.0.1`` by default, so only
this machine can reach it; ``port=0`` picks a free port. :func:`start` runs
it in a background thread and ``server.stop()`` shuts it down gracefully
(finishing the requests in progress, closing the socket); :func:`running` does
both around a ``with`` block. :func:`request_prediction` and
:func:`request_tf_serving` are small clients.

The parts live in :mod:`cnnlib.serve_app` (the Starlette application),
:mod:`cnnlib.serve_parse` (checking requests) and :mod:`cnnlib.serve_batch`
(the batching predictor); every name is importable from here as well.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import logging
import signal
import socket
import sys
import threading
import time
import urllib.error
import urllib.request
from typing import Iterator, Optional, Sequence

import numpy as np

from ._checks import int_in
from .predict import ModelLoadError, load_model
# The service's parts, importable from here as before the split:
from .serve_app import (DISCARD_BYTES, INLINE_PARSE_BYTES, MAX_BYTES,  # noqa: F401
                        MAX_PIXELS, READ_TIMEOUT, SERVING_NAME, DigitApp, _error_response)
from .serve_batch import BACKENDS, MAX_BATCH, DigitModel  # noqa: F401
from .serve_parse import (RequestError, _ClientGone, _digits_array, _json,  # noqa: F401
                          parse_instances, parse_picture, parse_pixels)

import keras  # noqa: E402  (imported quietly by cnnlib/__init__)
import uvicorn  # noqa: E402

LOOPBACK = "127.0.0.1"
#: Largest request head (request line and headers) the h11 parser accepts.
HEADER_BYTES = 16 * 1024
#: uvicorn's HTTP parsers: "h11" (pure Python; refuses a head over HEADER_BYTES with a
#: 400) or "httptools" (faster C parser, an optional install; no limit on the head's size).
HTTP_PARSERS = ("h11", "httptools")


class PredictionServer:
    """A uvicorn server running a :class:`DigitApp` in a background thread.

    Attributes:
        app: the :class:`DigitApp`.
        server_address: ``(host, port)`` it listens on.
        url: ``http://HOST:PORT``.
        thread: the serving thread.
    """

    def __init__(self, app: DigitApp, host: str = LOOPBACK, port: int = 0,
                 log_level: str = "warning", access_log: bool = False, http: str = "h11"):
        if http not in HTTP_PARSERS:
            raise ValueError(f"http must be one of {HTTP_PARSERS}, got {http!r}")
        self.app = app
        self.model = app.model
        self.socket = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Answers go out as two writes (head, body); without TCP_NODELAY (inherited by
        # accepted connections) Nagle's algorithm holds the body until the client's
        # delayed ACK, 40 ms later on Linux, for every request.
        self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            self.socket.bind((host, port))
        except OSError:
            self.socket.close()
            raise
        self.server_address = self.socket.getsockname()[:2]
        config = uvicorn.Config(app, log_level=log_level, access_log=access_log,
                                lifespan="on", timeout_graceful_shutdown=5,
                                timeout_keep_alive=5, log_config=None, http=http,
                                h11_max_incomplete_event_size=HEADER_BYTES)
        self._server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self._server.run,
                                       kwargs={"sockets": [self.socket]},
                                       name="cnnlib-serve", daemon=True)

    @property
    def url(self) -> str:
        """``http://HOST:PORT`` the server listens on."""
        host, port = self.server_address
        return f"http://{host}:{port}"

    def start(self, timeout: float = 30.0) -> "PredictionServer":
        """Start serving in the background thread; return once it accepts connections."""
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the server on {self.url} did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Shut down gracefully: stop accepting, finish the requests in progress,
        close the socket, join the serving thread."""
        self._server.should_exit = True
        if self.thread.is_alive():
            self.thread.join(timeout=15)
        self.socket.close()


def make_server(model: keras.Model, host: str = LOOPBACK, port: int = 0,
                max_bytes: int = MAX_BYTES, max_pixels: int = MAX_PIXELS,
                read_timeout: float = READ_TIMEOUT, max_batch: int = MAX_BATCH,
                log_level: str = "warning", http: str = "h11") -> PredictionServer:
    """Bind a :class:`PredictionServer` (``port=0``: a free port; see ``.url``); not started."""
    port = int_in(port, "port", 0, 65535)
    app = DigitApp(model, max_bytes, max_pixels, read_timeout, max_batch)
    return PredictionServer(app, host, port, log_level=log_level, http=http)


def start(model: keras.Model, host: str = LOOPBACK, port: int = 0,
          **limits) -> PredictionServer:
    """Bind a server and run it in a background thread; call ``.stop()`` to shut it down."""
    return make_server(model, host, port, **limits).start()


@contextlib.contextmanager
def running(model: keras.Model, host: str = LOOPBACK, port: int = 0,
            **limits) -> Iterator[PredictionServer]:
    """Serve ``model`` in a background thread for the ``with`` block, then stop it."""
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


def request_tf_serving(url: str, digits: np.ndarray, model: str = SERVING_NAME,
                       timeout: float = 30.0) -> list[dict]:
    """TF Serving's REST predict: POST ``{"instances": digits}`` to ``URL/v1/models/MODEL:predict``.

    Works against this service and against a real TensorFlow Serving serving
    the SavedModel of :func:`cnnlib.export.export_for_serving`.

    Returns:
        ``[{"digit": d, "probabilities": [10 floats]}, ...]``, one per digit.
    """
    body = json.dumps({"instances": np.asarray(digits).tolist()}).encode()
    req = urllib.request.Request(f"{url.rstrip('/')}/v1/models/{model}:predict", data=body,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        return json.loads(resp.read())["predictions"]


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = argparse.ArgumentParser(prog="python -m cnnlib.serve",
                                description="Serve a .keras digit model over HTTP (Starlette on "
                                            "uvicorn): POST a picture to /predict, get JSON back; "
                                            "TF Serving's REST API at /v1/models/digits:predict.")
    p.add_argument("model", help="a .keras model file (loaded with Keras safe_mode=True)")
    p.add_argument("--host", default=LOOPBACK,
                   help="address to bind (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=8000, help="port (0 = any free port)")
    p.add_argument("--max-bytes", type=int, default=MAX_BYTES, help="largest request body")
    p.add_argument("--read-timeout", type=float, default=READ_TIMEOUT,
                   help="seconds a client may take to send its body")
    p.add_argument("--max-batch", type=int, default=MAX_BATCH,
                   help="most digits per model call")
    p.add_argument("--access-log", action="store_true", help="log one line per request")
    p.add_argument("--http", choices=HTTP_PARSERS, default="h11",
                   help="uvicorn's HTTP parser: h11 (default; limits the request head to "
                        "16 KiB) or httptools (faster, no such limit; pip install httptools)")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        model = load_model(args.model)
        server = make_server(model, args.host, args.port, max_bytes=args.max_bytes,
                             read_timeout=args.read_timeout, max_batch=args.max_batch,
                             log_level="info", http=args.http)
        server._server.config.access_log = args.access_log
    except ModelLoadError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except (ValueError, TypeError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except OSError as err:
        print(f"error: cannot listen on {args.host}:{args.port}: {err.strerror or err}",
              file=sys.stderr)
        return 2
    stopping = threading.Event()

    def stop(signum, frame):
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        server.start()
    except RuntimeError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"Serving {args.model} on {server.url}/predict (Ctrl+C to stop)", flush=True)
    while not stopping.wait(0.2) and server.thread.is_alive():
        pass
    server.stop()
    print("Stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
