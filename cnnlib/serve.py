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
"""
from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
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
from http import HTTPStatus
from typing import Iterator, Optional, Sequence

import numpy as np

from . import digits as cdigits
from . import quiet_stderr
from ._checks import int_in
from .export import _interpreter_class, deployable_model, tflite_bytes
from .predict import ModelLoadError, load_model

import tensorflow as tf  # noqa: E402  (imported quietly by cnnlib/__init__)
import keras  # noqa: E402

import uvicorn  # noqa: E402
from starlette.applications import Starlette  # noqa: E402
from starlette.exceptions import HTTPException  # noqa: E402
from starlette.requests import ClientDisconnect, Request  # noqa: E402
from starlette.responses import JSONResponse, Response  # noqa: E402
from starlette.routing import Route  # noqa: E402

#: Largest request body accepted, in bytes.
MAX_BYTES = 2 * 1024 * 1024
#: Largest picture accepted, in pixels (checked before decoding).
MAX_PIXELS = 4096 * 4096
#: Seconds a client may take to send its whole body.
READ_TIMEOUT = 10.0
#: Most digits the model is called with at once.
MAX_BATCH = 64
#: The model name of the TF Serving API (``/v1/models/digits``).
SERVING_NAME = "digits"
LOOPBACK = "127.0.0.1"
#: A refused (413) body is read and dropped up to this many bytes, so that the
#: client, still sending, can read the answer; beyond it the connection is closed.
DISCARD_BYTES = 64 * 1024 * 1024
#: Largest request head (request line and headers) the h11 parser accepts.
HEADER_BYTES = 16 * 1024
#: uvicorn's HTTP parsers: "h11" (pure Python; refuses a head over HEADER_BYTES with a
#: 400) or "httptools" (faster C parser, an optional install; no limit on the head's size).
HTTP_PARSERS = ("h11", "httptools")
#: Bodies up to this size are parsed on the event loop; larger ones in a thread.
INLINE_PARSE_BYTES = 64 * 1024


class RequestError(Exception):
    """A request that cannot be answered; carries the HTTP status and the message."""

    def __init__(self, status: HTTPStatus, message: str, close: bool = False):
        super().__init__(message)
        self.status = status
        self.message = message
        self.close = close  # the body was not read: the connection cannot be reused


class _ClientGone(Exception):
    """The client hung up before its body arrived: nobody to answer."""


def _error_response(status: int, message: str, close: bool = False) -> JSONResponse:
    headers = {"Connection": "close"} if close else None
    return JSONResponse({"error": message, "status": int(status)}, status_code=int(status),
                        headers=headers)


# --------------------------------------------------------------------------- the model


BACKENDS = ("litert", "tensorflow")


class DigitModel:
    """The model behind the service: one compiled call per batch, requests batched together.

    The trained model becomes :func:`cnnlib.export.deployable_model` (float32,
    raw digits in, probabilities out), then one of two compiled forms, called
    without ``model.predict``'s per-call overhead:

    * ``"litert"`` (default): converted to a float32 LiteRT flatbuffer in memory
      and run by LiteRT's interpreter, one interpreter per batch size 1, 2, 4
      ... ``max_batch`` (a batch is padded to the next size). Its digits are the
      float32 model's to about 1e-6 in probability.
    * ``"tensorflow"``: one ``tf.function`` with a fixed input signature.

    Args:
        model: a trained Keras model (raw digits -> logits, any precision).
        max_batch: most digits per model call.
        backend: ``"litert"`` or ``"tensorflow"``.
    """

    def __init__(self, model: keras.Model, max_batch: int = MAX_BATCH,
                 backend: str = "litert"):
        if backend not in BACKENDS:
            raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
        self.name = model.name
        self.backend = backend
        self.max_batch = int_in(max_batch, "max_batch", 1)
        deploy = deployable_model(model)
        self._fn = tf.function(lambda x: deploy(x, training=False),
                               input_signature=[tf.TensorSpec([None, 28, 28], tf.float32)])
        if backend == "litert":
            self._flatbuffer = tflite_bytes(model)
            self._interpreters: dict = {}
            size = 1
            with quiet_stderr():  # "INFO: Created TensorFlow Lite XNNPACK delegate for CPU."
                while True:  # one interpreter per batch size 1, 2, 4, ... >= max_batch
                    interp = _interpreter_class()(model_content=self._flatbuffer,
                                                  num_threads=1)
                    index = interp.get_input_details()[0]["index"]
                    interp.resize_tensor_input(index, [size, 28, 28])
                    interp.allocate_tensors()
                    interp.set_tensor(index, np.zeros((size, 28, 28), np.float32))
                    interp.invoke()  # the first call logs the line above
                    self._interpreters[size] = (
                        interp, index, interp.get_output_details()[0]["index"])
                    if size >= self.max_batch:
                        break
                    size *= 2
            probe = np.linspace(0, 255, 2 * 784, dtype=np.float32).reshape(2, 28, 28)
            gap = np.abs(self._litert(probe) - self._fn(probe).numpy()).max()
            if not gap <= 1e-4:  # never seen; guards a converter bug (NaN) all the same
                raise RuntimeError(f"the LiteRT model differs from the Keras model by {gap}")
        self._executor = concurrent.futures.ThreadPoolExecutor(1, "cnnlib-model")
        self._queue: Optional[asyncio.Queue] = None
        self._worker: Optional[asyncio.Task] = None
        self.calls = 0  # model calls made (each one batch)
        self.probabilities(np.zeros((1, 28, 28), np.float32))  # compile now, not per request

    def _litert(self, x: np.ndarray) -> np.ndarray:
        n = len(x)
        size = 1 << (n - 1).bit_length()  # 1, 2, 4, ...
        interp, index, out = self._interpreters[size]
        if size != n:
            x = np.concatenate([x, np.zeros((size - n, 28, 28), np.float32)])
        interp.set_tensor(index, x)
        interp.invoke()
        return interp.get_tensor(out)[:n]

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        """Probabilities ``(N, 10)`` of float32 digits ``(N, 28, 28)`` (already checked).

        Call it from one thread at a time (the service calls it from its one worker).
        """
        self.calls += 1
        if self.backend == "tensorflow":
            return self._fn(tf.constant(x, tf.float32)).numpy()
        x = np.ascontiguousarray(x, np.float32)
        step = self.max_batch
        parts = [self._litert(x[i:i + step]) for i in range(0, len(x), step)]
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    async def start(self) -> None:
        self._queue = asyncio.Queue()
        self._worker = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
        self._executor.shutdown(wait=False)

    async def __call__(self, x: np.ndarray) -> np.ndarray:
        """Probabilities of ``x`` ``(k, 28, 28)``, computed in a batch with whatever else waits."""
        future = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((x, future))
        return await future

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            jobs = [await self._queue.get()]
            size = len(jobs[0][0])
            while size < self.max_batch and not self._queue.empty():
                jobs.append(self._queue.get_nowait())
                size += len(jobs[-1][0])
            jobs = [(x, f) for x, f in jobs if not f.done()]  # callers gone: skip
            if not jobs:
                continue
            batch = jobs[0][0] if len(jobs) == 1 else np.concatenate([x for x, _ in jobs])
            try:
                probs = await loop.run_in_executor(self._executor, self.probabilities, batch)
            except Exception as err:  # noqa: BLE001  (handed to every waiting request)
                for _, f in jobs:
                    if not f.done():
                        f.set_exception(err)
                continue
            start = 0
            for x, f in jobs:
                if not f.done():
                    f.set_result(probs[start:start + len(x)])
                start += len(x)


# --------------------------------------------------------------------------- checking input


def _digits_array(value, what: str, ndim: int) -> np.ndarray:
    """``value`` (parsed JSON) as a float32 array of ``ndim`` axes ending in ``(28, 28)``
    (a trailing channel axis of 1 is dropped), or a 422 naming what is wrong."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError, OverflowError, RecursionError):
        raise RequestError(HTTPStatus.UNPROCESSABLE_ENTITY,
                           f"{what} must be 28 rows of 28 numbers 0..255 per digit "
                           "(a rectangular array of numbers)") from None
    if arr.ndim == ndim + 1 and arr.shape[-1] == 1:
        arr = arr[..., 0]
    if arr.ndim != ndim or arr.shape[-2:] != (28, 28):
        want = "(28, 28)" if ndim == 2 else "(N, 28, 28): a list of digits"
        raise RequestError(HTTPStatus.UNPROCESSABLE_ENTITY,
                           f"{what} must have shape {want}, got {arr.shape}")
    if arr.size == 0:
        raise RequestError(HTTPStatus.UNPROCESSABLE_ENTITY, f"{what} holds no digits")
    finite = np.isfinite(arr)
    if not finite.all() or arr.min() < 0 or arr.max() > 255:
        low, high = (np.nanmin(arr), np.nanmax(arr)) if finite.any() else (np.nan, np.nan)
        raise RequestError(HTTPStatus.UNPROCESSABLE_ENTITY,
                           f"{what} must be numbers in 0..255 (got {low:g}..{high:g}"
                           f"{', and NaN or infinity' if not finite.all() else ''})")
    return arr.astype(np.float32)


