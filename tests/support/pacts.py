"""Pacts written by pact-python (its message API, offline through the bundled Pact FFI)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pact import Pact, match

CONSUMER = "billing"
PROVIDER = "order-service"


def order_created(**overrides: Any) -> dict[str, Any]:
    """What the billing consumer relies on in an OrderCreated event, as pact-python matchers."""
    body: dict[str, Any] = {
        "orderId": match.regex("ord-004211", regex=r"^ord-[0-9]{6}$"),
        "customerId": match.str("cus-8812"),
        "items": match.each_like(
            {
                "sku": match.str("SKU-1001"),
                "quantity": match.int(2),
                "unitPrice": match.number(9.5),
            },
            min=1,
        ),
        "total": match.number(19.0),
        "currency": match.regex("EUR", regex="^(?:EUR|USD|GBP)$"),
        "createdAt": match.str("2024-06-01T12:30:00Z"),
    }
    body.update(overrides)
    return body


def write_pact(
    folder: Path,
    interactions: list[tuple[str, dict[str, Any], dict[str, Any]]],
    *,
    specification: str = "V4",
    consumer: str = CONSUMER,
) -> Path:
    """Record ``(description, body, metadata)`` interactions the way a consumer test would:
    each message is handed to the consumer's handler, then the pact file is written."""
    pact = Pact(consumer, PROVIDER).with_specification(specification)
    for description, body, metadata in interactions:
        (
            pact.upon_receiving(description, "Async")
            .given("an order exists")
            .with_body(body, content_type="application/json")
            .with_metadata(metadata)
        )
    handled: list[Any] = []
    pact.verify(lambda body, metadata: handled.append(json.loads(body)), "Async")
    assert len(handled) == len(interactions)
    pact.write_file(folder, overwrite=True)
    (written,) = folder.glob(f"{consumer}-{PROVIDER}.json")
    return written
