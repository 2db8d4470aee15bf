"""Time to accuracy on full MNIST: the book's recipes side by side with two peers.

In ONE process, taking turns round-robin (seed 0 of every recipe, then seed 1
of every recipe, ...) so that other load on a shared machine hits all alike:

``keras_io``  keras.io's ``mnist_convnet`` as published: conv 32 3x3 ReLU,
              max-pool 2, conv 64 3x3 ReLU, max-pool 2, flatten, dropout 0.5,
              dense 10 softmax; pixels / 255, one-hot labels, categorical
              cross-entropy, Adam (Keras defaults), batch 128, 15 epochs, float32.
``tmf``       a Keras rebuild of tuomaso/train_mnist_fast's final recipe from its
              description: conv 24 5x5, max-pool 2, ReLU, conv 32 3x3, max-pool 2,
              ReLU, dense 256 ReLU, dense 10 (logits); pixels normalised once
              (mean 0.1307, std 0.3081) into one in-memory tensor; batch 256;
              Adam lr 0.01, beta1 0.7, beta2 0.9; a one-cycle rate shaped like
              PyTorch's ``OneCycleLR`` defaults (cosine up from 0.01/25 over 30%
              of the steps, cosine down to 0.01/25/1e4; beta1 kept at 0.7);
              1 epoch; float32 (Keras default weights).
``tmf_bf16``  the same ``tmf`` rebuild, computing in ``mixed_bfloat16`` (float32
              weights and logits, as cnnlib's ``fast`` does on a CPU with
              bfloat16): ``fast`` against the fastest published recipe like for
              like in precision; ``tmf`` stays float32, as published.
``fast``, ``article``, ``improved``
              cnnlib's recipes, by ``cnnlib.training.train(recipe=..., data=...,
              seed=s)`` with each recipe's own defaults and precision choice.

Every recipe sees the SAME split for a seed: the 5,000 training digits that
``cnnlib.training.split_validation`` holds out (per digit class, by the seed)
are the validation digits, scored after every epoch; the other 55,000 are
trained on (keras.io's ``validation_split=0.1`` would have held out the last
6,000 instead). The 10,000 test digits are scored ONCE, after the last epoch.

Per recipe (over seeds) the record has: the median seconds to reach 99.0% and
99.5% validation accuracy (training seconds up to the end of the first epoch
at or above it, validation included; "not reached" when it never got there, or
when that is the median), the final test accuracy (mean, min, max), training
images/s (training digits per second over the epochs after the first, which
includes tracing; the only epoch when there is one) and the ratio of its
time-to-99.0% to the fastest recipe's in the record. Each finished run
(recipe, seed) is merged into ``--out`` at once, atomically.

    # THE record: all five recipes, 3 seeds, into chapters/results/ (on 2 shared
    # cores roughly 20-30 minutes per seed: keras_io ~25 s an epoch x 15, article
    # and improved 10 epochs each; tmf, tmf_bf16 and fast well under a minute)
    python bench/time_to_accuracy.py --data /work/shared/data/mnist
    python bench/time_to_accuracy.py --seeds 1 --recipes tmf,fast --out /tmp/tta.json
    python bench/time_to_accuracy.py --recipes keras_io,article --max-epochs 2 ...
"""

from __future__ import annotations

import argparse
import datetime as _dt
import gc
import json
import math
import os
import platform
import shlex
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Optional, Sequence

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
# bench/'s shared helpers, also when this script is imported by its path (the tests)
sys.path.insert(0, str(ROOT / "bench"))
from provenance import cpu_model, git_commit  # noqa: E402

DEFAULT_OUT = ROOT / "chapters" / "results" / "time_to_accuracy.json"
MNIST_DIR_ENV = "CNNLIB_MNIST_DIR"  # = cnnlib.data.MNIST_DIR_ENV (checked in main)
N_VALIDATION = 5_000
TARGETS = (0.990, 0.995)

