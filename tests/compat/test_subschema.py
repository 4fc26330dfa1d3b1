"""The inclusion check, rule by rule and in both directions, and the counterexample search.

Each rule is a pair (narrow, wide) where every value ``narrow`` admits is admitted by ``wide``:
``subschema(narrow, wide)`` must be YES, ``subschema(wide, narrow)`` must not be YES, and the
counterexample search must find a payload ``wide`` admits and ``narrow`` rejects — checked again
here with ``compile_schema``.
"""

from __future__ import annotations

from typing import Any

import pytest

from pytest_asyncapi.compat.compare import compare
from pytest_asyncapi.compat.subschema import Answer, subschema
from pytest_asyncapi.schemas.compile import Verdict, compile_schema
from pytest_asyncapi.spec.model import SchemaSpec

FORMAT = "application/vnd.aai.asyncapi;version=3.0.0"


def spec(schema: Any) -> SchemaSpec:
    return SchemaSpec(schema, FORMAT, "/components/schemas/X")


def obj(**props: Any) -> dict[str, Any]:
    return {"type": "object", "properties": props}


def recursive(leaf: dict[str, Any]) -> dict[str, Any]:
    node: dict[str, Any] = {"type": "object", "required": ["name"], "properties": {"name": leaf}}
    node["properties"]["children"] = {"type": "array", "items": node}
    return node


RULES: dict[str, tuple[Any, Any, str]] = {
    # rule: (narrow, wide, keyword expected when wide is checked against narrow)
    "integer inside number": ({"type": "integer"}, {"type": "number"}, "type"),
    "type list": ({"type": "string"}, {"type": ["string", "null"]}, "type"),
    "required": (
        {"type": "object", "required": ["id", "total"]},
        {"type": "object", "required": ["id"]},
        "required",
    ),
    "additionalProperties false": (
        {**obj(id={"type": "string"}), "additionalProperties": False},
        obj(id={"type": "string"}),
        "additionalProperties",
    ),
    "additionalProperties schema": (
        {"type": "object", "additionalProperties": {"type": "integer"}},
        {"type": "object", "additionalProperties": {"type": "number"}},
        "type",
    ),
    "enum": ({"enum": ["EUR", "USD"]}, {"enum": ["EUR", "USD", "CHF"]}, "enum"),
    "const": ({"const": "v1"}, {"type": "string"}, "const"),
    "minimum": ({"type": "number", "minimum": 1}, {"type": "number", "minimum": 0}, "minimum"),
    "exclusiveMaximum": (
        {"type": "number", "exclusiveMaximum": 10},
        {"type": "number", "maximum": 10},
        "maximum",
    ),
    "maxLength": ({"type": "string", "maxLength": 5}, {"type": "string"}, "maxLength"),
    "minLength": (
        {"type": "string", "minLength": 3},
        {"type": "string", "minLength": 1},
        "minLength",
    ),
    "items": (
        {"type": "array", "items": {"type": "integer"}},
        {"type": "array", "items": {"type": "number"}},
        "type",
    ),
    "tuple items": (
        {"type": "array", "items": [{"type": "string"}, {"type": "integer"}]},
        {"type": "array", "items": [{"type": "string"}, {"type": "number"}]},
        "type",
    ),
    "maxItems": ({"type": "array", "maxItems": 2}, {"type": "array", "maxItems": 4}, "maxItems"),
    "uniqueItems": ({"type": "array", "uniqueItems": True}, {"type": "array"}, "uniqueItems"),
    "multipleOf": (
        {"type": "integer", "multipleOf": 4},
        {"type": "integer", "multipleOf": 2},
        "multipleOf",
    ),
    "format": ({"type": "string", "format": "uuid"}, {"type": "string"}, "format"),
    "nested property": (
        obj(line=obj(qty={"type": "integer", "minimum": 1})),
        obj(line=obj(qty={"type": "integer"})),
        "minimum",
    ),
    "allOf": (
        {"allOf": [{"type": "object", "required": ["a"]}, {"required": ["b"]}]},
        {"type": "object", "required": ["a"]},
        "required",
    ),
    "anyOf": (
        {"type": "string"},
        {"anyOf": [{"type": "string"}, {"type": "integer"}]},
        "type",
    ),
    "oneOf with discriminator": (
        {"type": "object", "required": ["kind"], "properties": {"kind": {"const": "card"}}},
        {
            "oneOf": [
                {"type": "object", "required": ["kind"], "properties": {"kind": {"const": "card"}}},
                {"type": "object", "required": ["kind"], "properties": {"kind": {"const": "iban"}}},
            ]
        },
        "enum",
    ),
    "recursive ($ref cycle)": (
        recursive({"type": "string", "maxLength": 8}),
        recursive({"type": "string"}),
        "maxLength",
    ),
}


