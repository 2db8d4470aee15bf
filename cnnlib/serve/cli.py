"""``cnnlib serve``: serve a ``.keras`` digit model over HTTP until Ctrl+C."""

from __future__ import annotations

import argparse
import importlib.util
import logging
import signal
import threading

from ..core import cli
from . import limits

EXAMPLES = """examples:
  cnnlib serve small.keras                         (http://127.0.0.1:8000/predict)
  cnnlib serve small.keras --port 0 --access-log   (any free port, a line per request)
  curl --data-binary @seven.png -H "Content-Type: image/png" http://127.0.0.1:8000/predict
"""


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Add ``serve`` to ``subparsers``."""
    p = subparsers.add_parser(
        "serve",
        formatter_class=cli.HelpFormatter,
        epilog=EXAMPLES,
        help="serve a .keras model over HTTP (POST a picture, get JSON back)",
        description="Serve a .keras digit model over HTTP (Starlette on uvicorn): "
        "POST a picture or JSON pixels to /predict and get JSON back; TensorFlow "
        "Serving's REST API at /v1/models/digits:predict; GET /health.",
    )
    p.add_argument(
        "model",
        type=cli.existing_file,
        help="a .keras model file (loaded with Keras safe_mode=True)",
    )
    p.add_argument(
        "--host",
        default=limits.LOOPBACK,
        help="address to bind (127.0.0.1: this machine only)",
    )
    p.add_argument(
        "--port",
        default=limits.DEFAULT_PORT,
        type=cli.number(int, "a port 0..65535", 0, 65535),
        help="port (0 = any free port)",
    )
    p.add_argument(
        "--max-bytes",
        default=limits.MAX_BYTES,
        type=cli.number(int, "a whole number of bytes >= 1", low=1),
        help="largest request body, in bytes",
    )
    p.add_argument(
        "--read-timeout",
        default=limits.READ_TIMEOUT,
        type=cli.number(float, "a number of seconds > 0", 0, low_open=True),
        help="seconds a client may take to send its body",
    )
    p.add_argument(
        "--max-batch",
        default=limits.MAX_BATCH,
        type=cli.number(int, "a whole number >= 1", low=1),
        help="most digits per model call",
    )
    p.add_argument("--access-log", action="store_true", help="log one line per request")
    p.add_argument(
        "--http",
        choices=limits.HTTP_PARSERS,
        default="h11",
        help="uvicorn's HTTP parser: h11 (limits the request head to 16 KiB) or "
        "httptools (faster, no such limit; pip install httptools)",
    )
    p.set_defaults(run=run, usage_error=p.error)
    return p


def run(args: argparse.Namespace) -> int:
    """Serve until SIGINT/SIGTERM; 0 after a clean stop, 1 with one line on failure.

    ``--http httptools`` without the httptools package is a usage mistake (exit 2),
    found before TensorFlow loads and the server thread starts.
    """
    if args.http == "httptools" and importlib.util.find_spec("httptools") is None:
        args.usage_error(
            "argument --http: 'httptools' needs the httptools package, which is not "
            "installed: pip install httptools (or use --http h11)"
        )

    def work() -> int:
        from ..models import files
        from . import server as cserver

        logging.basicConfig(
            level=logging.INFO, format="%(levelname)s %(name)s: %(message)s"
        )
        model = files.load_model(args.model)
        try:
            server = cserver.make_server(
                model,
                args.host,
                args.port,
                max_bytes=args.max_bytes,
                read_timeout=args.read_timeout,
                max_batch=args.max_batch,
                log_level="info",
                http=args.http,
                access_log=args.access_log,
            )
        except OSError as err:
            return cli.fail(
                f"cannot listen on {args.host}:{args.port} (--host, --port): "
                f"{err.strerror or err}"
            )
        stopping = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda signum, frame: stopping.set())
        try:
            server.start()
        except RuntimeError as err:
            return cli.fail(str(err))
        print(
            f"Serving {args.model} on {server.url}/predict (Ctrl+C to stop)", flush=True
        )
        while not stopping.wait(0.2) and server.thread.is_alive():
            pass
        server.stop()
        print("Stopped.", flush=True)
        return cli.EXIT_OK

    return cli.run_reporting(work)
