"""Stored results of long runs, shown by the chapters without re-training (JSON only).

    load_record()             chapters/results/full_mnist.json as a Record
    full_mnist_table(record)  the record as fixed-width text, beside article 001's table
    time_to_accuracy_table()  chapters/results/time_to_accuracy.json as fixed-width text
    time_to_accuracy_rows()   its rows (one per recipe), for a chapter's assertions

Modules: :mod:`.record` (the full-MNIST record's dataclasses),
:mod:`.time_to_accuracy` (the time-to-accuracy record's), :mod:`.schema` (JSON to
dataclasses, checked), :mod:`.table`.
"""

from ..core.lazy import public_api

__getattr__, __dir__, __all__ = public_api(
    __name__,
    {
        "record": [
            "RECORD_RELPATH",
            "RECORD_URL",
            "RUN_ORDER",
            "Epoch",
            "Record",
            "RecordError",
            "Repeat",
            "Run",
            "check_record",
            "default_record_path",
            "load_record",
        ],
        "schema": ["SchemaError", "from_json", "to_json"],
        "time_to_accuracy": [
            "TTA_RECIPES",
            "TTA_RELPATH",
            "TTA_URL",
            "TimeToAccuracy",
            "TimeToAccuracyRow",
            "TtaEpoch",
            "TtaRun",
            "TtaSummary",
            "check_time_to_accuracy",
            "default_time_to_accuracy_path",
            "load_time_to_accuracy",
            "precision_of",
            "time_to_accuracy_rows",
        ],
        "table": ["RUN_TITLES", "WIDTH", "full_mnist_table", "time_to_accuracy_table"],
    },
)
