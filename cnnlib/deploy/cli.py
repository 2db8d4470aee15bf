"""``cnnlib export`` and ``cnnlib web-weights``: a trained model for other runtimes."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..core import cli, files
from ..data import mnist
from . import calibration

FORMATS = ("saved_model", "tflite", "tflite-int8")

EXPORT_EXAMPLES = """examples:
  cnnlib export small.keras models/digits                  (-> models/digits/1/)
  cnnlib export small.keras digits.tflite --format tflite
  cnnlib export small.keras digits_int8.tflite --format tflite-int8 --data sample
"""
WEB_EXAMPLES = """examples:
  cnnlib web-weights _static/webmodel
  cnnlib web-weights /tmp/webmodel --seed 1       (another seed, trained once)
"""


def add_parsers(subparsers) -> None:
    """Add ``export`` and ``web-weights`` to ``subparsers``."""
    p = subparsers.add_parser(
        "export",
        formatter_class=cli.HelpFormatter,
        epilog=EXPORT_EXAMPLES,
        help="export a .keras model as a SavedModel (TF Serving) or a LiteRT file",
        description="Export a .keras digit model (any training precision) as a float32 "
        "SavedModel in TF Serving's layout OUT/VERSION/, or as a LiteRT file "
        "(float32, or full-integer int8 calibrated on training digits).",
    )
    p.add_argument(
        "model",
        type=cli.existing_file,
        help="a .keras model file (loaded with safe_mode=True)",
    )
    p.add_argument(
        "out",
        help="saved_model: the model's base folder (e.g. models/digits; "
        "the SavedModel goes to OUT/VERSION/; created if missing, in a folder that "
        "exists); tflite: the .tflite file, in a folder that exists",
    )
    p.add_argument(
        "--format",
        choices=FORMATS,
        default="saved_model",
        help="saved_model: a TensorFlow SavedModel for TF Serving; tflite: a "
        "float32 LiteRT (TensorFlow Lite) file; tflite-int8: a full-integer LiteRT "
        "file (int8 weights and activations, uint8 pixels in)",
    )
    p.add_argument(
        "--version",
        type=cli.number(int, "a whole number >= 1", low=1),
        default=None,
        help="saved_model: version number; default: the next free",
    )
    p.add_argument(
        "--data",
        choices=mnist.SOURCES,
        default="auto",
        help="tflite-int8: where the representative training digits come from",
    )
    p.add_argument(
        "--representative",
        default=calibration.REPRESENTATIVE_COUNT,
        type=cli.number(int, "a whole number >= 1", low=1),
        help="tflite-int8: how many training digits calibrate the quantization",
    )
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="replace an existing .tflite file or SavedModel version",
    )
    p.set_defaults(run=run_export, usage_error=p.error)

    w = subparsers.add_parser(
        "web-weights",
        formatter_class=cli.HelpFormatter,
        epilog=WEB_EXAMPLES,
        help="write the small network's weights for the web page's draw-a-digit box",
        description="Write OUTDIR/small.json (and small.js), the weights of the "
        "reference small network (article 000's, 3 epochs on the offline sample; "
        "trained once, then taken from the cache) for the book's web page, and "
        "OUTDIR/digits.js, the offline sample's digits for its training panel.",
    )
    w.add_argument(
        "outdir",
        type=_web_outdir,
        help="folder to write small.json, small.js and digits.js into (e.g. "
        "_static/webmodel; build output, so earlier ones there are replaced); "
        "created if missing, in a folder that exists",
    )
    w.add_argument(
        "--seed",
        # NumPy's seeds end at 2**32 - 1: a larger one would fail after TF loads
        type=cli.number(int, "a whole number 0..4294967295", low=0, high=2**32 - 1),
        default=0,
        help="seed of the reference network's training (cached per seed)",
    )
    w.set_defaults(run=run_web_weights)


def existing_output(args: argparse.Namespace) -> "str | None":
    """What ``cnnlib export`` would replace (``None`` if nothing): the .tflite file or
    its card (``NAME.card.json``, as :func:`cnnlib.deploy.card_path` names it), or
    the SavedModel version folder ``--version`` names (without it, the next free
    one is written)."""
    out = Path(args.out)
    if args.format == "saved_model":
        found = [out / str(args.version)] if args.version is not None else []
    else:
        found = [out, out.with_suffix(".card.json")]
    return next((str(p) for p in found if p.exists()), None)


def run_export(args: argparse.Namespace) -> int:
    """Export as ``args`` say; 0 when written, 1 with one line when something failed.

    An OUT that cannot be written, or that exists without ``--overwrite``, is a
    usage mistake (exit 2), found before TensorFlow loads.
    """
    if args.format == "saved_model":
        problem = cli.folder_problem(args.out)
    else:
        problem = files.write_problem(args.out)
        if Path(args.out).is_dir():
            problem = f"{args.out!r} is a folder, expected a .tflite file"
    if problem:
        args.usage_error(f"argument out: cannot write {args.out!r}: {problem}")
    existing = None if args.overwrite else existing_output(args)
    if existing:
        args.usage_error(
            f"argument out: {existing!r} already exists; pass --overwrite to replace it"
        )

    def work() -> int:
        from ..models import files as model_files
        from . import deployable, litert, saved_model

        model = model_files.load_model(args.model)
        card = {"trained": model_files.saved_facts(args.model), "source": args.model}
        if args.format == "saved_model":
            folder = saved_model.export_for_serving(
                model,
                args.out,
                args.version,
                overwrite=args.overwrite,
                flag="--overwrite",
                **card,
            )
            for line in saved_model.describe_signature(folder):
                print(line)
            print(
                f"Exported {args.model} to {folder} (TF Serving: --model_base_path="
                f"{Path(args.out).resolve()}); labels and card in {folder}/assets/"
            )
            return cli.EXIT_OK
        reps = None
        if args.format == "tflite-int8":
            data = mnist.load_mnist(args.data, verbose=True)
            reps = calibration.representative_digits(
                data.x_train, args.representative, what="--representative"
            )
            print(f"Calibrating int8 on {len(reps)} training digits of {data.name}")
        path = litert.export_tflite(
            model, args.out, reps, overwrite=args.overwrite, flag="--overwrite", **card
        )
        kind = "full-integer int8" if reps is not None else "float32"
        print(
            f"Exported {args.model} to {path}: LiteRT {kind}, "
            f"{path.stat().st_size:,} bytes; signature serving_default, card "
            f"{deployable.card_path(path)}"
        )
        return cli.EXIT_OK

    return cli.run_reporting(work)


def _web_outdir(text: str) -> str:
    """web-weights' OUTDIR: :func:`cli.writable_folder`, then really tried (an entry
    made and removed in the folder that will hold the files), since permission bits
    do not tell root that ``/proc`` or a read-only mount refuses new files."""
    import os
    import tempfile

    cli.writable_folder(text)
    folder = Path(text) if Path(text).is_dir() else Path(text).parent
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".cnnlib-probe-", dir=folder))
    except OSError as err:
        raise argparse.ArgumentTypeError(
            f"cannot write into {text!r}: folder {str(folder)!r} refuses new files "
            f"({err.strerror or err})"
        ) from None
    return text


def _progress(line: str) -> None:
    import sys

    print(line, file=sys.stderr, flush=True)


def run_web_weights(args: argparse.Namespace) -> int:
    """Write the web page's weights, with progress on standard error; 0 when written,
    1 with one line when something failed."""

    def work() -> int:
        import json

        _progress("loading TensorFlow ...")  # the first ~15 s
        from . import web

        path = web.write_web_weights(args.outdir, seed=args.seed, printer=_progress)
        digits = web.write_web_digits(args.outdir)
        info = json.loads(path.read_text())["info"]
        _progress(
            f"wrote {path} and {web.SCRIPT_FILENAME} ({path.stat().st_size / 1e6:.2f} "
            f"MB): small network, {info['data']}, test accuracy "
            f"{info['test_accuracy']:.3f}; and {digits.name} "
            f"({digits.stat().st_size / 1e6:.2f} MB), the offline sample's digits for "
            "the training panel"
        )
        return cli.EXIT_OK

    return cli.run_reporting(work)