def _json(body: bytes):
    try:
        return json.loads(body)
    except RecursionError:
        raise RequestError(HTTPStatus.BAD_REQUEST,
                           "the JSON body is nested too deeply to parse") from None
    except ValueError as err:  # JSONDecodeError, UnicodeDecodeError, huge integers
        raise RequestError(HTTPStatus.BAD_REQUEST, f"the body is not valid JSON ({err})") from None


def parse_pixels(body: bytes) -> np.ndarray:
    """The digit of a ``{"pixels": 28x28}`` JSON body: float32 ``(1, 28, 28)``."""
    doc = _json(body)
    if not isinstance(doc, dict) or "pixels" not in doc:
        raise RequestError(HTTPStatus.BAD_REQUEST,
                           'expected a JSON object {"pixels": 28 rows of 28 numbers 0..255}')
    return _digits_array(doc["pixels"], '"pixels"', 2)[np.newaxis]


def parse_instances(body: bytes) -> tuple[np.ndarray, str]:
    """Digits of a TF Serving predict body: ``(float32 (k, 28, 28), "instances"|"inputs")``."""
    doc = _json(body)
    if not isinstance(doc, dict) or ("instances" in doc) == ("inputs" in doc):
        raise RequestError(HTTPStatus.BAD_REQUEST,
                           'expected a JSON object with "instances": [digit, ...] '
                           '(or "inputs"), each digit 28 rows of 28 numbers 0..255')
    sig = doc.get("signature_name", "serving_default")
    if sig != "serving_default":
        raise RequestError(HTTPStatus.BAD_REQUEST,
                           f"unknown signature_name {sig!r}; this model has 'serving_default'")
    key = "instances" if "instances" in doc else "inputs"
    value = doc[key]
    if key == "instances" and isinstance(value, list):
        if value and all(isinstance(v, dict) for v in value):
            if not all(set(v) == {"digits"} for v in value):
                raise RequestError(HTTPStatus.BAD_REQUEST,
                                   'each named instance must be {"digits": 28x28 pixels}')
            value = [v["digits"] for v in value]
    elif key == "inputs" and isinstance(value, dict):
        if set(value) != {"digits"}:
            raise RequestError(HTTPStatus.BAD_REQUEST, '"inputs" must be {"digits": [...]}')
        value = value["digits"]
    if not isinstance(value, list) or not value:
        raise RequestError(HTTPStatus.BAD_REQUEST, f'"{key}" must be a non-empty list of digits')
    return _digits_array(value, f'"{key}"', 3), key


