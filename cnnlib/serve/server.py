"""An HTTP prediction service on a maintained ASGI stack: Starlette, served by uvicorn.

::

    cnnlib serve MODEL.keras --port 8000          # Ctrl+C stops it

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
    :func:`cnnlib.deploy.export_for_serving`: ``{"instances": [digit, ...]}``
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
of :func:`cnnlib.deploy.deployable_model` and called through one compiled form
(LiteRT's interpreter by default, or a ``tf.function`` with a fixed input
signature; no ``model.predict`` per request). Requests that arrive while the
model is busy are **batched**: one worker thread takes everything waiting (up
to ``max_batch`` digits) and runs it as one call.

The server binds to the loopback address ``127.0.0.1`` by default, so only
this machine can reach it; ``port=0`` picks a free port. :func:`start` runs
it in a background thread and ``server.stop()`` shuts it down gracefully
(finishing the requests in progress, closing the socket); :func:`running` does
both around a ``with`` block.

The parts: :mod:`.app` (the Starlette application), :mod:`.parse` (checking
requests), :mod:`.batch` (the batching predictor), :mod:`.limits`, :mod:`.client`
(small clients), :mod:`.cli` (``cnnlib serve``).
"""

from __future__ import annotations

import contextlib
import importlib.util
import socket
import threading
import time
from typing import Iterator

import uvicorn

from ..core import checks
from ..core.tf import keras
from . import app, limits


class PredictionServer:
    """A uvicorn server running a :class:`DigitApp` in a background thread.

    Attributes:
        app: the :class:`DigitApp`.
        server_address: ``(host, port)`` it listens on.
        url: ``http://HOST:PORT``.
        thread: the serving thread.
    """

    def __init__(
        self,
        digit_app: app.DigitApp,
        host: str = limits.LOOPBACK,
        port: int = 0,
        log_level: str = "warning",
        access_log: bool = False,
        http: str = "h11",
    ):
        checks.one_of(http, "http", limits.HTTP_PARSERS)
        if http == "httptools" and importlib.util.find_spec("httptools") is None:
            raise ValueError(  # found here, not as a traceback in the serving thread
                "http='httptools' needs the httptools package, which is not "
                "installed: pip install httptools (or use http='h11')"
            )
        self.app = digit_app
        self.model = digit_app.model
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
        config = uvicorn.Config(
            digit_app,
            log_level=log_level,
            access_log=access_log,
            lifespan="on",
            timeout_graceful_shutdown=5,
            timeout_keep_alive=5,
            log_config=None,
            http=http,
            h11_max_incomplete_event_size=limits.HEADER_BYTES,
        )
        self._server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [self.socket]},
            name="cnnlib-serve",
            daemon=True,
        )

    @property
    def url(self) -> str:
        """``http://HOST:PORT`` the server listens on."""
        host, port = self.server_address
        return f"http://{host}:{port}"

    def start(self, timeout: float = 30.0) -> "PredictionServer":
        """Start serving in the background thread; return once it accepts
        connections."""
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


def make_server(
    model: keras.Model,
    host: str = limits.LOOPBACK,
    port: int = 0,
    max_bytes: int = limits.MAX_BYTES,
    max_pixels: int = limits.MAX_PIXELS,
    read_timeout: float = limits.READ_TIMEOUT,
    max_batch: int = limits.MAX_BATCH,
    log_level: str = "warning",
    http: str = "h11",
    access_log: bool = False,
) -> PredictionServer:
    """Bind a :class:`PredictionServer` (``port=0``: a free port; see ``.url``); not
    started.

    ``access_log`` logs one line per request (uvicorn's access log).
    """
    port = checks.int_in(port, "port", 0, 65535)
    digit_app = app.DigitApp(model, max_bytes, max_pixels, read_timeout, max_batch)
    return PredictionServer(
        digit_app, host, port, log_level=log_level, http=http, access_log=access_log
    )


def start(
    model: keras.Model, host: str = limits.LOOPBACK, port: int = 0, **limits
) -> PredictionServer:
    """Bind a server and run it in a background thread; call ``.stop()`` to shut it
    down."""
    return make_server(model, host, port, **limits).start()


@contextlib.contextmanager
def running(
    model: keras.Model, host: str = limits.LOOPBACK, port: int = 0, **limits
) -> Iterator[PredictionServer]:
    """Serve ``model`` in a background thread for the ``with`` block, then stop it."""
    server = start(model, host, port, **limits)
    try:
        yield server
    finally:
        server.stop()
