"""compile_schema: verdicts, violation details, recursion, caching, bad schemas and values."""

from __future__ import annotations

import gc
import math
from decimal import Decimal
from typing import Any

import orjson
import pytest

from pytest_asyncapi.errors import SchemaCompileError
from pytest_asyncapi.schemas.compile import (
    CheckResult,
    SchemaViolation,
    Verdict,
    compile_schema,
)
from pytest_asyncapi.spec.model import SchemaSpec

ASYNCAPI = "application/vnd.aai.asyncapi+json;version=3.0.0"


def user_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["id", "email"],
        "properties": {
            "id": {"type": "string", "format": "uuid"},
            "email": {"type": "string", "format": "email"},
            "age": {"type": "integer", "minimum": 0},
            "role": {"type": "string", "enum": ["admin", "member"]},
        },
    }


def signup_spec() -> tuple[SchemaSpec, dict[str, Any]]:
    user = user_schema()
    payload = {
        "type": "object",
        "required": ["user"],
        "properties": {"user": user, "source": {"type": "string"}},
        "additionalProperties": False,
    }
    origins = {id(user): "#/components/schemas/User"}
    spec = SchemaSpec(payload, ASYNCAPI, "/components/messages/UserSignedUp/payload", origins)
    return spec, user


GOOD_USER = {"id": "123e4567-e89b-12d3-a456-426614174000", "email": "joe@example.com"}


def only(result: CheckResult) -> SchemaViolation:
    assert result.verdict is Verdict.INVALID
    assert len(result.violations) == 1, result.violations
    return result.violations[0]


def test_valid_value() -> None:
    spec, _ = signup_spec()
    compiled = compile_schema(spec)
    assert compiled.reason is None
    assert compiled.is_valid({"user": GOOD_USER})
    assert compiled.check({"user": GOOD_USER}) == CheckResult(Verdict.VALID)


def test_missing_required_points_at_the_parent_and_names_the_ref() -> None:
    spec, _ = signup_spec()
    violation = only(compile_schema(spec).check({"user": {"id": GOOD_USER["id"]}}))
    assert violation.pointer == "/user"
    assert violation.keyword == "required"
    assert "email" in violation.message
    assert "required" in violation.message
    assert violation.schema_location == "#/components/schemas/User"
    assert violation.schema_excerpt.startswith('{"type":"object","required":["id","email"]')
    assert violation.value_excerpt == '{"id":"123e4567-e89b-12d3-a456-426614174000"}'


def test_wrong_type_points_at_the_field() -> None:
    spec, _ = signup_spec()
    violation = only(compile_schema(spec).check({"user": {**GOOD_USER, "age": "ten"}}))
    assert (violation.pointer, violation.keyword) == ("/user/age", "type")
    assert violation.schema_location == "#/components/schemas/User/properties/age"
    assert violation.schema_excerpt == '{"type":"integer","minimum":0}'
    assert violation.value_excerpt == '"ten"'


def test_bad_enum_and_bad_format() -> None:
    spec, _ = signup_spec()
    value = {"user": {**GOOD_USER, "role": "root", "email": "joe at example.com"}}
    result = compile_schema(spec).check(value)
    assert [(v.pointer, v.keyword, v.schema_location) for v in result.violations] == [
        ("/user/email", "format", "#/components/schemas/User/properties/email"),
        ("/user/role", "enum", "#/components/schemas/User/properties/role"),
    ]


def test_location_without_a_ref_is_the_document_pointer() -> None:
    spec, _ = signup_spec()
    violation = only(compile_schema(spec).check({"user": GOOD_USER, "extra": 1}))
    assert (violation.pointer, violation.keyword) == ("", "additionalProperties")
    assert violation.schema_location == "#/components/messages/UserSignedUp/payload"
    violation = only(compile_schema(spec).check({"user": GOOD_USER, "source": 3}))
    assert violation.schema_location == (
        "#/components/messages/UserSignedUp/payload/properties/source"
    )


def test_pointers_are_rfc6901_escaped() -> None:
    schema = {"type": "object", "properties": {"a/b~c": {"type": "string"}}}
    violation = only(compile_schema(SchemaSpec(schema, "", "/p")).check({"a/b~c": 1}))
    assert violation.pointer == "/a~1b~0c"
    assert violation.schema_location == "#/p/properties/a~1b~0c"


