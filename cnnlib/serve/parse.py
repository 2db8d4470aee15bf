"""Checking the service's requests: bodies to float32 digits, or a :class:`RequestError`
carrying the 4xx status and the message that say what is wrong (no TensorFlow
needed)."""

from __future__ import annotations

import json
from http import HTTPStatus

import numpy as np

from .. import digits as cdigits
from ..core import errors


class RequestError(errors.CnnlibError):
    """A request that cannot be answered; carries the HTTP status and the message."""

    def __init__(self, status: HTTPStatus, message: str, close: bool = False):
        super().__init__(message)
        self.status = status
        self.message = message
        self.close = close  # the body was not read: the connection cannot be reused


class ClientGone(Exception):
    """The client hung up before its body arrived: nobody to answer."""


def digits_array(value, what: str, ndim: int) -> np.ndarray:
    """``value`` (parsed JSON) as a float32 array of ``ndim`` axes ending in
    ``(28, 28)`` (a trailing channel axis of 1 is dropped), or a 422 naming what is
    wrong.

    The one check of pixels sent as JSON: a rectangular array of numbers, the
    right shape, finite, in 0..255.
    """
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError, OverflowError, RecursionError):
        raise RequestError(
            HTTPStatus.UNPROCESSABLE_ENTITY,
            f"{what} must be 28 rows of 28 numbers 0..255 per digit "
            "(a rectangular array of numbers)",
        ) from None
    if arr.ndim == ndim + 1 and arr.shape[-1] == 1:
        arr = arr[..., 0]
    if arr.ndim != ndim or arr.shape[-2:] != (28, 28):
        want = "(28, 28)" if ndim == 2 else "(N, 28, 28): a list of digits"
        raise RequestError(
            HTTPStatus.UNPROCESSABLE_ENTITY,
            f"{what} must have shape {want}, got {arr.shape}",
        )
    if arr.size == 0:
        raise RequestError(HTTPStatus.UNPROCESSABLE_ENTITY, f"{what} holds no digits")
    finite = np.isfinite(arr)
    if not finite.all() or arr.min() < 0 or arr.max() > 255:
        low, high = (
            (np.nanmin(arr), np.nanmax(arr)) if finite.any() else (np.nan, np.nan)
        )
        raise RequestError(
            HTTPStatus.UNPROCESSABLE_ENTITY,
            f"{what} must be numbers in 0..255 (got {low:g}..{high:g}"
            f"{', and NaN or infinity' if not finite.all() else ''})",
        )
    return arr.astype(np.float32)


def json_body(body: bytes):
    """The parsed JSON of ``body``, or a 400 saying why it is not JSON."""
    try:
        return json.loads(body)
    except RecursionError:
        raise RequestError(
            HTTPStatus.BAD_REQUEST, "the JSON body is nested too deeply to parse"
        ) from None
    except ValueError as err:  # JSONDecodeError, UnicodeDecodeError, huge integers
        raise RequestError(
            HTTPStatus.BAD_REQUEST, f"the body is not valid JSON ({err})"
        ) from None


def parse_pixels(body: bytes) -> np.ndarray:
    """The digit of a ``{"pixels": 28x28}`` JSON body: float32 ``(1, 28, 28)``."""
    doc = json_body(body)
    if not isinstance(doc, dict) or "pixels" not in doc:
        raise RequestError(
            HTTPStatus.BAD_REQUEST,
            'expected a JSON object {"pixels": 28 rows of 28 numbers 0..255}',
        )
    return digits_array(doc["pixels"], '"pixels"', 2)[np.newaxis]


def parse_instances(body: bytes) -> tuple[np.ndarray, str]:
    """Digits of a TF Serving predict body:
    ``(float32 (k, 28, 28), "instances"|"inputs")``."""
    doc = json_body(body)
    if not isinstance(doc, dict) or ("instances" in doc) == ("inputs" in doc):
        raise RequestError(
            HTTPStatus.BAD_REQUEST,
            'expected a JSON object with "instances": [digit, ...] '
            '(or "inputs"), each digit 28 rows of 28 numbers 0..255',
        )
    sig = doc.get("signature_name", "serving_default")
    if sig != "serving_default":
        raise RequestError(
            HTTPStatus.BAD_REQUEST,
            f"unknown signature_name {sig!r}; this model has 'serving_default'",
        )
    key = "instances" if "instances" in doc else "inputs"
    value = doc[key]
    if key == "instances" and isinstance(value, list):
        if value and all(isinstance(v, dict) for v in value):
            if not all(set(v) == {"digits"} for v in value):
                raise RequestError(
                    HTTPStatus.BAD_REQUEST,
                    'each named instance must be {"digits": 28x28 pixels}',
                )
            value = [v["digits"] for v in value]
    elif key == "inputs" and isinstance(value, dict):
        if set(value) != {"digits"}:
            raise RequestError(
                HTTPStatus.BAD_REQUEST, '"inputs" must be {"digits": [...]}'
            )
        value = value["digits"]
    if not isinstance(value, list) or not value:
        raise RequestError(
            HTTPStatus.BAD_REQUEST, f'"{key}" must be a non-empty list of digits'
        )
    return digits_array(value, f'"{key}"', 3), key


def parse_picture(body: bytes, max_bytes: int, max_pixels: int) -> cdigits.DigitSteps:
    """Prepare an uploaded picture the MNIST way, or a 4xx naming what is wrong."""
    try:
        return cdigits.prepare_digit(
            body, name="the uploaded body", max_bytes=max_bytes, max_pixels=max_pixels
        )
    except cdigits.ImageTooLargeError as err:
        raise RequestError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, str(err)) from None
    except cdigits.ImageSizeError as err:
        raise RequestError(HTTPStatus.UNPROCESSABLE_ENTITY, str(err)) from None
    except cdigits.ImageError as err:
        raise RequestError(HTTPStatus.BAD_REQUEST, str(err)) from None
    except (
        OSError,
        SyntaxError,
        ValueError,
        MemoryError,
    ) as err:  # a broken picture file
        raise RequestError(
            HTTPStatus.BAD_REQUEST,
            f"the uploaded body: cannot decode the picture ({err})",
        ) from None
