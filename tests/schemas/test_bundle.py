"""bundle(): cyclic resolved schemas become acyclic documents with definitions."""

from __future__ import annotations

import json
from typing import Any

from pytest_asyncapi.schemas.bundle import UUID_PATTERN, bundle


def test_acyclic_schema_is_copied_without_annotations() -> None:
    schema = {
        "type": "object",
        "title": "T",
        "x-internal": True,
        "properties": {"title": {"type": "string", "description": "d"}},
    }
    result = bundle(schema, draft="draft-07", definitions="definitions")
    assert result.schema == {"type": "object", "properties": {"title": {"type": "string"}}}
    assert result.recursive == frozenset()
    assert schema["title"] == "T"  # the original is untouched


def test_cycle_becomes_a_definition_and_refs() -> None:
    node: dict[str, Any] = {"type": "object", "properties": {}}
    node["properties"]["next"] = node
    wrapper = {"properties": {"head": node, "tail": node}}
    result = bundle(wrapper, draft="2020-12", definitions="$defs")
    ref = {"$ref": "#/$defs/recursive-1"}
    assert result.schema == {
        "properties": {"head": ref, "tail": ref},
        "$defs": {"recursive-1": {"type": "object", "properties": {"next": ref}}},
    }
    assert result.recursive == {id(node)}
    json.dumps(result.schema)  # acyclic


def test_recursive_root_refers_to_itself() -> None:
    node: dict[str, Any] = {"type": "array"}
    node["items"] = node
    result = bundle(node, draft="draft-07", definitions="definitions")
    assert result.schema == {"type": "array", "items": {"$ref": "#"}}


def test_shared_acyclic_nodes_are_not_definitions() -> None:
    shared = {"type": "string", "format": "date"}
    schema = {"properties": {"a": shared, "b": shared}}
    result = bundle(schema, draft="draft-07", definitions="definitions")
    assert "definitions" not in result.schema
    assert result.schema["properties"]["a"] == shared


def test_uuid_format_becomes_a_native_pattern_before_2019_09() -> None:
    schema = {"properties": {"a": {"format": "uuid"}, "b": {"format": "uuid", "pattern": "^1"}}}
    draft7 = bundle(schema, draft="draft-07", definitions="definitions").schema
    assert draft7["properties"] == {
        "a": {"pattern": UUID_PATTERN},
        "b": {"format": "uuid", "pattern": "^1"},  # left to the format callback
    }
    assert bundle(schema, draft="2019-09", definitions="$defs").schema == schema
