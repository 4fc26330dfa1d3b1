"""bundle(): cyclic resolved schemas become acyclic documents with definitions."""

from __future__ import annotations

import json
from typing import Any

from pytest_asyncapi.schemas.bundle import bundle, is_native_format
from pytest_asyncapi.schemas.formats import EMAIL_PATTERNS, URI_PATTERN, UUID_PATTERN


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
        "b": {"pattern": "^1", "allOf": [{"pattern": UUID_PATTERN}]},  # both apply
    }
    assert bundle(schema, draft="2019-09", definitions="$defs").schema == schema


def test_email_and_uri_become_native_patterns_in_every_draft() -> None:
    own = {"pattern": "^a"}
    schema = {
        "properties": {
            "e": {"type": "string", "format": "email"},
            "u": {"format": "uri", "pattern": "^h", "allOf": [own]},
            "x": {"format": "hostname"},  # jsonschema-rs's own rule: left as it is
        }
    }
    for draft, definitions in [("draft-04", "definitions"), ("2020-12", "$defs")]:
        properties = bundle(schema, draft=draft, definitions=definitions).schema["properties"]
        first, *rest = EMAIL_PATTERNS
        assert properties["e"] == {
            "type": "string",
            "pattern": first,
            "allOf": [{"pattern": p} for p in rest],
        }
        assert properties["u"] == {"pattern": "^h", "allOf": [own, {"pattern": URI_PATTERN}]}
        assert properties["x"] == {"format": "hostname"}
    assert schema["properties"]["u"]["allOf"] == [own]  # the original is untouched


def test_a_format_beside_a_broken_allof_is_left_alone() -> None:
    schema = {"format": "email", "pattern": "^a", "allOf": {"not": "a list"}}
    assert bundle(schema, draft="draft-07", definitions="definitions").schema == schema


def test_paths_into_native_patterns_are_recognised() -> None:
    bare = {"type": "string", "format": "email"}
    assert is_native_format(bare, ["pattern"], "draft-07")
    assert is_native_format(bare, ["allOf", 1, "pattern"], "draft-07")
    assert not is_native_format(bare, ["type"], "draft-07")
    both = {"format": "uri", "pattern": "^h", "allOf": [{"minLength": 1}]}
    assert not is_native_format(both, ["pattern"], "draft-07")  # its own pattern
    assert not is_native_format(both, ["allOf", 0, "minLength"], "draft-07")
    assert is_native_format(both, ["allOf", "1", "pattern"], "draft-07")
    uuid = {"format": "uuid"}
    assert is_native_format(uuid, ["pattern"], "draft-06")
    assert not is_native_format(uuid, ["pattern"], "2019-09")  # native uuid there
