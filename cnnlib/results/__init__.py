"""Stored results of long runs, shown by the chapters without re-training (JSON only).

    load_record()             chapters/results/full_mnist.json as a Record
    full_mnist_table(record)  the record as fixed-width text, beside article 001's table

Modules: :mod:`.record` (the record's dataclasses), :mod:`.schema` (JSON to
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
        "table": ["RUN_TITLES", "WIDTH", "full_mnist_table"],
    },
)
