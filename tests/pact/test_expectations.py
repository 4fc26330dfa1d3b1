"""Matching rules -> the schema of what a consumer relies on, checked with our own validator."""

from __future__ import annotations

from typing import Any

import pytest

from pytest_asyncapi.pact.dates import format_regex
from pytest_asyncapi.pact.expectations import derive, read_rules
from pytest_asyncapi.schemas.compile import Verdict, compile_schema
from pytest_asyncapi.spec.model import SchemaSpec

FORMAT = "application/vnd.aai.asyncapi+json;version=3.0.0"


def accepts(example: Any, rules: dict[str, Any], value: Any) -> bool:
    expectations = derive(example, read_rules(rules, file="pact.json"))
    assert not expectations.unchecked
    spec = SchemaSpec(expectations.schema, FORMAT, "/payload")
    return compile_schema(spec).check(value).verdict is Verdict.VALID


def rule(*matchers: dict[str, Any], combine: str = "AND") -> dict[str, Any]:
    return {"combine": combine, "matchers": list(matchers)}


def test_without_matchers_values_must_equal_the_example_and_extra_keys_are_open() -> None:
    example = {"currency": "EUR", "lines": [1, 2]}
    assert accepts(example, {}, {"currency": "EUR", "lines": [1, 2], "more": True})
    assert not accepts(example, {}, {"currency": "USD", "lines": [1, 2]})
    assert not accepts(example, {}, {"currency": "EUR", "lines": [1, 2, 3]})
    assert not accepts(example, {}, {"lines": [1, 2]})  # keys of the example are relied on


def test_type_cascades_to_every_descendant() -> None:
    example = {"order": {"id": "a", "lines": [{"sku": "x", "n": 1}]}}
    rules = {"$.order": rule({"match": "type"})}
    assert accepts(example, rules, {"order": {"id": "b", "lines": [{"sku": "y", "n": 2.5}] * 3}})
    assert not accepts(example, rules, {"order": {"id": 1, "lines": []}})
    assert not accepts(example, rules, {"order": {"lines": []}})


def test_each_like_min_max_and_the_most_specific_rule_wins() -> None:
    example = {"items": [{"sku": "SKU-1", "qty": 1}]}
    rules = {
        "$.items": rule({"match": "type", "min": 1, "max": 2}),
        "$.items[*].qty": rule({"match": "integer"}),
    }
    assert accepts(example, rules, {"items": [{"sku": "S", "qty": 3}, {"sku": "T", "qty": 4}]})
    assert not accepts(example, rules, {"items": []})
    assert not accepts(example, rules, {"items": [{"sku": "S", "qty": 1}] * 3})
    assert not accepts(example, rules, {"items": [{"sku": "S", "qty": 1.5}]})


@pytest.mark.parametrize(
    ("matcher", "good", "bad"),
    [
        ({"match": "regex", "regex": r"ord-\d{3}"}, "ord-123", "xord-123"),
        ({"match": "integer"}, 3, 3.5),
        ({"match": "decimal"}, 3.5, 3),
        ({"match": "number"}, 3, "3"),
        ({"match": "boolean"}, False, 0),
        ({"match": "null"}, None, 0),
        ({"match": "include", "value": "a.b"}, "xa.by", "xaxby"),
        ({"match": "equality"}, "same", "other"),
        ({"match": "datetime", "format": "yyyy-MM-dd'T'HH:mm:ss"}, "2024-01-02T03:04:05", "2024"),
        ({"match": "date"}, "2024-01-02", "02/01/2024"),
        ({"match": "semver"}, "1.2.3", "1.2"),
        ({"match": "notEmpty"}, "x", ""),
    ],
)
def test_each_matcher(matcher: dict[str, Any], good: Any, bad: Any) -> None:
    rules = {"$.v": rule(matcher)}
    example = {"v": "same" if matcher["match"] == "equality" else good}
    assert accepts(example, rules, {"v": good})
    assert not accepts(example, rules, {"v": bad})


def test_or_combination_and_values_matcher() -> None:
    rules = {"$.v": rule({"match": "integer"}, {"match": "null"}, combine="OR")}
    assert accepts({"v": 1}, rules, {"v": None})
    assert not accepts({"v": 1}, rules, {"v": "1"})
    tags = {"$.tags": rule({"match": "values"})}
    assert accepts({"tags": {"a": "x"}}, tags, {"tags": {"b": "y", "c": "z"}})
    assert not accepts({"tags": {"a": "x"}}, tags, {"tags": {"b": 1}})


def test_unknown_matchers_are_reported_unchecked_and_left_open() -> None:
    rules = read_rules({"$.v": rule({"match": "arrayContains", "variants": []})}, file="p.json")
    expectations = derive({"v": [1]}, rules)
    (unchecked,) = expectations.unchecked
    assert (unchecked.path, unchecked.matcher) == ("$.v", "arrayContains")
    assert "not checked" in unchecked.render()
    assert expectations.schema["properties"]["v"] == {}
    odd_format = read_rules({"$.d": rule({"match": "date", "format": "yyyy qq"})}, file="p.json")
    assert derive({"d": "x"}, odd_format).unchecked[0].matcher == "date"


def test_java_date_formats() -> None:
    assert format_regex("yyyy-MM-dd'T'HH:mm:ss.SSSXXX") == (
        r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}(?:Z|[+-]\d{2}(?::?\d{2})?)$"
    )
    assert format_regex("HH 'o''clock'") is not None
    assert format_regex("yyyy[-MM]") is None
