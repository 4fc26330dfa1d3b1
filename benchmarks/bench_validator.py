"""Validations per second: our compiled validator vs plain ``jsonschema`` (same run, same data).

"trusted" skips the JSON screen, as the capture path does for ``orjson.loads`` output.

Run: ``python benchmarks/bench_validator.py``. Numbers are noisy; read the ratios.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import jsonschema
import orjson

from pytest_asyncapi.schemas.compile import compile_schema
from pytest_asyncapi.spec.model import SchemaSpec

if TYPE_CHECKING:
    from collections.abc import Callable

UUID = "123e4567-e89b-12d3-a456-426614174000"


def big_event() -> tuple[dict[str, Any], dict[str, Any]]:
    """A ~30-field order event with 10 nested line items."""
    line_item = {
        "type": "object",
        "required": ["lineId", "sku", "qty", "unitPrice"],
        "additionalProperties": False,
        "properties": {
            "lineId": {"type": "string", "format": "uuid"},
            "sku": {"type": "string", "pattern": "^SKU-[0-9]{6}$"},
            "qty": {"type": "integer", "minimum": 1, "maximum": 1000},
            "unitPrice": {"type": "number", "exclusiveMinimum": 0},
            "discount": {"type": "number", "minimum": 0, "maximum": 1},
            "giftWrap": {"type": "boolean"},
        },
    }
    properties: dict[str, Any] = {
        "eventId": {"type": "string", "format": "uuid"},
        "occurredAt": {"type": "string", "format": "date-time"},
        "orderId": {"type": "string", "minLength": 8, "maxLength": 36},
        "customerEmail": {"type": "string", "format": "email"},
        "currency": {"type": "string", "enum": ["EUR", "USD", "GBP", "JPY"]},
        "status": {"type": "string", "enum": ["created", "paid", "shipped", "cancelled"]},
        "total": {"type": "number", "minimum": 0},
        "channel": {"type": "string", "enum": ["web", "app", "store"]},
        "lineItems": {"type": "array", "minItems": 1, "maxItems": 50, "items": line_item},
    }
    properties.update({f"attr{i:02d}": {"type": "string", "maxLength": 64} for i in range(11)})
    properties.update({f"metric{i:02d}": {"type": "integer", "minimum": 0} for i in range(11)})
    schema = {
        "type": "object",
        "required": ["eventId", "occurredAt", "orderId", "currency", "lineItems"],
        "additionalProperties": False,
        "properties": properties,
    }
    event: dict[str, Any] = {
        "eventId": UUID,
        "occurredAt": "2024-05-01T10:00:00.123Z",
        "orderId": "ORD-000123",
        "customerEmail": "joe@example.com",
        "currency": "EUR",
        "status": "paid",
        "total": 123.45,
        "channel": "web",
        "lineItems": [
            {
                "lineId": UUID,
                "sku": f"SKU-{i:06d}",
                "qty": i + 1,
                "unitPrice": 9.99,
                "giftWrap": False,
            }
            for i in range(10)
        ],
    }
    event.update({f"attr{i:02d}": f"value-{i}" for i in range(11)})
    event.update({f"metric{i:02d}": i * 7 for i in range(11)})
    assert len(properties) == 31
    return schema, event


def small_event() -> tuple[dict[str, Any], dict[str, Any]]:
    schema = {
        "type": "object",
        "required": ["id", "name", "count", "active"],
        "properties": {
            "id": {"type": "string"},
            "name": {"type": "string", "minLength": 1},
            "count": {"type": "integer", "minimum": 0},
            "active": {"type": "boolean"},
        },
    }
    return schema, {"id": "a1", "name": "sensor", "count": 3, "active": True}


def rate(call: Callable[[], object], seconds: float = 0.6) -> float:
    """Calls per second over about ``seconds``."""
    calls, batch, start = 0, 16, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        for _ in range(batch):
            call()
        calls += batch
        batch = min(batch * 2, 65536)
    return calls / elapsed


def compare(label: str, schema: dict[str, Any], event: dict[str, Any]) -> None:
    compiled = compile_schema(SchemaSpec(schema, "", "/components/messages/Bench/payload"))
    reference = jsonschema.Draft7Validator(schema)
    payload = orjson.dumps(event)
    assert compiled.is_valid(event)
    assert reference.is_valid(event)
    ours = rate(lambda: compiled.is_valid(event))
    trusted = rate(lambda: compiled.is_valid(event, trusted=True))
    checked = rate(lambda: compiled.check(event, trusted=True))
    decoded = rate(lambda: compiled.is_valid(orjson.loads(payload), trusted=True))
    plain = rate(lambda: reference.is_valid(event), seconds=0.4)
    print(f"{label}")
    print(f"  pytest-asyncapi is_valid          : {ours:12,.0f} /s")
    print(f"  pytest-asyncapi is_valid, trusted : {trusted:12,.0f} /s")
    print(f"  pytest-asyncapi check, trusted    : {checked:12,.0f} /s")
    print(f"  orjson.loads + is_valid, trusted  : {decoded:12,.0f} /s")
    print(f"  jsonschema Draft7                 : {plain:12,.0f} /s")
    print(f"  ratio is_valid/jsonschema         : {ours / plain:12,.1f}x")
    print(f"  ratio trusted/untrusted is_valid  : {trusted / ours:12,.2f}x")


def main() -> None:
    print("valid payloads, one core; plain jsonschema runs without a format checker")
    compare("~30-field event, 10 line items", *big_event())
    compare("4-field event", *small_event())


if __name__ == "__main__":
    main()
