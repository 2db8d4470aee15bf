"""``cnnlib export`` and ``cnnlib web-weights``: a trained model for other runtimes."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..core import cli
from ..data import mnist
from ..training import cli as training_cli
from . import calibration

FORMATS = ("saved_model", "tflite", "tflite-int8")

#: The calibration flags of --format tflite-int8, and their defaults.
CALIBRATION_DEFAULTS = {
    "data": "auto",
    "representative": calibration.REPRESENTATIVE_COUNT,
}

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
        help="saved_model only: version number; default: the next free",
    )
    # None until given, so that one given with another --format is refused
    p.add_argument(
        "--data",
        choices=mnist.SOURCES,
        default=None,
        help="tflite-int8 only: where the representative training digits come "
        f"from (default: {CALIBRATION_DEFAULTS['data']})",
    )
    p.add_argument(
        "--representative",
        default=None,
        type=cli.number(int, "a whole number >= 1", low=1),
        help="tflite-int8 only: how many training digits calibrate the quantization "
        f"(default: {CALIBRATION_DEFAULTS['representative']})",
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
        type=cli.writable_folder,
        help="folder to write small.json, small.js and digits.js into (e.g. "
        "_static/webmodel; build output, so earlier ones there are replaced); "
        "created if missing, in a folder that exists",
    )
    w.add_argument(
        "--seed",
        type=cli.seed,
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

    An OUT that cannot be written, is of the wrong kind for ``--format`` or exists
    without ``--overwrite``, and a flag for another ``--format``, are usage mistakes
    (exit 2) found before TensorFlow loads; so is a ``--representative`` larger than
    the training digits, found once they are read.
    """
    if args.format == "saved_model":
        if Path(args.out).suffix == ".tflite":
            args.usage_error(
                f"argument out: {args.out!r} ends in .tflite, but --format saved_model "
                "writes a folder; pass --format tflite (or tflite-int8)"
            )
        problem = cli.folder_problem(args.out)
        if problem:
            args.usage_error(f"argument out: cannot write {args.out!r}: {problem}")
    else:
        if args.version is not None:
            args.usage_error(
                f"argument --version: only --format saved_model has versions, got "
                f"{args.version} with --format {args.format}"
            )
        try:
            cli.writable_path(args.out, ".tflite")
        except argparse.ArgumentTypeError as err:
            args.usage_error(f"argument out: {err}")
    for name, default in CALIBRATION_DEFAULTS.items():
        given = getattr(args, name)
        if given is not None and args.format != "tflite-int8":
            args.usage_error(
                f"argument --{name}: only --format tflite-int8 is calibrated, got "
                f"{given!r} with --format {args.format}"
            )
        setattr(args, name, default if given is None else given)
    existing = None if args.overwrite else existing_output(args)
    if existing:
        args.usage_error(
            f"argument out: {existing!r} already exists; pass --overwrite to replace it"
        )

    def work() -> int:
        reps = None
        if args.format == "tflite-int8":  # the data before the model (NumPy, unless
            # a download needs Keras), so --representative is checked in seconds
            data = training_cli.load_data(args.data, printer=_progress)
            n = len(data.x_train)
            if args.representative > n:
                return cli.usage_mistake(
                    "export",
                    f"--representative must be 1..{n} (--data {args.data} gave "
                    f"{n:,} training digits), got {args.representative}",
                )
            seed = 0  # the digits drawn, recorded in the card
            reps = calibration.representative_digits(
                data.x_train, args.representative, seed, what="--representative"
            )
            _progress(calibration_line(args.data, data, len(reps)))
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
        if reps is not None:
            card["calibration"] = deployable.calibration_facts(
                len(reps), data.name, data.source, len(data.x_train), seed
            )
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


def calibration_line(source: str, data: mnist.MnistData, count: int) -> str:
    """The progress line saying which digits calibrate an int8 export: how many, of
    which data, and whether ``--data auto`` fell back to the offline sample."""
    if data.source == "sample":
        which = "the offline sample"
        why = (
            "--data auto found no full MNIST; --data mnist insists on it"
            if source == "auto"
            else f"--data {source}"
        )
    else:
        which, why = "full MNIST", f"--data {source}"
    return (
        f"int8 calibration: {count:,} of the {len(data.x_train):,} training digits "
        f"of {which} ({why})"
    )


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