RECIPES = {
    "keras_io": {
        "about": "keras.io mnist_convnet as published (32/64 3x3, dropout 0.5), "
        "Adam, batch 128, 15 epochs, float32",
        "epochs": 15,
        "batch_size": 128,
    },
    "tmf": {
        "about": "Keras rebuild of tuomaso/train_mnist_fast (24 5x5 / 32 3x3 / 256), "
        "one-cycle Adam 0.01 (0.7, 0.9), batch 256, 1 epoch, float32",
        "epochs": 1,
        "batch_size": 256,
    },
    "tmf_bf16": {
        "about": "the same train_mnist_fast rebuild in mixed_bfloat16 "
        "(float32 weights and logits), batch 256, 1 epoch",
        "epochs": 1,
        "batch_size": 256,
    },
    "fast": {"about": "cnnlib's fast recipe", "epochs": None, "batch_size": None},
    "article": {"about": "cnnlib's article recipe", "epochs": None, "batch_size": None},
    "improved": {
        "about": "cnnlib's improved recipe",
        "epochs": None,
        "batch_size": None,
    },
}
CNNLIB_RECIPES = ("fast", "article", "improved")
#: The precision each peer computes in (cnnlib's recipes pick their own).
PEER_PRECISION = {"keras_io": "float32", "tmf": "float32", "tmf_bf16": "mixed_bfloat16"}
NOTE = (
    "Trained on full MNIST's 60,000 training digits minus the 5,000 that "
    "cnnlib.training.split_validation holds out for the seed (per digit class), "
    "the same digits for every recipe; per-epoch figures are on these validation "
    "digits; the 10,000 test digits were scored once, after the last epoch. "
    "seconds_to_val_99.0 / 99.5: training seconds (validation included) up to the "
    "end of the first epoch whose validation accuracy was >= 0.990 / 0.995, null "
    "when never; median_... over the seeds counts a seed that never got there as "
    "slower than any, null when that is the median. images_per_second: training "
    "digits per second over the epochs after the first (which includes tracing), "
    "the first when there is only one. ratio_to_fastest_99.0: median seconds to "
    "99.0% over the fastest recipe's in this record. setup: the precision each "
    "ran in (keras_io and tmf in float32 as published, tmf_bf16 the same tmf "
    "network and schedule in mixed_bfloat16; cnnlib's recipes in the one cnnlib "
    "picks). Runs of a recipe are merged by seed; runs made with other "
    "settings are dropped; same_process: all runs in one process, taking turns."
)
# Settings that must agree for runs of one recipe to be summarised together.
SAME_SETTINGS = ("epochs", "batch_size", "max_epochs", "setup", "n_validation")


def exact_fraction(labels: np.ndarray, n: int) -> float:
    """The ``validation_split`` nearest ``n / len(labels)`` that holds out exactly
    ``n`` digits.

    ``cnnlib.training.validation_indices`` rounds each digit class's share
    separately (so the count depends on the class sizes, not on the seed);
    this scans outward from ``n / len(labels)`` in steps of 1e-8, as
    bench/full_mnist.py does, counting from the class sizes.
    """
    counts = [int(c) for c in np.bincount(np.asarray(labels), minlength=10) if c]
    base = n / len(labels)
    for k in range(200_000):
        for f in (base + k * 1e-8, base - k * 1e-8):
            if sum(int(round(f * c)) for c in counts) == n:
                return f
    raise RuntimeError(f"no validation_split near {base} holds out exactly {n} digits")


def first_reaching(history: Sequence[dict], target: float) -> Optional[int]:
    """The first epoch (1-based) whose validation accuracy is >= ``target``, or None."""
    for h in history:
        if h["val_accuracy"] >= target:
            return h["epoch"]
    return None


def seconds_to(history: Sequence[dict], target: float) -> Optional[float]:
    """Training seconds up to the end of the first epoch at/above ``target``, or
    None."""
    epoch = first_reaching(history, target)
    if epoch is None:
        return None
    return round(sum(h["seconds"] for h in history[:epoch]), 1)


def median_or_none(values: Sequence[Optional[float]]) -> Optional[float]:
    """Median of ``values`` with None ("not reached") counted as slower than any
    time; None when the median itself is "not reached"."""
    if not values:
        return None
    ranked = sorted(math.inf if v is None else v for v in values)
    m = statistics.median(ranked)
    return None if math.isinf(m) else round(m, 1)