def test_violations_are_sorted_by_pointer_then_keyword() -> None:
    schema = {
        "type": "array",
        "items": {
            "type": "object",
            "required": ["sku"],
            "properties": {"qty": {"type": "integer", "minimum": 1, "multipleOf": 2}},
        },
    }
    value = [{"sku": "a"}] * 2 + [{"qty": -1}] + [{"sku": "b"}] * 7 + [{"qty": 1.5}]
    result = compile_schema(SchemaSpec(schema, "", "/p")).check(value)
    assert [(v.pointer, v.keyword) for v in result.violations] == [
        ("/2", "required"),
        ("/2/qty", "minimum"),
        ("/2/qty", "multipleOf"),
        ("/10", "required"),
        ("/10/qty", "multipleOf"),
        ("/10/qty", "type"),
    ]
    assert compile_schema(SchemaSpec(schema, "", "/p")).check(value) == result


def test_sorting_copes_with_non_ascii_digit_keys() -> None:
    schema = {"additionalProperties": {"type": "string"}}
    result = compile_schema(SchemaSpec(schema, "", "/p")).check({"²": 1, "10": 2, "9": 3})
    assert [v.pointer for v in result.violations] == ["/9", "/10", "/²"]


def tree_schema() -> dict[str, Any]:
    node: dict[str, Any] = {
        "type": "object",
        "required": ["name"],
        "additionalProperties": False,
        "properties": {"name": {"type": "string"}},
    }
    node["properties"]["children"] = {"type": "array", "items": node}
    return node


def test_recursive_schema_as_a_tree() -> None:
    node = tree_schema()
    payload = {"type": "object", "properties": {"root": node}}
    spec = SchemaSpec(
        payload, "", "/components/messages/Tree/payload", {id(node): "#/components/schemas/Node"}
    )
    compiled = compile_schema(spec)
    deep: dict[str, Any] = {"name": "leaf"}
    for level in range(50):
        deep = {"name": f"n{level}", "children": [deep, {"name": "x"}]}
    assert compiled.is_valid({"root": deep})
    bad = {"root": {"name": "r", "children": [{"name": "a", "children": [{"name": 7}, {}]}]}}
    result = compiled.check(bad)
    assert [(v.pointer, v.keyword, v.schema_location) for v in result.violations] == [
        ("/root/children/0/children/0/name", "type", "#/components/schemas/Node/properties/name"),
        ("/root/children/0/children/1", "required", "#/components/schemas/Node"),
    ]


def test_recursive_root_and_2020_12_defs() -> None:
    node = tree_schema()
    for schema_format in ("", "application/schema+json;version=2020-12"):
        spec = SchemaSpec(node, schema_format, "/components/schemas/Node")
        compiled = compile_schema(spec)
        assert compiled.is_valid({"name": "r", "children": [{"name": "c", "children": []}]})
        violation = only(
            compiled.check({"name": "r", "children": [{"name": "c", "children": [{}]}]})
        )
        assert violation.pointer == "/children/0/children/0"
        assert violation.schema_location == "#/components/schemas/Node"


def test_mutual_recursion_with_existing_definitions() -> None:
    a: dict[str, Any] = {"type": "object", "properties": {}}
    b: dict[str, Any] = {"type": "array", "items": a}
    a["properties"]["b"] = b
    root = {"definitions": {"recursive-1": {"type": "string"}}, "properties": {"a": a}}
    spec = SchemaSpec(
        root, "", "/p", {id(a): "#/components/schemas/A", id(b): "#/components/schemas/B"}
    )
    compiled = compile_schema(spec)
    assert compiled.is_valid({"a": {"b": [{"b": []}]}})
    violation = only(compiled.check({"a": {"b": [{"b": {}}]}}))
    assert (violation.pointer, violation.schema_location) == ("/a/b/0/b", "#/components/schemas/B")


@pytest.mark.parametrize(("schema", "valid"), [(True, True), (False, False)])
def test_boolean_schemas(schema: bool, valid: bool) -> None:
    compiled = compile_schema(SchemaSpec(schema, "", "/p"))
    assert compiled.is_valid({"any": "thing"}) is valid
    if not valid:
        violation = only(compiled.check(1))
        assert (violation.pointer, violation.keyword, violation.schema_location) == (
            "",
            "false",
            "#/p",
        )


def test_false_subschema() -> None:
    schema = {"properties": {"legacy": False}}
    violation = only(compile_schema(SchemaSpec(schema, "", "/p")).check({"legacy": 1}))
    assert (violation.pointer, violation.keyword) == ("/legacy", "false")
    assert violation.schema_location == "#/p/properties/legacy"


