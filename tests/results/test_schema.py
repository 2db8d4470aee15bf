"""Tests of cnnlib.results.schema: parsed JSON into frozen dataclasses, checked field by
field against their type hints, and back (to_json). Small dataclasses of its own are
used here; the record's: test_record.py."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Optional

import pytest

from cnnlib import results
from cnnlib.core import CnnlibError
from cnnlib.results import schema


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str = ""

    def __post_init__(self):
        if self.x < 0:
            raise ValueError(f"x must be >= 0, got {self.x!r}")


@dataclass(frozen=True)
class Shape:
    name: str
    corners: int
    points: tuple[Point, ...]
    by_name: dict[str, Point] = field(default_factory=dict)
    weight: Optional[float] = None
    parent: Optional[Point] = None


DOC = {
    "name": "tri",
    "corners": 3,
    "points": [{"x": 0, "y": 1.5}, {"x": 2.0, "y": -1, "label": "b"}],
    "by_name": {"top": {"x": 1, "y": 2}},
}


def test_from_json_builds_nested_dataclasses_of_the_hinted_types():
    shape = schema.from_json(Shape, DOC)
    assert shape == Shape(
        "tri", 3, (Point(0.0, 1.5), Point(2.0, -1.0, "b")), {"top": Point(1.0, 2.0)}
    )
    assert (
        type(shape.points) is tuple and type(shape.points[0].x) is float
    )  # an int is a float
    assert shape.weight is None and shape.parent is None


def test_optional_takes_null_or_the_type():
    assert schema.from_json(Shape, {**DOC, "weight": None}).weight is None
    assert schema.from_json(Shape, {**DOC, "weight": 2}).weight == 2.0
    assert schema.from_json(Shape, {**DOC, "parent": {"x": 1, "y": 1}}).parent == Point(
        1.0, 1.0
    )


def test_to_json_gives_the_json_back_without_nulls():
    shape = schema.from_json(Shape, {**DOC, "weight": None})
    back = schema.to_json(shape)
    assert json.loads(json.dumps(back)) == back  # plain JSON types
    assert back == {
        "name": "tri",
        "corners": 3,
        "points": [
            {"x": 0.0, "y": 1.5, "label": ""},
            {"x": 2.0, "y": -1.0, "label": "b"},
        ],
        "by_name": {"top": {"x": 1.0, "y": 2.0, "label": ""}},
    }
    assert schema.from_json(Shape, back) == shape


@pytest.mark.parametrize(
    "doc, message",
    [
        ([1], r"^shape must be an object, got list$"),
        (
            {**DOC, "colour": "red"},
            r"^shape has unknown entries \['colour'\]; expected some of "
            r"\['by_name', 'corners', 'name', 'parent', 'points', 'weight'\]$",
        ),
        ({k: v for k, v in DOC.items() if k != "corners"}, r"^shape lacks 'corners'$"),
        ({**DOC, "corners": 3.0}, r"^shape\.corners must be a whole number, got 3\.0$"),
        (
            {**DOC, "corners": True},
            r"^shape\.corners must be a whole number, got True$",
        ),
        ({**DOC, "name": 5}, r"^shape\.name must be text, got 5$"),
        ({**DOC, "weight": "1"}, r"^shape\.weight must be a finite number, got '1'$"),
        (
            {**DOC, "weight": float("inf")},
            r"^shape\.weight must be a finite number, got inf$",
        ),
        (
            {**DOC, "weight": False},
            r"^shape\.weight must be a finite number, got False$",
        ),
        (
            {**DOC, "points": {"a": 1}},
            r"^shape\.points must be a list, got \{'a': 1\}$",
        ),
        (
            {**DOC, "points": [{"x": 0, "y": 0}, {"x": 1}]},
            r"^shape\.points\[1\] lacks 'y'$",
        ),
        (
            {**DOC, "points": [{"x": 0, "y": 0}, 7]},
            r"^shape\.points\[1\] must be an object, got int$",
        ),
        ({**DOC, "by_name": []}, r"^shape\.by_name must be an object, got list$"),
        (
            {**DOC, "by_name": {"top": {"x": 1, "y": None}}},
            r"^shape\.by_name\['top'\]\.y must be a "
            r"finite number, got None$",
        ),
        (
            {**DOC, "points": [{"x": -1, "y": 0}]},
            r"^shape\.points\[0\]: x must be >= 0, got -1\.0$",
        ),
        ({**DOC, "parent": 3}, r"^shape\.parent must be an object, got int$"),
    ],
    ids=[
        "not-object",
        "unknown",
        "missing",
        "int-float",
        "int-bool",
        "str",
        "float-str",
        "float-inf",
        "float-bool",
        "tuple-object",
        "nested-missing",
        "nested-type",
        "dict-list",
        "dict-value",
        "post-init",
        "optional-dataclass",
    ],
)
def test_a_value_that_does_not_fit_is_named_with_where_it_is(doc, message):
    with pytest.raises(schema.SchemaError, match=message):
        schema.from_json(Shape, doc, "shape")


def test_schema_error_is_a_value_error_and_a_cnnlib_error():
    assert issubclass(schema.SchemaError, ValueError) and issubclass(
        schema.SchemaError, CnnlibError
    )
    assert results.SchemaError is schema.SchemaError
    assert results.from_json is schema.from_json and results.to_json is schema.to_json


def test_a_type_without_a_rule_is_a_bug_said_clearly():
    @dataclass(frozen=True)
    class Odd:
        when: bytes

    with pytest.raises(
        TypeError, match=r"schema: no rule for the type bytes of odd\.when"
    ):
        schema.from_json(Odd, {"when": "x"}, "odd")


@dataclass(frozen=True)
class Flag:
    on: bool


def test_a_bool_is_true_or_false_only():
    assert schema.from_json(Flag, {"on": False}) == Flag(False)
    with pytest.raises(results.SchemaError, match=r"x\.on must be true or false"):
        schema.from_json(Flag, {"on": 1}, "x")
