"""Which schema formats are checked, as which JSON Schema draft; the rest are unchecked."""

from __future__ import annotations

import pytest

from pytest_asyncapi.schemas.compile import Verdict, compile_schema, schema_support
from pytest_asyncapi.schemas.dialects import Dialect, dialect_for
from pytest_asyncapi.spec.model import SchemaSpec


@pytest.mark.parametrize(
    ("schema_format", "draft"),
    [
        ("", "draft-07"),
        (None, "draft-07"),
        ("application/vnd.aai.asyncapi;version=2.6.0", "draft-07"),
        ("application/vnd.aai.asyncapi+json;version=3.0.0", "draft-07"),
        ("Application/Vnd.AAI.AsyncAPI+YAML ; version=3.1.0", "draft-07"),
        ("application/schema+json;version=draft-07", "draft-07"),
        ("application/schema+yaml;version=draft-07", "draft-07"),
        ("application/schema+json", "draft-07"),
        ("application/schema+json;version=draft-04", "draft-04"),
        ("application/schema+json; version=draft-06", "draft-06"),
        ("application/schema+json;version=2019-09", "2019-09"),
        ("application/schema+yaml;version=2020-12", "2020-12"),
    ],
)
def test_checked_formats(schema_format: str | None, draft: str) -> None:
    assert dialect_for(schema_format) == Dialect(draft)
    assert schema_support(schema_format) is None


@pytest.mark.parametrize(
    ("schema_format", "named"),
    [
        ("application/raml+yaml;version=1.0", "RAML"),
        ("application/vnd.oai.openapi;version=3.0.0", "OpenAPI"),
        ("application/vnd.oai.openapi+json;version=3.0.0", "OpenAPI"),
        ("application/x-made-up", "unknown"),
        ("application/schema+json;version=draft-03", "draft-03"),
    ],
)
def test_unsupported_formats_are_unchecked_never_valid(schema_format: str, named: str) -> None:
    reason = schema_support(schema_format)
    assert reason is not None
    assert schema_format in reason
    assert named in reason
    assert "reported unchecked" in reason
    compiled = compile_schema(SchemaSpec({"type": "string"}, schema_format, "/p"))
    assert compiled.reason == reason
    assert compiled.is_valid("fine under JSON Schema") is False
    result = compiled.check("fine under JSON Schema")
    assert result.verdict is Verdict.UNCHECKED
    assert result.reason == reason
    assert result.violations == ()


def test_the_draft_changes_the_meaning() -> None:
    # draft-04: exclusiveMaximum is a boolean modifier of maximum
    d4 = SchemaSpec(
        {"type": "number", "maximum": 5, "exclusiveMaximum": True},
        "application/schema+json;version=draft-04",
        "/p",
    )
    assert compile_schema(d4).is_valid(4.9)
    assert not compile_schema(d4).is_valid(5)
    # 2020-12: prefixItems; draft-07 ignores it as an unknown keyword
    schema = {"type": "array", "prefixItems": [{"type": "string"}], "items": False}
    d2020 = SchemaSpec(schema, "application/schema+json;version=2020-12", "/p")
    assert compile_schema(d2020).is_valid(["a"])
    assert not compile_schema(d2020).is_valid(["a", "b"])
    assert not compile_schema(d2020).is_valid([1])