@pytest.mark.parametrize("rule", RULES)
def test_narrow_is_included_in_wide(rule: str) -> None:
    narrow, wide, _ = RULES[rule]
    assert subschema(narrow, wide).answer is Answer.YES


@pytest.mark.parametrize("rule", RULES)
def test_wide_is_not_included_in_narrow_and_a_counterexample_proves_it(rule: str) -> None:
    narrow, wide, keyword = RULES[rule]
    outcome = subschema(wide, narrow)
    assert outcome.answer is Answer.NO, outcome
    assert outcome.keyword == keyword
    assert outcome.reason
    found = compare(spec(wide), spec(narrow))
    assert found.answer is Answer.NO
    assert found.has_counterexample, found
    assert compile_schema(spec(wide)).check(found.counterexample).verdict is Verdict.VALID
    assert compile_schema(spec(narrow)).check(found.counterexample).verdict is Verdict.INVALID


def test_no_names_the_value_pointer() -> None:
    old = obj(order=obj(lines={"type": "array", "items": obj(qty={"type": "integer"})}))
    new = obj(order=obj(lines={"type": "array", "items": obj(qty={"type": "string"})}))
    outcome = subschema(old, new, names=("provider", "consumer"))
    assert outcome.answer is Answer.NO
    assert outcome.pointer == "/order/lines/0/qty"
    assert "provider allows type integer, consumer allows only string" in outcome.reason


def test_equal_recursive_schemas_are_included_by_assume_guarantee() -> None:
    assert subschema(recursive({"type": "string"}), recursive({"type": "string"})).answer is (
        Answer.YES
    )


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ({"type": "string"}, {"type": "string", "pattern": "^a"}),
        ({"type": "string", "pattern": "^a"}, {"type": "string", "pattern": "^(a|b)"}),
        ({"type": "object"}, {"type": "object", "not": {"required": ["x"]}}),
        ({"type": "string"}, {"type": "string", "if": {"minLength": 2}, "then": {"pattern": "a"}}),
    ],
    ids=["pattern added", "patterns differ", "not", "if-then"],
)
def test_undecided_is_unknown_never_yes(a: Any, b: Any) -> None:
    assert subschema(a, b).answer is Answer.UNKNOWN


def test_unknown_settled_by_a_counterexample_becomes_no() -> None:
    found = compare(spec({"type": "string"}), spec({"type": "string", "pattern": "^a"}))
    assert found.answer is Answer.NO
    assert found.has_counterexample
    assert not str(found.counterexample).startswith("a")


def test_unknown_without_counterexample_stays_needs_review_and_says_why() -> None:
    wide = {"type": "string", "minLength": 1}
    found = compare(spec(wide), spec({"type": "string", "pattern": "^[\\s\\S]+$"}))
    assert found.answer is Answer.UNKNOWN
    assert not found.has_counterexample
    assert "no counterexample among" in found.note


def test_finite_schemas_are_decided_by_their_values() -> None:
    assert subschema({"type": "boolean"}, {"enum": [True, False]}).answer is Answer.YES
    assert subschema(
        {"type": "integer", "minimum": 1, "maximum": 3}, {"enum": [1, 2, 3]}
    ).answer is (Answer.YES)
    assert subschema({"enum": [1, 2, 4]}, {"enum": [1, 2, 3]}).witness is not None


def test_unchecked_format_is_an_annotation() -> None:
    assert subschema({"type": "string"}, {"type": "string", "format": "int64"}).answer is (
        Answer.YES
    )


def test_missing_schema_admits_anything() -> None:
    assert compare(spec({"type": "object"}), None).answer is Answer.YES
    found = compare(None, spec({"type": "object"}))
    assert found.answer is Answer.NO
    assert found.has_counterexample


def test_other_schema_formats_compare_only_when_identical() -> None:
    avro = "application/vnd.apache.avro;version=1.9.0"
    record = {"type": "record", "name": "A", "fields": []}
    same = compare(SchemaSpec(record, avro, "/a"), SchemaSpec(dict(record), avro, "/b"))
    assert same.answer is Answer.YES
    other = compare(SchemaSpec(record, avro, "/a"), SchemaSpec({**record, "name": "B"}, avro, "/b"))
    assert other.answer is Answer.UNKNOWN
    assert "cannot be compared" in other.reason


def test_a_schema_that_admits_nothing_is_included_in_anything() -> None:
    # seen in the corpus: a required property typed object with a string enum admits no value
    empty = obj(message={"type": "object", "enum": ["create"]})
    empty["required"] = ["message"]
    assert subschema(empty, {"type": "object", "required": ["other"]}).answer is Answer.YES
    assert subschema({"type": "string", "enum": [1]}, {"type": "null"}).answer is Answer.YES
