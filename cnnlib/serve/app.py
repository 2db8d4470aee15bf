"""The service's ASGI application: :class:`DigitApp`, Starlette routes around one
:class:`~cnnlib.serve.DigitModel`, reading bodies within limits and answering every
failure as JSON ``{"error": "...", "status": N}``."""

from __future__ import annotations

import asyncio
import contextlib
from http import HTTPStatus

import numpy as np
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..core import checks
from ..core.tf import keras
from . import batch, limits, parse


def error_response(status: int, message: str, close: bool = False) -> JSONResponse:
    """The JSON answer ``{"error": message, "status": status}`` (closing the connection
    when ``close``: the body was not read, so it cannot be reused)."""
    headers = {"Connection": "close"} if close else None
    return JSONResponse(
        {"error": message, "status": int(status)},
        status_code=int(status),
        headers=headers,
    )


class DigitApp:
    """The ASGI application: Starlette routes around one :class:`DigitModel`.

    Args:
        model: a trained Keras model.
        max_bytes: largest request body accepted.
        max_pixels: largest picture accepted.
        read_timeout: seconds a client may take to send its body.
        max_batch: most digits per model call.
    """

    def __init__(
        self,
        model: keras.Model,
        max_bytes: int = limits.MAX_BYTES,
        max_pixels: int = limits.MAX_PIXELS,
        read_timeout: float = limits.READ_TIMEOUT,
        max_batch: int = limits.MAX_BATCH,
    ):
        self.max_bytes = checks.int_in(max_bytes, "max_bytes", 1)
        self.max_pixels = checks.int_in(max_pixels, "max_pixels", 1)
        if not isinstance(read_timeout, (int, float)) or not read_timeout > 0:
            raise ValueError(
                f"read_timeout must be a number of seconds > 0, got {read_timeout!r}"
            )
        self.read_timeout = float(read_timeout)
        self.model = batch.DigitModel(model, max_batch)
        self.app = Starlette(
            routes=[
                Route("/health", self.health, methods=["GET"]),
                Route("/predict", self.predict, methods=["POST"]),
                Route(
                    f"/v1/models/{limits.SERVING_NAME}:predict",
                    self.tf_serving_predict,
                    methods=["POST"],
                ),
                Route(
                    f"/v1/models/{limits.SERVING_NAME}",
                    self.tf_serving_status,
                    methods=["GET"],
                ),
            ],
            exception_handlers={
                HTTPException: self._http_error,
                Exception: self._crash,
            },
            lifespan=self._lifespan,
        )

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
            message = (
                f"no such path {request.url.path!r}; use POST /predict, "
                f"POST /v1/models/{limits.SERVING_NAME}:predict or GET /health"
            )
        elif exc.status_code == 405:
            message = f"{request.method} is not allowed on {request.url.path}; " + (
                "use GET"
                if request.url.path in ("/health", f"/v1/models/{limits.SERVING_NAME}")
                else "use POST with a picture or JSON in the body"
            )
        else:
            message = str(exc.detail)
        return error_response(exc.status_code, message, close=request.method == "POST")

    async def _crash(self, request: Request, exc: Exception) -> Response:
        # A bug of ours, not the client's: uvicorn logs the traceback.
        return error_response(500, f"internal error ({type(exc).__name__})")

    # -- reading the body
    async def _body(self, request: Request) -> bytes:
        if "chunked" in request.headers.get("transfer-encoding", "").lower():
            raise parse.RequestError(
                HTTPStatus.LENGTH_REQUIRED,
                "send the body with a Content-Length header "
                "(chunked encoding is not accepted)",
                close=True,
            )
        length_text = request.headers.get("content-length")
        if length_text is None:
            raise parse.RequestError(
                HTTPStatus.LENGTH_REQUIRED,
                "send the body with a Content-Length header",
                close=True,
            )
        if not length_text.isdigit():  # uvicorn's h11 refuses most of these itself
            raise parse.RequestError(
                HTTPStatus.BAD_REQUEST,
                f"Content-Length must be a number, got {length_text!r}",
                close=True,
            )
        length = int(length_text)
        if length == 0:
            raise parse.RequestError(
                HTTPStatus.BAD_REQUEST,
                'the body is empty; send a picture or JSON {"pixels": ...}',
            )
        too_big = length > self.max_bytes
        if too_big and length > limits.DISCARD_BYTES:
            raise parse.RequestError(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                f"the body is {length:,} bytes, more than the "
                f"{self.max_bytes:,} allowed",
                close=True,
            )
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
            raise parse.RequestError(
                HTTPStatus.REQUEST_TIMEOUT,
                f"the body did not arrive within {self.read_timeout:g} s "
                f"({got:,} of {length:,} bytes came)",
                close=True,
            ) from None
        except ClientDisconnect:
            raise parse.ClientGone() from None
        if too_big:
            raise parse.RequestError(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                f"the body is {length:,} bytes, more than the "
                f"{self.max_bytes:,} allowed",
                close=True,
            )
        return b"".join(chunks)

    async def _answer(self, request: Request, handle) -> Response:
        try:
            body = await self._body(request)
            return await handle(request, body)
        except parse.RequestError as err:
            return error_response(err.status, err.message, err.close)
        except parse.ClientGone:
            return Response(status_code=400)  # never sent: the client is gone

    async def _parse(self, fn, *args):
        if len(args[0]) <= limits.INLINE_PARSE_BYTES:
            return fn(*args)
        return await asyncio.get_running_loop().run_in_executor(None, fn, *args)

    # -- endpoints
    async def health(self, request: Request) -> Response:
        return JSONResponse({"status": "ok", "model": self.model.name})

    async def tf_serving_status(self, request: Request) -> Response:
        return JSONResponse(
            {
                "model_version_status": [
                    {
                        "version": "1",
                        "state": "AVAILABLE",
                        "status": {"error_code": "OK", "error_message": ""},
                    }
                ]
            }
        )

    async def predict(self, request: Request) -> Response:
        return await self._answer(request, self._predict)

    async def _predict(self, request: Request, body: bytes) -> Response:
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype == "application/json":
            x = await self._parse(parse.parse_pixels, body)
            extra = {}
        else:
            steps = await self._parse(
                parse.parse_picture, body, self.max_bytes, self.max_pixels
            )
            x, extra = (
                steps.digit[np.newaxis].astype(np.float32),
                {"inverted": steps.inverted},
            )
        (p,) = await self.model(x)
        return JSONResponse(
            {
                "digit": int(p.argmax()),
                "probability": round(float(p.max()), 6),
                "probabilities": [round(float(v), 6) for v in p],
                **extra,
            }
        )

    async def tf_serving_predict(self, request: Request) -> Response:
        return await self._answer(request, self._tf_serving_predict)

    async def _tf_serving_predict(self, request: Request, body: bytes) -> Response:
        x, key = await self._parse(parse.parse_instances, body)
        probs = await self.model(x)
        digits = probs.argmax(1).tolist()
        rounded = np.round(probs.astype(np.float64), 6).tolist()
        if key == "inputs":
            return JSONResponse(
                {"outputs": {"digit": digits, "probabilities": rounded}}
            )
        return JSONResponse(
            {
                "predictions": [
                    {"digit": d, "probabilities": p} for d, p in zip(digits, rounded)
                ]
            }
        )