def test_annotations_and_ids_do_not_break_compilation() -> None:
    schema = {
        "$schema": "https://asyncapi.com/definitions/3.0.0/schema.json",
        "type": "object",
        "examples": "not-a-list",
        "x-owner": {"team": "growth"},
        "discriminator": "kind",
        "externalDocs": {"url": "https://example.com"},
        "properties": {
            "title": {"type": "string"},
            "item": {"$id": "item.json", "type": "object", "deprecated": True},
        },
    }
    compiled = compile_schema(SchemaSpec(schema, ASYNCAPI, "/p"))
    assert compiled.is_valid({"title": "x", "item": {}})
    assert only(compiled.check({"title": 1})).keyword == "type"  # a property named "title"


def test_cache_returns_the_same_object_per_spec_object() -> None:
    spec, _ = signup_spec()
    first = compile_schema(spec)
    assert compile_schema(spec) is first
    twin, _ = signup_spec()
    assert twin == spec
    assert compile_schema(twin) is not first


def test_cache_forgets_dead_specs() -> None:
    from pytest_asyncapi.schemas import compile as module

    spec, _ = signup_spec()
    compile_schema(spec)
    key = id(spec)
    assert key in module._CACHE._entries
    del spec
    gc.collect()
    assert key not in module._CACHE._entries


def test_invalid_schema_is_a_typed_error() -> None:
    spec = SchemaSpec(
        {"type": "object", "properties": {"n": {"type": "strnig"}}}, "", "/components/schemas/X"
    )
    with pytest.raises(SchemaCompileError) as caught:
        compile_schema(spec)
    assert caught.value.where == "#/components/schemas/X"
    assert "/properties/n/type" in caught.value.problem
    assert "strnig" in caught.value.problem


def test_unresolved_ref_is_a_typed_error_not_a_fetch() -> None:
    spec = SchemaSpec({"$ref": "https://example.com/schemas/user.json"}, "", "/p")
    with pytest.raises(SchemaCompileError, match=r"user\.json"):
        compile_schema(spec)


def test_cycle_in_data_is_a_typed_error() -> None:
    data: list[Any] = ["a"]
    data.append(data)
    with pytest.raises(SchemaCompileError, match="refers to itself"):
        compile_schema(SchemaSpec({"enum": data}, "", "/p"))


@pytest.mark.parametrize(
    ("value", "pointer", "message"),
    [
        ({"n": math.nan}, "/n", "NaN is not a JSON number"),
        ({"n": [1, -math.inf]}, "/n/1", "-Infinity is not a JSON number"),
        ({"n": Decimal("NaN")}, "/n", "is not a JSON number"),
        ({"n": {1, 2}}, "/n", "a Python set is not a JSON value"),
        ({"n": b"bytes"}, "/n", "a Python bytes is not a JSON value"),
        ({"n": object()}, "/n", "a Python object is not a JSON value"),
        ({1: "x"}, "", "object key 1 (int) is not a string"),
    ],
)
def test_non_json_values_are_invalid_with_a_clear_reason(
    value: Any, pointer: str, message: str
) -> None:
    compiled = compile_schema(SchemaSpec({}, "", "/p"))  # the schema accepts every JSON value
    assert compiled.is_valid(value) is False
    violation = only(compiled.check(value))
    assert (violation.pointer, violation.keyword) == (pointer, "json")
    assert message in violation.message


def test_cyclic_value_is_invalid() -> None:
    value: list[Any] = []
    value.append(value)
    compiled = compile_schema(SchemaSpec({}, "", "/p"))
    assert compiled.is_valid(value) is False
    assert "cycle" in only(compiled.check(value)).message


def test_too_deep_value_is_unchecked_not_a_crash() -> None:
    value: Any = "leaf"
    for _ in range(200_000):
        value = [value]
    compiled = compile_schema(SchemaSpec({"items": {"$ref": "#"}}, "", "/p"))
    assert compiled.is_valid(value) is False
    result = compiled.check(value)
    assert result.verdict is Verdict.UNCHECKED
    assert result.reason is not None
    assert "deeper than" in result.reason


def test_huge_ints_and_nulls_are_json() -> None:
    schema = {
        "type": "object",
        "properties": {"n": {"type": "integer", "minimum": 0}, "z": {"type": "null"}},
    }
    compiled = compile_schema(SchemaSpec(schema, "", "/p"))
    assert compiled.is_valid({"n": 10**40, "z": None})
    assert only(compiled.check({"n": -(10**40)})).keyword == "minimum"


