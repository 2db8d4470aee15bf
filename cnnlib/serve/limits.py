"""The service's limits and defaults (no TensorFlow needed, so ``cnnlib serve --help``
shows them at once)."""

from __future__ import annotations

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
#: A refused (413) body is read and dropped up to this many bytes, so that the
#: client, still sending, can read the answer; beyond it the connection is closed.
DISCARD_BYTES = 64 * 1024 * 1024
#: Bodies up to this size are parsed on the event loop; larger ones in a thread.
INLINE_PARSE_BYTES = 64 * 1024
#: The address the service binds by default: this machine only.
LOOPBACK = "127.0.0.1"
#: The port ``cnnlib serve`` listens on by default.
DEFAULT_PORT = 8000
#: Largest request head (request line and headers) the h11 parser accepts.
HEADER_BYTES = 16 * 1024
#: uvicorn's HTTP parsers: "h11" (pure Python; refuses a head over HEADER_BYTES with a
#: 400) or "httptools" (faster C parser, an optional install; no limit on the head's
#: size).
HTTP_PARSERS = ("h11", "httptools")
#: How the model is run: LiteRT's interpreter or a ``tf.function``.
BACKENDS = ("litert", "tensorflow")