def summarise(runs: dict) -> dict:
    """Per recipe, over its seeds: median seconds to each target, test accuracy
    (mean, min, max), median images/s and the ratio of the median seconds to
    99.0% to the fastest recipe's (None where not reached)."""
    out: dict = {}
    for name, by_seed in runs.items():
        rs = [by_seed[s] for s in sorted(by_seed, key=int)]
        acc = [r["test_accuracy"] for r in rs]
        entry = {
            "seeds": [r["seed"] for r in rs],
            "epochs": rs[0]["epochs"],
            "max_epochs": rs[0]["max_epochs"],
        }
        for t in TARGETS:
            key = f"{t * 100:.1f}"
            times = [seconds_to(r["history"], t) for r in rs]
            entry[f"median_seconds_to_val_{key}"] = median_or_none(times)
            entry[f"reached_val_{key}"] = (
                f"{sum(v is not None for v in times)} of {len(rs)}"
            )
        entry.update(
            {
                "test_accuracy_mean": round(statistics.fmean(acc), 5),
                "test_accuracy_min": min(acc),
                "test_accuracy_max": max(acc),
                "images_per_second": round(
                    statistics.median(r["images_per_second"] for r in rs), 1
                ),
            }
        )
        out[name] = entry
    reached = [
        e["median_seconds_to_val_99.0"]
        for e in out.values()
        if e["median_seconds_to_val_99.0"] is not None
    ]
    fastest = min(reached) if reached else None
    for e in out.values():
        t = e["median_seconds_to_val_99.0"]
        e["ratio_to_fastest_99.0"] = round(t / fastest, 2) if t and fastest else None
    return out


def merge_run(doc: dict, record: dict) -> dict:
    """``doc`` with ``record`` as the run of its recipe and seed, and the summary
    recomputed.

    Runs of the same recipe made with other settings (epochs, cap, precision)
    are dropped: they cannot be summarised together.
    """
    name = record["recipe"]
    runs = doc.setdefault("runs", {})
    by_seed = runs.get(name, {})
    by_seed = {
        s: r
        for s, r in by_seed.items()
        if all(r.get(k) == record[k] for k in SAME_SETTINGS)
    }
    by_seed[str(record["seed"])] = record
    runs[name] = dict(sorted(by_seed.items(), key=lambda kv: int(kv[0])))
    doc["runs"] = {k: runs[k] for k in RECIPES if k in runs}
    doc["covers"] = list(doc["runs"])
    doc["missing"] = [k for k in RECIPES if k not in doc["runs"]]
    doc["same_process"] = (
        len({r["invocation"] for s in doc["runs"].values() for r in s.values()}) == 1
    )
    doc["summary"] = summarise(doc["runs"])
    return doc


def write_atomic(out: Path, doc: dict) -> None:
    """Write ``doc`` as JSON to ``out`` via a temporary file in the same folder."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=out.name + ".", suffix=".tmp", dir=out.parent)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(json.dumps(doc, indent=1) + "\n")
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_record(out: Path) -> dict:
    """The record in ``out`` to merge into (a new one when there is none)."""
    doc = {
        "title": "Time to accuracy on full MNIST (bench/time_to_accuracy.py)",
        "note": NOTE,
    }
    if out.exists():
        doc.update(json.loads(out.read_text()))
    return doc


# ---- the environment (as bench/full_mnist.py records it) ----


# ---- the peers, written here in plain Keras (TensorFlow imported lazily) ----


def keras_io_model():
    """keras.io's ``mnist_convnet`` network, as published."""
    from cnnlib.core.tf import keras

    layers = keras.layers
    return keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Flatten(),
            layers.Dropout(0.5),
            layers.Dense(10, activation="softmax"),
        ]
    )


