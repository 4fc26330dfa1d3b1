"""Each checked format, with the same rule under every draft (docs/formats.md)."""

from __future__ import annotations

import jsonschema_rs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_asyncapi.schemas.compile import Verdict, compile_schema
from pytest_asyncapi.schemas.formats import FORMATS, callbacks_for
from pytest_asyncapi.spec.model import SchemaSpec
from tests.support.formats import CASES, DRAFT_FORMATS, mutated


def test_every_checked_format_has_cases() -> None:
    assert set(CASES) == set(FORMATS)


@pytest.mark.parametrize("name", sorted(CASES))
def test_python_rule(name: str) -> None:
    valid, invalid = CASES[name]
    check = FORMATS[name].check
    assert [v for v in valid if not check(v)] == []
    assert [v for v in invalid if check(v)] == []
    assert check(42)
    assert check(None)


@pytest.mark.parametrize("draft", sorted(DRAFT_FORMATS))
@pytest.mark.parametrize("name", sorted(CASES))
def test_same_rule_under_every_draft(name: str, draft: str) -> None:
    valid, invalid = CASES[name]
    spec = SchemaSpec({"type": "string", "format": name}, DRAFT_FORMATS[draft], "/p")
    compiled = compile_schema(spec)
    assert [v for v in valid if not compiled.is_valid(v)] == []
    assert [v for v in invalid if compiled.is_valid(v)] == []
    result = compiled.check(invalid[0])
    assert result.verdict is Verdict.INVALID
    assert [(v.keyword, v.pointer) for v in result.violations] == [("format", "")]


def test_unknown_formats_are_annotations() -> None:
    spec = SchemaSpec({"type": "string", "format": "x-custom-thing"}, "", "/p")
    assert compile_schema(spec).is_valid("anything at all")


def test_python_callbacks_only_where_the_engine_lacks_the_format() -> None:
    assert set(callbacks_for("draft-07")) == {"email", "uri", "uuid"}
    assert set(callbacks_for("2020-12")) == {"email", "uri"}


@pytest.mark.parametrize("name", sorted(n for n, rule in FORMATS.items() if rule.native_in))
def test_native_engine_agrees_with_the_python_rule(name: str) -> None:
    """Where jsonschema-rs checks a format natively, its rule is exactly ours."""
    native = jsonschema_rs.Draft202012Validator({"format": name}, validate_formats=True)
    check = FORMATS[name].check
    seeds = CASES[name][0]

    @settings(max_examples=400, deadline=None)
    @given(mutated(seeds) | st.text(max_size=30))
    def agree(text: str) -> None:
        assert native.is_valid(text) == check(text), text

    agree()
