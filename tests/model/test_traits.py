"""Traits merge by each version's rule; arrays replace, null deletes, nothing shared mutates."""

from __future__ import annotations

import copy

from pytest_asyncapi.spec.traits import apply_traits, merge_patch


def test_merge_patch_follows_rfc7386_for_objects_arrays_and_null() -> None:
    target = {"a": {"b": 1, "c": 2}, "list": [1, 2], "gone": "x"}
    patch = {"a": {"c": 3}, "list": [9], "gone": None}
    assert merge_patch(target, patch) == {"a": {"b": 1, "c": 3}, "list": [9]}
    assert target == {"a": {"b": 1, "c": 2}, "list": [1, 2], "gone": "x"}


def test_new_subtrees_keep_identity_and_their_nulls() -> None:
    schema = {"type": ["string", "null"], "default": None}
    merged = merge_patch({}, {"payload": schema})
    assert merged["payload"] is schema
    assert merged["payload"]["default"] is None


def test_v2_traits_override_the_message_in_order() -> None:
    message = {
        "name": "own",
        "contentType": "application/json",
        "traits": [{"name": "first", "tags": [{"name": "a"}]}, {"name": "second"}],
    }
    merged = apply_traits(message, 2)
    assert merged["name"] == "second"
    assert merged["tags"] == [{"name": "a"}]
    assert "traits" not in merged


def test_v3_the_object_wins_over_its_traits() -> None:
    message = {
        "name": "own",
        "traits": [{"name": "trait", "summary": "from trait"}, {"summary": "later trait"}],
    }
    merged = apply_traits(message, 3)
    assert merged["name"] == "own"
    assert merged["summary"] == "later trait"


def test_headers_from_a_trait_merge_into_the_message_headers() -> None:
    message = {
        "headers": {"type": "object", "properties": {"own": {"type": "string"}}},
        "traits": [{"headers": {"properties": {"x-trace": {"type": "string"}}}}],
    }
    before = copy.deepcopy(message)
    merged = apply_traits(message, 3)
    assert set(merged["headers"]["properties"]) == {"own", "x-trace"}
    assert message == before


def test_null_in_a_v2_trait_deletes_the_message_value() -> None:
    merged = apply_traits({"summary": "x", "traits": [{"summary": None}]}, 2)
    assert "summary" not in merged


def test_no_traits_returns_the_object_itself() -> None:
    message = {"name": "m"}
    assert apply_traits(message, 3) is message