def tmf_model(dtype: str = "float32"):
    """train_mnist_fast's final network, rebuilt in Keras: pooling before ReLU.

    ``dtype`` is the hidden layers' Keras dtype policy (``"mixed_bfloat16"``
    for ``tmf_bf16``); the logits are always float32.
    """
    from cnnlib.core.tf import keras

    layers = keras.layers
    return keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            layers.Conv2D(24, 5, dtype=dtype),
            layers.MaxPooling2D(2, dtype=dtype),
            layers.ReLU(dtype=dtype),
            layers.Conv2D(32, 3, dtype=dtype),
            layers.MaxPooling2D(2, dtype=dtype),
            layers.ReLU(dtype=dtype),
            layers.Flatten(dtype=dtype),
            layers.Dense(256, activation="relu", dtype=dtype),
            layers.Dense(10, dtype="float32"),
        ]
    )


def one_cycle(peak: float, total_steps: int):
    """A Keras schedule shaped like PyTorch's ``OneCycleLR`` defaults: cosine from
    ``peak / 25`` up to ``peak`` over 30% of the steps, then down to
    ``peak / 25 / 1e4``."""
    from cnnlib.core.tf import keras

    ops = keras.ops

    class OneCycle(keras.optimizers.schedules.LearningRateSchedule):
        def __init__(self):
            self.start, self.end = peak / 25, peak / 25 / 1e4
            self.up = max(float(round(0.3 * total_steps)) - 1, 1.0)
            self.down = max(float(total_steps) - 1 - self.up, 1.0)

        def __call__(self, step):
            step = ops.cast(step, "float32")

            def cos(a, b, frac):
                return b + (a - b) / 2 * (1 + ops.cos(math.pi * ops.clip(frac, 0, 1)))

            rising = cos(self.start, peak, step / self.up)
            falling = cos(peak, self.end, (step - self.up) / self.down)
            return ops.where(step <= self.up, rising, falling)

        def get_config(self):
            return {"peak": peak, "total_steps": total_steps}

    return OneCycle()


