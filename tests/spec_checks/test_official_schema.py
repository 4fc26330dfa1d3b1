"""The official AsyncAPI schema check on resolved documents."""

from __future__ import annotations

import re
import urllib.request
from importlib import resources
from typing import Any

import pytest
import yaml
from referencing.exceptions import Unresolvable

from pytest_asyncapi.errors import UnsupportedVersionError
from pytest_asyncapi.spec import official_schema as module
from pytest_asyncapi.spec.official_schema import (
    SUPPORTED_VERSIONS,
    official_findings,
    official_schema,
    schema_version,
)
from tests.support.spec_checks import FIXTURES, yaml_locator


def check(name: str) -> list[tuple[str, str, int | None]]:
    path = FIXTURES / name
    document = yaml.safe_load(path.read_text())
    findings = official_findings(document, str(document["asyncapi"]), yaml_locator(path))
    assert all(f.rule == "official-schema" and f.file == str(path) for f in findings)
    return [(f.pointer, f.message, f.line) for f in findings]


def test_missing_info_is_reported_at_the_root() -> None:
    assert check("missing-info.yaml") == [
        ("", "missing required property 'info' (keyword: required)", 2)
    ]


def test_channels_of_the_wrong_type() -> None:
    assert check("channels-wrong-type.yaml") == [
        ("/channels", 'expected object, got array ["user/signedup"] (keyword: type)', 5)
    ]


def test_unknown_top_level_field_points_at_the_field() -> None:
    assert check("unknown-top-level.yaml") == [
        ("/tags2", "property 'tags2' is not allowed here (keyword: additionalProperties)", 6)
    ]


def test_bad_v3_operation_action_names_the_allowed_values() -> None:
    assert check("bad-action.yaml") == [
        (
            "/operations/onUserSignedUp/action",
            '"publish" is not one of ["send","receive"] (keyword: enum)',
            15,
        )
    ]


def test_resolved_v3_document_is_valid() -> None:
    """Reference-only 3.x fields (operation.channel …) accept the resolved objects."""
    assert check("resolved-valid-v3.yaml") == []


def test_unpatched_v3_schema_would_reject_the_resolved_document() -> None:
    """Guards the test above: without the patch the same document fails."""
    document = yaml.safe_load((FIXTURES / "resolved-valid-v3.yaml").read_text())
    raw = module._compile(official_schema("3.0.0"))
    assert not raw.is_valid(document)


def test_oneof_reference_branches_give_the_real_error_not_ref_noise() -> None:
    findings = check("resolved-invalid-inline-v2.yaml")
    assert findings == [
        (
            "/channels/user~1{userId}~1signedup/parameters/userId/location",
            "expected string, got integer 42 (keyword: type)",
            11,
        ),
        (
            "/channels/user~1{userId}~1signedup/subscribe/message/contentType",
            "expected string, got integer 5 (keyword: type)",
            14,
        ),
        (
            "/components/messages/broken/contentType",
            "expected string, got integer 5 (keyword: type)",
            20,
        ),
    ]
    # The raw validator does report the noise the check removes.
    document = yaml.safe_load((FIXTURES / "resolved-invalid-inline-v2.yaml").read_text())
    raw = [e.message for e in module._validator("2.6.0").iter_errors(document)]
    assert any("is not valid under any of the given schemas" in m for m in raw)
    assert any("'$ref' is a required property" in e.message for e in _flatten(document))


def _flatten(document: Any) -> list[Any]:
    stack = list(module._validator("2.6.0").iter_errors(document))
    seen = []
    while stack:
        error = stack.pop()
        seen.append(error)
        stack.extend(error.context or ())
    return seen


def test_findings_are_deduplicated_per_source_location() -> None:
    """A shared object inlined at two places is one finding when both map to one line."""
    broken = {"payload": {"type": "object"}, "contentType": 5}
    document = {
        "asyncapi": "2.6.0",
        "info": {"title": "t", "version": "1"},
        "channels": {
            "a": {"subscribe": {"message": broken}},
            "b": {"publish": {"message": broken}},
        },
        "components": {"messages": {"m": broken}},
    }
    findings = official_findings(document, "2.6.0", lambda pointer: ("doc.yaml", 7))
    assert [(f.pointer, f.line) for f in findings] == [("/components/messages/m/contentType", 7)]
    unlocated = official_findings(document, "2.6.0", lambda pointer: ("doc.yaml", None))
    assert len(unlocated) == 3


