"""A full-MNIST record as bench/full_mnist.py writes it, made in the tests."""

from __future__ import annotations

import json
from pathlib import Path

ARTICLE = {"cost": [0.739, 0.169, 0.100], "test_accuracy": [0.911, 0.960, 0.978]}


def make_run(name: str, accs=(0.97, 0.98, 0.99), test=0.9912) -> dict:
    reached = next((i + 1 for i, a in enumerate(accs) if a >= 0.99), None)
    return {
        "run": name,
        "about": "x",
        "arch": "small" if name == "small" else "large",
        "recipe": "improved" if name == "improved" else "article",
        "epochs": len(accs),
        "batch_size": 50,
        "lr": 1e-3 if name == "small" else 1e-4,
        "seed": 0,
        "data": "MNIST (full): 60,000 train / 10,000 test digits",
        "n_train": 55_000,
        "n_validation": 5_000,
        "n_test": 10_000,
        "history": [
            {
                "epoch": i + 1,
                "cost": 0.5 / (i + 1),
                "val_cost": 0.1,
                "val_accuracy": a,
                "seconds": 100.0,
            }
            for i, a in enumerate(accs)
        ],
        "test_accuracy": test,
        "seconds": 312.4,
        "images_per_second": 1234.5,
        "setup": "one device (CPU, 2 cores), precision float32",
        "cpu": "Some CPU",
        "cpu_cores": 2,
        "tensorflow": "2.21.0",
        "commit": "0123456789abcdef" * 2 + "01234567",
        "command": f"python bench/full_mnist.py --data DIR --runs {name}",
        "val_epoch_99": reached,
        "seconds_to_val_99": 300.0 if reached else None,  # null: never
    }


def without_none(doc):
    """``doc`` without its null entries (what ``results.to_json`` gives back)."""
    if isinstance(doc, dict):
        return {k: without_none(v) for k, v in doc.items() if v is not None}
    if isinstance(doc, list):
        return [without_none(v) for v in doc]
    return doc


def holds(big, small) -> bool:
    """``big`` holds everything ``small`` does, with the same values (dicts recursively;
    ``big`` may have more keys: the dataclasses' defaults that ``to_json`` writes)."""
    if isinstance(small, dict):
        return isinstance(big, dict) and all(
            k in big and holds(big[k], v) for k, v in small.items()
        )
    if isinstance(small, list):
        return (
            isinstance(big, list)
            and len(big) == len(small)
            and all(holds(b, s) for b, s in zip(big, small))
        )
    return big == small and type(big) is type(small)


def make_record() -> dict:
    return {
        "runs": {
            "article": make_run("article"),
            "small": make_run("small", test=0.9901),
        }
    }


def write(folder: Path, doc) -> Path:
    path = folder / "full_mnist.json"
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    return path