def fit_peer(name: str, split: tuple, mnist, epochs: int, seed: int) -> dict:
    """Train peer ``name`` on ``split = (x_fit, y_fit, x_val, y_val)`` (raw 0..255
    digits); returns its history, images/s and test accuracy."""
    from cnnlib import training as ctrain
    from cnnlib.core.tf import keras, tf

    x_fit, y_fit, x_val, y_val = split
    keras.utils.set_random_seed(seed)
    spec = RECIPES[name]
    if name == "keras_io":

        def prep(x):
            return (np.asarray(x, np.float32) / 255.0).reshape(-1, 28, 28, 1)

        model = keras_io_model()
        model.compile(
            loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"]
        )
        x, y = prep(x_fit), keras.utils.to_categorical(y_fit, 10)
        val = (prep(x_val), keras.utils.to_categorical(y_val, 10))
    else:

        def prep(x):
            x = (np.asarray(x, np.float32) / 255.0 - 0.1307) / 0.3081
            return tf.constant(x.reshape(-1, 28, 28, 1))

        model = tmf_model(PEER_PRECISION[name])
        steps = -(-len(x_fit) // spec["batch_size"]) * epochs
        model.compile(
            optimizer=keras.optimizers.Adam(
                learning_rate=one_cycle(0.01, steps), beta_1=0.7, beta_2=0.9
            ),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
        )
        x, y = prep(x_fit), tf.constant(np.asarray(y_fit, np.int32))
        val = (prep(x_val), tf.constant(np.asarray(y_val, np.int32)))
    logger = ctrain.EpochLogger(images_per_epoch=len(x_fit))
    model.fit(
        x,
        y,
        batch_size=spec["batch_size"],
        epochs=epochs,
        validation_data=val,
        shuffle=True,
        verbose=0,
        callbacks=[logger],
    )
    predicted = np.argmax(model.predict(prep(mnist.x_test), 1000, verbose=0), -1)
    return {
        "history": logger.history,
        "images_per_second": logger.images_per_second,
        "test_accuracy": float(np.mean(predicted == np.asarray(mnist.y_test))),
        "setup": ctrain.describe_setup(
            PEER_PRECISION[name], tf.distribute.get_strategy()
        ),
    }


def run_one(
    name: str,
    mnist,
    fraction: float,
    seed: int,
    max_epochs: Optional[int],
    context: dict,
    printer: Callable[[str], None] = print,
) -> dict:
    """Train ``name`` with ``seed`` and return its record."""
    from cnnlib import training as ctrain
    from cnnlib.core.tf import keras

    keras.backend.clear_session()
    gc.collect()
    spec = dict(RECIPES[name])
    if name in CNNLIB_RECIPES:
        recipe = ctrain.get_recipe(name)
        spec.update(epochs=recipe.epochs, batch_size=recipe.batch_size)
        spec["about"] += f": {recipe.about}"
    epochs = spec["epochs"] if max_epochs is None else min(spec["epochs"], max_epochs)
    printer(
        f"== {name} seed {seed}: {spec['about']} ({epochs} epoch{'s' * (epochs > 1)})"
    )
    t0 = time.perf_counter()
    if name in CNNLIB_RECIPES:
        result = ctrain.train(
            recipe=name,
            epochs=epochs,
            data=mnist,
            seed=seed,
            verbose=0,
            validation_split=fraction,
        )
        got = {
            "history": result.history,
            "images_per_second": result.images_per_second,
            "test_accuracy": result.test_accuracy,
            "setup": result.setup,
        }
        n_val = result.n_validation
    else:
        split = ctrain.split_validation(mnist.x_train, mnist.y_train, fraction, seed)
        got = fit_peer(name, split, mnist, epochs, seed)
        n_val = len(split[2])
    seconds = time.perf_counter() - t0
    history = [
        {
            "epoch": h.epoch,
            "cost": round(h.cost, 5),
            "val_accuracy": round(h.val_accuracy, 5),
            "seconds": round(h.seconds, 1),
        }
        for h in got["history"]
    ]
    record = {
        "recipe": name,
        "about": spec["about"],
        "seed": seed,
        "epochs": epochs,
        "max_epochs": max_epochs,
        "batch_size": spec["batch_size"],
        "setup": got["setup"],
        "n_train": len(mnist.x_train) - n_val,
        "n_validation": n_val,
        "n_test": len(mnist.x_test),
        "history": history,
        **{f"seconds_to_val_{t * 100:.1f}": seconds_to(history, t) for t in TARGETS},
        "test_accuracy": round(got["test_accuracy"], 5),
        "images_per_second": round(got["images_per_second"], 1),
        "seconds": round(seconds, 1),
        **context,
        "finished": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }
    printer(
        f"== {name} seed {seed}: validation {history[-1]['val_accuracy']:.4f} after "
        f"{epochs} epoch{'s' * (epochs > 1)}, "
        f"to 99.0%: {_secs(record['seconds_to_val_99.0'])}, "
        f"to 99.5%: {_secs(record['seconds_to_val_99.5'])}, test "
        f"{record['test_accuracy']:.4f}, {record['images_per_second']:,.0f} images/s, "
        f"{seconds:,.0f} s in all"
    )
    return record


def _secs(s: Optional[float]) -> str:
    return "not reached" if s is None else f"{s:.1f} s"


def summary_table(summary: dict) -> str:
    """The summary as fixed-width text, a line per recipe."""
    lines = [
        f"{'recipe':<9} {'seeds':>5} {'to 99.0%':>12} {'to 99.5%':>12} "
        f"{'test mean':>9} {'test range':>13} {'images/s':>9} {'ratio':>6}"
    ]
    for name, e in summary.items():
        ratio = e["ratio_to_fastest_99.0"]
        span = f"{e['test_accuracy_min']:.4f}-{e['test_accuracy_max']:.4f}"
        lines.append(
            f"{name:<9} {len(e['seeds']):>5} "
            f"{_secs(e['median_seconds_to_val_99.0']):>12} "
            f"{_secs(e['median_seconds_to_val_99.5']):>12} "
            f"{e['test_accuracy_mean']:>9.4f} {span:>13} "
            f"{e['images_per_second']:>9,.0f} "
            + ("     -" if ratio is None else f"{ratio:>6.2f}")
        )
    return "\n".join(lines)


def parse_args(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    from cnnlib.core import cli  # no TensorFlow

    p = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=cli.HelpFormatter,
    )
    p.add_argument(
        "--data",
        default=None,
        help=f"folder of the four MNIST IDX files (default ${MNIST_DIR_ENV})",
    )
    p.add_argument("--seeds", type=int, default=3, help="seeds 0..N-1")
    p.add_argument(
        "--recipes",
        default=",".join(RECIPES),
        help="comma-separated subset of " + ", ".join(RECIPES),
    )
    p.add_argument(
        "--out",
        default=str(DEFAULT_OUT),
        help="the JSON record to merge the runs into",
    )
    p.add_argument(
        "--max-epochs",
        type=int,
        default=None,
        help="cap every recipe's epochs (quick checks; recorded in the file)",
    )
    args = p.parse_args(argv)
    args.names = [n.strip() for n in args.recipes.split(",") if n.strip()]
    bad = [n for n in args.names if n not in RECIPES]
    if bad or not args.names:
        p.error(
            f"--recipes must name some of {', '.join(RECIPES)}, got {args.recipes!r}"
        )
    if args.seeds < 1:
        p.error(f"--seeds must be >= 1, got {args.seeds}")
    if args.max_epochs is not None and args.max_epochs < 1:
        p.error(f"--max-epochs must be >= 1, got {args.max_epochs}")
    if Path(args.out).is_dir():
        p.error(f"--out must be a JSON file, got the folder {args.out!r}")
    folder = args.data or os.environ.get(MNIST_DIR_ENV, "").strip()
    if not folder:
        p.error(f"name the MNIST IDX folder with --data DIR (or ${MNIST_DIR_ENV})")
    if not Path(folder).expanduser().is_dir():
        given = "--data" if args.data else f"${MNIST_DIR_ENV}"
        p.error(f"{given} must be a folder of the MNIST IDX files, got {folder!r}")
    args.folder = Path(folder).expanduser()
    return args


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)  # before TensorFlow loads
    from cnnlib import data as cdata

    assert cdata.MNIST_DIR_ENV == MNIST_DIR_ENV
    try:
        mnist = cdata.load_mnist("mnist", path=args.folder, verbose=False)
    except cdata.DatasetError as err:
        print(f"error: --data {str(args.folder)!r}: {err}", file=sys.stderr)
        return 2
    fraction = exact_fraction(mnist.y_train, N_VALIDATION)
    command = "python " + " ".join(
        shlex.quote(a)
        for a in [
            "bench/time_to_accuracy.py",
            *(argv if argv is not None else sys.argv[1:]),
        ]
    )
    from cnnlib.core.tf import tf

    if "mixed_bfloat16" in {PEER_PRECISION.get(n) for n in args.names}:
        from cnnlib import training

        if not training.bfloat16_runs():
            print(
                "error: --recipes tmf_bf16: this CPU cannot compute in bfloat16 "
                "(no AVX512-BF16 or AMX, or ONEDNN_MAX_CPU_ISA limits oneDNN)",
                file=sys.stderr,
            )
            return 2
    context = {
        "invocation": _dt.datetime.now(_dt.timezone.utc).strftime(
            "%Y-%m-%d %H:%M:%S UTC"
        )
        + f" pid {os.getpid()}",
        "command": command,
        "data": mnist.name,
        "validation_split": fraction,
        "cpu": cpu_model(),
        "cpu_cores": os.cpu_count(),
        "tensorflow": tf.__version__,
        "python": platform.python_version(),
        "commit": git_commit(),
    }
    out = Path(args.out)
    for seed in range(args.seeds):  # round-robin: every recipe's seed s, then s + 1
        for name in args.names:
            record = run_one(
                name,
                mnist,
                fraction,
                seed,
                args.max_epochs,
                context,
                lambda s: print(s, flush=True),
            )
            doc = merge_run(read_record(out), record)
            write_atomic(out, doc)
    print(f"written to {out}\n{summary_table(doc['summary'])}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
