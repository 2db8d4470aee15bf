"""Reading JSON into frozen dataclasses, checked against their type hints.

:func:`from_json` builds a dataclass from parsed JSON, field by field:
``str``, ``bool``, ``int`` (not a bool), ``float`` (an int or float, finite),
``Optional[X]``, ``tuple[X, ...]`` (a JSON list), ``dict[str, X]`` (a JSON
object) and nested dataclasses. A missing field, an unknown key or a value of
the wrong kind raises :class:`SchemaError` naming where it is (``runs['article']
.history[3].cost``) and what was expected. A dataclass's ``__post_init__``
adds checks the types cannot say (ranges, numbering).
"""

from __future__ import annotations

import dataclasses
import math
import typing
from typing import Any, Union

from ..core import errors


class SchemaError(errors.CnnlibError, ValueError):
    """JSON that does not fit its dataclass; the message names the entry and the
    problem."""


def _kind(hint) -> str:
    return getattr(hint, "__name__", str(hint))


def _convert(hint, value: Any, where: str) -> Any:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is Union:  # Optional[X]
        if value is None and type(None) in args:
            return None
        (inner,) = [a for a in args if a is not type(None)]
        return _convert(inner, value, where)
    if dataclasses.is_dataclass(hint):
        return from_json(hint, value, where)
    if origin is tuple:
        if not isinstance(value, list):
            raise SchemaError(f"{where} must be a list, got {value!r}")
        return tuple(_convert(args[0], v, f"{where}[{i}]") for i, v in enumerate(value))
    if origin is dict:
        if not isinstance(value, dict):
            raise SchemaError(f"{where} must be an object, got {type(value).__name__}")
        return {k: _convert(args[1], v, f"{where}[{k!r}]") for k, v in value.items()}
    if hint is float:
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not math.isfinite(value)
        ):
            raise SchemaError(f"{where} must be a finite number, got {value!r}")
        return float(value)
    if hint is bool:
        if not isinstance(value, bool):
            raise SchemaError(f"{where} must be true or false, got {value!r}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise SchemaError(f"{where} must be a whole number, got {value!r}")
        return value
    if hint is str:
        if not isinstance(value, str):
            raise SchemaError(f"{where} must be text, got {value!r}")
        return value
    raise TypeError(f"schema: no rule for the type {_kind(hint)} of {where}")


def from_json(cls: type, doc: Any, where: str = "the record") -> Any:
    """An instance of dataclass ``cls`` from parsed JSON ``doc``, checked field by
    field.

    Raises:
        SchemaError: naming ``where`` and the entry that does not fit.
    """
    if not isinstance(doc, dict):
        raise SchemaError(f"{where} must be an object, got {type(doc).__name__}")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(doc) - set(fields))
    if unknown:
        raise SchemaError(
            f"{where} has unknown entries {unknown}; expected some of {sorted(fields)}"
        )
    values = {}
    for name, f in fields.items():
        if name not in doc:
            if (
                f.default is dataclasses.MISSING
                and f.default_factory is dataclasses.MISSING
            ):
                raise SchemaError(f"{where} lacks {name!r}")
            continue
        values[name] = _convert(hints[name], doc[name], f"{where}.{name}")
    try:
        return cls(**values)
    except ValueError as err:  # a __post_init__ check
        raise SchemaError(f"{where}: {err}") from None


def to_json(obj: Any) -> Any:
    """The JSON form of a dataclass made by :func:`from_json` (tuples become lists)."""
    if dataclasses.is_dataclass(obj):
        return {
            f.name: to_json(getattr(obj, f.name))
            for f in dataclasses.fields(obj)
            if getattr(obj, f.name) is not None
        }
    if isinstance(obj, (list, tuple)):
        return [to_json(v) for v in obj]
    if isinstance(obj, dict):
        return {k: to_json(v) for k, v in obj.items()}
    return obj
