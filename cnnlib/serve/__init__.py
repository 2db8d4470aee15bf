"""The HTTP prediction service on Starlette and uvicorn (chapter 10).

    running(model) / start(model)    serve in a background thread (loopback, any port)
    request_prediction(url, png)     POST a picture to /predict, get (status, JSON)
    request_tf_serving(url, digits)  TF Serving's REST predict API

Modules: :mod:`.server`, :mod:`.app`, :mod:`.parse`, :mod:`.batch`, :mod:`.client`,
:mod:`.limits` (no TensorFlow), :mod:`.cli` (``cnnlib serve``).
"""

from ..core.lazy import public_api

__getattr__, __dir__, __all__ = public_api(
    __name__,
    {
        "server": ["PredictionServer", "make_server", "running", "start"],
        "app": ["DigitApp", "error_response"],
        "parse": [
            "ClientGone",
            "RequestError",
            "digits_array",
            "json_body",
            "parse_instances",
            "parse_picture",
            "parse_pixels",
        ],
        "batch": ["DigitModel"],
        "client": ["request_prediction", "request_tf_serving"],
        "limits": [
            "BACKENDS",
            "DEFAULT_PORT",
            "DISCARD_BYTES",
            "HEADER_BYTES",
            "HTTP_PARSERS",
            "INLINE_PARSE_BYTES",
            "LOOPBACK",
            "MAX_BATCH",
            "MAX_BYTES",
            "MAX_PIXELS",
            "READ_TIMEOUT",
            "SERVING_NAME",
        ],
    },
)