def synthetic(monkeypatch: pytest.MonkeyPatch, properties: dict[str, Any]) -> None:
    """Check against a small schema instead of an official one (same error handling)."""
    schema = {"$id": "http://asyncapi.com/definitions/t/asyncapi.json", "definitions": {}}
    validator = module._compile({**schema, "properties": properties})
    monkeypatch.setattr(module, "_validator", lambda version: validator)


def test_oneof_matching_several_alternatives_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    synthetic(monkeypatch, {"a": {"oneOf": [{"type": "integer"}, {"minimum": 0}]}})
    findings = official_findings({"a": 1}, "2.6.0", lambda pointer: ("d", None))
    assert [(f.pointer, f.message) for f in findings] == [
        ("/a", "1 matches more than one of the alternatives allowed here (keyword: oneOf)")
    ]


def test_oneof_reports_the_alternative_of_the_right_type(monkeypatch: pytest.MonkeyPatch) -> None:
    alternatives = [
        {"type": "string"},
        {"type": "object", "required": ["x"], "properties": {"y": {"type": "integer"}}},
        {"type": "array"},
    ]
    synthetic(monkeypatch, {"a": {"anyOf": alternatives}})
    findings = official_findings({"a": {"y": "no"}}, "2.6.0", lambda pointer: ("d", None))
    assert [(f.pointer, f.message) for f in findings] == [
        ("/a", "missing required property 'x' (keyword: required)"),
        ("/a/y", 'expected integer, got string "no" (keyword: type)'),
    ]


def test_long_values_are_cut_in_messages(monkeypatch: pytest.MonkeyPatch) -> None:
    synthetic(monkeypatch, {"a": {"maxLength": 3}})
    findings = official_findings({"a": "x" * 500}, "2.6.0", lambda pointer: ("d", None))
    assert len(findings) == 1
    assert findings[0].message.endswith("… is too long (keyword: maxLength)")
    assert len(findings[0].message) < 120


@pytest.mark.parametrize(
    ("given", "expected"),
    [("2.0.0", "2.0.0"), ("2.6.1", "2.6.0"), ("3.0.2", "3.0.0"), (" 3.1.0", "3.1.0")],
)
def test_patch_versions_map_to_the_minor_schema(given: str, expected: str) -> None:
    assert schema_version(given) == expected


@pytest.mark.parametrize("version", ["1.2.0", "3.2.0", "2.6", "latest", ""])
def test_unsupported_versions_raise_with_the_list(version: str) -> None:
    with pytest.raises(UnsupportedVersionError) as info:
        official_findings({"asyncapi": version}, version, lambda pointer: ("d", None))
    assert "supported versions: 2.0.0, 2.1.0" in str(info.value)
    assert info.value.pointer == "/asyncapi"


def test_every_supported_version_loads_offline_and_is_cached() -> None:
    for version in SUPPORTED_VERSIONS:
        schema = official_schema(version)
        assert schema["$id"] == f"http://asyncapi.com/definitions/{version}/asyncapi.json"
        assert official_schema(version) is schema
        minimal = {"asyncapi": version, "info": {"title": "t", "version": "1"}}
        if version.startswith("2."):
            minimal["channels"] = {}
        assert official_findings(minimal, version, lambda pointer: ("d", None)) == []


def test_vendored_files_are_exactly_the_supported_versions() -> None:
    folder = resources.files("pytest_asyncapi.schemas") / "official"
    schemas = sorted(item.name for item in folder.iterdir() if item.name.endswith(".json"))
    assert schemas == sorted(f"{v}.json" for v in SUPPORTED_VERSIONS)
    assert "Apache License" in (folder / "LICENSE").read_text()
    assert "AsyncAPI Initiative" in (folder / "NOTICE").read_text()


def test_remote_refs_in_a_schema_raise_instead_of_fetching(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("the document check tried to fetch a URL")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    validator = module._compile(
        {
            "$id": "http://asyncapi.com/definitions/test/asyncapi.json",
            "definitions": {},
            "properties": {"a": {"$ref": "http://example.com/remote.json"}},
        }
    )
    with pytest.raises(Unresolvable, match=re.escape("http://example.com/remote.json")):
        validator.validate({"a": 1})