def test_long_messages_are_shortened() -> None:
    compiled = compile_schema(SchemaSpec({"type": "string"}, "", "/p"))
    violation = only(compiled.check({f"key{i}": "v" * 50 for i in range(100)}))
    assert len(violation.message) <= 240
    assert violation.message.endswith('is not of type "string"')
    assert len(violation.value_excerpt) <= 120
    assert violation.value_excerpt.endswith("…")


@pytest.mark.parametrize("schema_format", ["", "application/schema+json;version=2020-12"])
def test_uuid_violation_reads_as_format_in_every_draft(schema_format: str) -> None:
    schema = {"properties": {"id": {"type": "string", "format": "uuid"}}}
    violation = only(compile_schema(SchemaSpec(schema, schema_format, "/p")).check({"id": "nope"}))
    assert (violation.pointer, violation.keyword) == ("/id", "format")
    assert violation.message == '"nope" is not a "uuid"'
    assert violation.schema_excerpt == '{"type":"string","format":"uuid"}'
    assert violation.schema_location == "#/p/properties/id"


def test_uuid_with_its_own_pattern_checks_both() -> None:
    schema = {"type": "string", "format": "uuid", "pattern": "^0"}
    compiled = compile_schema(SchemaSpec(schema, "", "/p"))
    assert compiled.is_valid("0" * 8 + "-0000-0000-0000-" + "0" * 12)
    assert [v.keyword for v in compiled.check("0-not-a-uuid").violations] == ["format"]
    assert [v.keyword for v in compiled.check(UUID_1).violations] == ["pattern"]


UUID_1 = "123e4567-e89b-12d3-a456-426614174000"


def test_trusted_values_skip_the_json_screen_with_the_same_verdicts() -> None:
    spec, _ = signup_spec()
    compiled = compile_schema(spec)
    for text in [
        b'{"user": {"id": "123e4567-e89b-12d3-a456-426614174000", "email": "joe@example.com"}}',
        b'{"user": {"id": "nope", "email": "joe@example"}, "extra": [1.5, null, {"k": 10e300}]}',
        b"[]",
        b"null",
    ]:
        value = orjson.loads(text)
        assert compiled.is_valid(value, trusted=True) is compiled.is_valid(value)
        assert compiled.check(value, trusted=True) == compiled.check(value)


def test_untrusted_is_the_default_and_still_refuses_nan() -> None:
    compiled = compile_schema(SchemaSpec({"type": "object"}, "", "/p"))
    assert compiled.is_valid({"n": math.nan}) is False
    assert only(compiled.check({"n": math.nan})).keyword == "json"
    assert compiled.check({"n": math.nan}, trusted=False).verdict is Verdict.INVALID


def test_unchecked_schema_takes_the_keyword_too() -> None:
    compiled = compile_schema(SchemaSpec({}, "application/raml+yaml;version=1.0", "/p"))
    assert compiled.is_valid({}, trusted=True) is False
    assert compiled.check({}, trusted=True).verdict is Verdict.UNCHECKED


def test_trusted_orjson_values_are_checked_at_any_depth_orjson_allows() -> None:
    node: dict[str, Any] = {"type": "array"}
    node["items"] = node  # as the loader leaves a resolved recursive $ref
    compiled = compile_schema(SchemaSpec(node, "", "/p"))
    deep = orjson.loads("[" * 1024 + "]" * 1024)  # orjson's limit; untrusted stops at 1000
    assert compiled.check(deep).verdict is Verdict.UNCHECKED
    assert compiled.check(deep, trusted=True).verdict is Verdict.VALID
    bad = orjson.loads("[" * 1023 + "1" + "]" * 1023)
    violation = only(compiled.check(bad, trusted=True))
    assert (violation.pointer, violation.keyword) == ("/0" * 1023, "type")


def test_engine_refusal_of_a_trusted_value_is_unchecked_not_a_crash() -> None:
    node: dict[str, Any] = {"anyOf": [{"type": "integer"}]}
    node["anyOf"].append({"type": "array", "items": {"allOf": [node]}})
    compiled = compile_schema(SchemaSpec(node, "", "/p"))
    bad = orjson.loads("[" * 1023 + '"x"' + "]" * 1023)
    assert compiled.is_valid(bad, trusted=True) is False
    result = compiled.check(bad, trusted=True)
    assert result.verdict is Verdict.UNCHECKED
    assert result.reason is not None
    assert "deeper than" in result.reason
