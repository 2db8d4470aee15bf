"""Small clients of the service (standard library only): pictures, and TF Serving's REST
API."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import numpy as np

from . import limits


def request_prediction(
    url: str, body: bytes, content_type: str = "image/png", timeout: float = 30.0
) -> tuple[int, dict]:
    """POST ``body`` to ``URL/predict``; return ``(HTTP status, JSON answer)``, errors
    included."""
    req = urllib.request.Request(
        url.rstrip("/") + "/predict", data=body, headers={"Content-Type": content_type}
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"{}")


def request_tf_serving(
    url: str,
    digits: np.ndarray,
    model: str = limits.SERVING_NAME,
    timeout: float = 30.0,
) -> list[dict]:
    """TF Serving's REST predict: POST ``{"instances": digits}`` to
    ``URL/v1/models/MODEL:predict``.

    Works against this service and against a real TensorFlow Serving serving
    the SavedModel of :func:`cnnlib.deploy.export_for_serving`.

    Returns:
        ``[{"digit": d, "probabilities": [10 floats]}, ...]``, one per digit.
    """
    body = json.dumps({"instances": np.asarray(digits).tolist()}).encode()
    req = urllib.request.Request(
        f"{url.rstrip('/')}/v1/models/{model}:predict",
        data=body,
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        return json.loads(resp.read())["predictions"]
