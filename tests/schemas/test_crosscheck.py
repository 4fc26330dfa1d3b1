"""Our engine agrees with pure-Python ``jsonschema`` given the same format functions.

Random JSON values and mutations of valid examples are checked against realistic schemas by
both, and by ours again as trusted ``orjson`` output (same verdict, same violations).
(Patterns avoid ``$``: Python's ``re`` lets ``$`` match before a final newline, ECMA 262
and jsonschema-rs do not; that is a known difference of the reference, not of the contract.)
"""

from __future__ import annotations

import copy
from typing import Any

import jsonschema
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_asyncapi.schemas.compile import Verdict, compile_schema
from pytest_asyncapi.schemas.formats import FORMATS
from pytest_asyncapi.spec.model import SchemaSpec
from tests.support.formats import CASES

ORDER = {
    "type": "object",
    "required": ["orderId", "customer", "items", "total", "currency", "createdAt"],
    "additionalProperties": False,
    "properties": {
        "orderId": {"type": "string", "format": "uuid"},
        "customer": {
            "type": "object",
            "required": ["email", "name"],
            "properties": {
                "email": {"type": "string", "format": "email"},
                "name": {"type": "string", "minLength": 1, "maxLength": 40},
                "tier": {"type": "string", "enum": ["free", "pro", "enterprise"]},
                "website": {"type": "string", "format": "uri"},
            },
        },
        "items": {
            "type": "array",
            "minItems": 1,
            "maxItems": 5,
            "items": {
                "type": "object",
                "required": ["sku", "qty", "price"],
                "properties": {
                    "sku": {"type": "string", "pattern": "^SKU-[0-9]{4}"},
                    "qty": {"type": "integer", "minimum": 1, "maximum": 100},
                    "price": {"type": "number", "exclusiveMinimum": 0},
                },
            },
        },
        "total": {"type": "number", "minimum": 0},
        "currency": {"enum": ["EUR", "USD", "GBP"]},
        "createdAt": {"type": "string", "format": "date-time"},
        "note": {"type": ["string", "null"], "maxLength": 20},
    },
}
ORDER_EXAMPLE = {
    "orderId": "123e4567-e89b-12d3-a456-426614174000",
    "customer": {"email": "joe@example.com", "name": "Joe", "tier": "pro"},
    "items": [{"sku": "SKU-0001", "qty": 2, "price": 9.5}],
    "total": 19.0,
    "currency": "EUR",
    "createdAt": "2024-05-01T10:00:00Z",
    "note": None,
}

PAYMENT = {
    "type": "object",
    "required": ["amount", "method"],
    "properties": {
        "amount": {"type": "integer", "minimum": 1},
        "method": {
            "oneOf": [
                {
                    "type": "object",
                    "required": ["kind", "last4"],
                    "properties": {
                        "kind": {"enum": ["card"]},
                        "last4": {"type": "string", "pattern": "^[0-9]{4}"},
                        "expires": {"type": "string", "format": "date"},
                    },
                },
                {
                    "type": "object",
                    "required": ["kind", "iban"],
                    "properties": {
                        "kind": {"enum": ["bank"]},
                        "iban": {"type": "string", "minLength": 15, "maxLength": 34},
                    },
                },
                {"type": "string", "format": "uri"},
            ]
        },
    },
}
PAYMENT_EXAMPLE = {
    "amount": 100,
    "method": {"kind": "card", "last4": "4242", "expires": "2027-01-31"},
}

DEVICE = {
    "type": "object",
    "required": ["ip"],
    "properties": {
        "ip": {"type": "string", "format": "ipv4"},
        "ip6": {"type": "string", "format": "ipv6"},
        "seenAt": {"type": "string", "format": "time"},
        "labels": {
            "type": "object",
            "additionalProperties": {"type": "string"},
            "maxProperties": 3,
        },
        "readings": {"type": "array", "items": {"type": "number", "maximum": 1000}},
    },
}
DEVICE_EXAMPLE = {"ip": "10.0.0.1", "ip6": "::1", "seenAt": "10:00:00Z", "labels": {"a": "b"}}

CHECKER = jsonschema.FormatChecker(formats=())
for _name, _rule in FORMATS.items():
    CHECKER.checks(_name)(_rule.check)

format_strings = st.sampled_from([v for valid, invalid in CASES.values() for v in valid + invalid])
scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=False, allow_infinity=False, width=32)
    | st.text(max_size=12)
    | format_strings
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*prefix, index))
    return found


@st.composite
def mutations(draw: st.DrawFn, example: Any) -> Any:
    value = copy.deepcopy(example)
    for _ in range(draw(st.integers(1, 2))):
        path = draw(st.sampled_from(_paths(value)))
        if not path:
            continue
        parent = value
        for token in path[:-1]:
            parent = parent[token]
        action = draw(st.sampled_from(["format", "replace", "delete", "add"]))
        if action == "delete" and isinstance(parent, dict):
            del parent[path[-1]]
        elif action == "add" and isinstance(parent, dict):
            parent[draw(st.text(max_size=6))] = draw(json_values)
        elif action == "format" and isinstance(parent[path[-1]], str):
            parent[path[-1]] = draw(format_strings)
        else:
            parent[path[-1]] = draw(json_values)
    return value


@pytest.mark.parametrize(
    ("schema", "example"),
    [(ORDER, ORDER_EXAMPLE), (PAYMENT, PAYMENT_EXAMPLE), (DEVICE, DEVICE_EXAMPLE)],
    ids=["order", "payment", "device"],
)
def test_agrees_with_pure_python_jsonschema(schema: dict[str, Any], example: Any) -> None:
    reference = jsonschema.Draft7Validator(schema, format_checker=CHECKER)
    compiled = compile_schema(SchemaSpec(schema, "", "/components/schemas/X"))
    assert reference.is_valid(example)
    assert compiled.is_valid(example)

    @settings(
        max_examples=300,
        deadline=None,
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(mutations(example) | json_values)
    def agree(value: Any) -> None:
        expected = reference.is_valid(value)
        assert compiled.is_valid(value) is expected
        result = compiled.check(value)
        assert (result.verdict is Verdict.VALID) is expected
        assert bool(result.violations) is not expected
        decoded = orjson.loads(orjson.dumps(value))  # what the capture path checks, trusted
        assert compiled.is_valid(decoded, trusted=True) is expected
        assert compiled.check(decoded, trusted=True) == result

    agree()
