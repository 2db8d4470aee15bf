"""A time-to-accuracy record as bench/time_to_accuracy.py writes it, made in the
tests."""

from __future__ import annotations

import json
from pathlib import Path

SETUP = "one device (CPU, 2 cores), precision {}"


def make_tta_run(recipe: str, seed: int, accs, seconds=10.0, test=0.99) -> dict:
    history = [
        {"epoch": i + 1, "cost": 0.1, "val_accuracy": a, "seconds": seconds}
        for i, a in enumerate(accs)
    ]

    def to(t):
        n = next((i + 1 for i, a in enumerate(accs) if a >= t), None)
        return None if n is None else seconds * n

    return {
        "recipe": recipe,
        "about": f"about {recipe}",
        "seed": seed,
        "epochs": len(accs),
        "max_epochs": None,
        "batch_size": 256,
        "setup": SETUP.format("float32" if recipe == "tmf" else "mixed_bfloat16"),
        "n_train": 55_000,
        "n_validation": 5_000,
        "n_test": 10_000,
        "history": history,
        "seconds_to_val_99.0": to(0.990),
        "seconds_to_val_99.5": to(0.995),
        "test_accuracy": test,
        "images_per_second": 5000.0,
        "seconds": 30.0,
        "invocation": "2026-12-04 19:00:00 UTC pid 1",
        "command": "python bench/time_to_accuracy.py --recipes tmf,fast",
        "data": "MNIST (full): 60,000 train / 10,000 test digits",
        "validation_split": 0.0833,
        "cpu": "Some CPU",
        "cpu_cores": 2,
        "tensorflow": "2.21.0",
        "python": "3.11.7",
        "commit": "0123456789abcdef" * 2 + "01234567",
        "finished": "2026-12-04 19:01 UTC",
    }


def make_summary(seeds, to_99, to_995, accs, ips, ratio) -> dict:
    return {
        "seeds": list(seeds),
        "epochs": 1,
        "max_epochs": None,
        "median_seconds_to_val_99.0": to_99,
        "reached_val_99.0": f"{sum(to_99 is not None for _ in seeds)} of {len(seeds)}",
        "median_seconds_to_val_99.5": to_995,
        "reached_val_99.5": f"0 of {len(seeds)}",
        "test_accuracy_mean": round(sum(accs) / len(accs), 5),
        "test_accuracy_min": min(accs),
        "test_accuracy_max": max(accs),
        "images_per_second": ips,
        "ratio_to_fastest_99.0": ratio,
    }


def make_tta() -> dict:
    """tmf (float32, never at 99.0%) and fast (bf16, 99.0% after 2 epochs), 2 seeds."""
    tmf_accs, fast_accs = (0.9893, 0.9903), (0.9916, 0.9932)
    return {
        "title": "Time to accuracy on full MNIST (bench/time_to_accuracy.py)",
        "note": "a note",
        "runs": {
            "tmf": {
                str(s): make_tta_run("tmf", s, [0.988], test=tmf_accs[s])
                for s in (0, 1)
            },
            "fast": {
                str(s): make_tta_run("fast", s, [0.97, 0.991], test=fast_accs[s])
                for s in (0, 1)
            },
        },
        "covers": ["tmf", "fast"],
        "missing": ["keras_io", "tmf_bf16", "article", "improved"],
        "same_process": True,
        "summary": {
            "fast": make_summary((0, 1), 20.0, None, fast_accs, 7327.0, 1.0),
            "tmf": make_summary((0, 1), None, None, tmf_accs, 3663.5, None),
        },
    }


def write_tta(folder: Path, doc) -> Path:
    path = folder / "time_to_accuracy.json"
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    return path