def parse_picture(body: bytes, max_bytes: int, max_pixels: int) -> cdigits.DigitSteps:
    """Prepare an uploaded picture the MNIST way, or a 4xx naming what is wrong."""
    try:
        return cdigits.prepare_digit(body, name="the uploaded body",
                                     max_bytes=max_bytes, max_pixels=max_pixels)
    except cdigits.ImageTooLargeError as err:
        raise RequestError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, str(err)) from None
    except cdigits.ImageSizeError as err:
        raise RequestError(HTTPStatus.UNPROCESSABLE_ENTITY, str(err)) from None
    except cdigits.ImageError as err:
        raise RequestError(HTTPStatus.BAD_REQUEST, str(err)) from None
    except (OSError, SyntaxError, ValueError, MemoryError) as err:  # a broken picture file
        raise RequestError(HTTPStatus.BAD_REQUEST,
                           f"the uploaded body: cannot decode the picture ({err})") from None


# --------------------------------------------------------------------------- the application


class DigitApp:
    """The ASGI application: Starlette routes around one :class:`DigitModel`.

    Args:
        model: a trained Keras model.
        max_bytes: largest request body accepted.
        max_pixels: largest picture accepted.
        read_timeout: seconds a client may take to send its body.
        max_batch: most digits per model call.
    """

    def __init__(self, model: keras.Model, max_bytes: int = MAX_BYTES,
                 max_pixels: int = MAX_PIXELS, read_timeout: float = READ_TIMEOUT,
                 max_batch: int = MAX_BATCH):
        self.max_bytes = int_in(max_bytes, "max_bytes", 1)
        self.max_pixels = int_in(max_pixels, "max_pixels", 1)
        if not isinstance(read_timeout, (int, float)) or not read_timeout > 0:
            raise ValueError(f"read_timeout must be a number of seconds > 0, got {read_timeout!r}")
        self.read_timeout = float(read_timeout)
        self.model = DigitModel(model, max_batch)
        self.app = Starlette(
            routes=[
                Route("/health", self.health, methods=["GET"]),
                Route("/predict", self.predict, methods=["POST"]),
                Route(f"/v1/models/{SERVING_NAME}:predict", self.tf_serving_predict,
                      methods=["POST"]),
                Route(f"/v1/models/{SERVING_NAME}", self.tf_serving_status, methods=["GET"]),
            ],
            exception_handlers={HTTPException: self._http_error, Exception: self._crash},
            lifespan=self._lifespan)

    async def __call__(self, scope, receive, send) -> None:
        await self.app(scope, receive, send)

    @contextlib.asynccontextmanager
    async def _lifespan(self, app):
        await self.model.start()
        yield
        await self.model.stop()

    # -- errors
    async def _http_error(self, request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 404:
            message = (f"no such path {request.url.path!r}; use POST /predict, "
                       f"POST /v1/models/{SERVING_NAME}:predict or GET /health")
        elif exc.status_code == 405:
            message = (f"{request.method} is not allowed on {request.url.path}; "
                       + ("use GET" if request.url.path in ("/health", f"/v1/models/"
                                                                 f"{SERVING_NAME}")
                          else "use POST with a picture or JSON in the body"))
        else:
            message = str(exc.detail)
        return _error_response(exc.status_code, message, close=request.method == "POST")

    async def _crash(self, request: Request, exc: Exception) -> Response:
        # A bug of ours, not the client's: uvicorn logs the traceback.
        return _error_response(500, f"internal error ({type(exc).__name__})")

    # -- reading the body
    async def _body(self, request: Request) -> bytes:
        if "chunked" in request.headers.get("transfer-encoding", "").lower():
            raise RequestError(HTTPStatus.LENGTH_REQUIRED,
                               "send the body with a Content-Length header "
                               "(chunked encoding is not accepted)", close=True)
        length_text = request.headers.get("content-length")
        if length_text is None:
            raise RequestError(HTTPStatus.LENGTH_REQUIRED,
                               "send the body with a Content-Length header", close=True)
        if not length_text.isdigit():  # uvicorn's h11 refuses most of these itself
            raise RequestError(HTTPStatus.BAD_REQUEST,
                               f"Content-Length must be a number, got {length_text!r}",
                               close=True)
        length = int(length_text)
        if length == 0:
            raise RequestError(HTTPStatus.BAD_REQUEST,
                               'the body is empty; send a picture or JSON {"pixels": ...}')
        too_big = length > self.max_bytes
        if too_big and length > DISCARD_BYTES:
            raise RequestError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                               f"the body is {length:,} bytes, more than the "
                               f"{self.max_bytes:,} allowed", close=True)
        chunks, got = [], 0

        async def read_all() -> None:
            nonlocal got
            async for chunk in request.stream():
                got += len(chunk)
                if not too_big:
                    chunks.append(chunk)

        try:
            await asyncio.wait_for(read_all(), self.read_timeout)
        except asyncio.TimeoutError:
            raise RequestError(HTTPStatus.REQUEST_TIMEOUT,
                               f"the body did not arrive within {self.read_timeout:g} s "
                               f"({got:,} of {length:,} bytes came)", close=True) from None
        except ClientDisconnect:
            raise _ClientGone() from None
        if too_big:
            raise RequestError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                               f"the body is {length:,} bytes, more than the "
                               f"{self.max_bytes:,} allowed", close=True)
        return b"".join(chunks)

    async def _answer(self, request: Request, handle) -> Response:
        try:
            body = await self._body(request)
            return await handle(request, body)
        except RequestError as err:
            return _error_response(err.status, err.message, err.close)
        except _ClientGone:
            return Response(status_code=400)  # never sent: the client is gone

    async def _parse(self, fn, *args):
        if len(args[0]) <= INLINE_PARSE_BYTES:
            return fn(*args)
        return await asyncio.get_running_loop().run_in_executor(None, fn, *args)

    # -- endpoints
    async def health(self, request: Request) -> Response:
        return JSONResponse({"status": "ok", "model": self.model.name})

    async def tf_serving_status(self, request: Request) -> Response:
        return JSONResponse({"model_version_status": [{
            "version": "1", "state": "AVAILABLE",
            "status": {"error_code": "OK", "error_message": ""}}]})

    async def predict(self, request: Request) -> Response:
        return await self._answer(request, self._predict)

    async def _predict(self, request: Request, body: bytes) -> Response:
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype == "application/json":
            x = await self._parse(parse_pixels, body)
            extra = {}
        else:
            steps = await self._parse(parse_picture, body, self.max_bytes, self.max_pixels)
            x, extra = steps.digit[np.newaxis].astype(np.float32), {"inverted": steps.inverted}
        (p,) = await self.model(x)
        return JSONResponse({"digit": int(p.argmax()), "probability": round(float(p.max()), 6),
                             "probabilities": [round(float(v), 6) for v in p], **extra})

    async def tf_serving_predict(self, request: Request) -> Response:
        return await self._answer(request, self._tf_serving_predict)

    async def _tf_serving_predict(self, request: Request, body: bytes) -> Response:
        x, key = await self._parse(parse_instances, body)
        probs = await self.model(x)
        digits = probs.argmax(1).tolist()
        rounded = np.round(probs.astype(np.float64), 6).tolist()
        if key == "inputs":
            return JSONResponse({"outputs": {"digit": digits, "probabilities": rounded}})
        return JSONResponse({"predictions": [{"digit": d, "probabilities": p}
                                             for d, p in zip(digits, rounded)]})


# --------------------------------------------------------------------------- running it


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
