"""The messages of the contract (``sample_specs/orders-kafka.yaml``) and their Kafka encoding.

Every event is a Kafka record whose key is the order id (UTF-8) and whose headers are
``event-type`` (the message name) and ``trace-id``; the value is the JSON payload.

``broken`` selects a deliberately wrong encoding, so that the project's own tests can check
that a contract test fails with the right message:

=================  ===========================================================================
``bad-key``        the record key is ``order-42`` (not ``^ord-[0-9]{6}$``); the payload is right
``missing-trace``  the required ``trace-id`` header is omitted
=================  ===========================================================================
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from datetime import datetime

ORDERS_TOPIC = "orders.events"
"""Channel ``orderEvents``: the service sends ``OrderCreated`` and ``OrderCancelled`` here."""
PAYMENTS_TOPIC = "payments.events"
"""Channel ``paymentEvents``: the service receives ``PaymentCaptured`` here."""
CURRENCIES = ("EUR", "USD", "GBP")
BROKEN_VARIANTS = ("bad-key", "missing-trace")
BAD_KEY = b"order-42"


@dataclass(frozen=True)
class Item:
    """One order line."""

    sku: str
    quantity: int
    unit_price: float


@dataclass(frozen=True)
class Outgoing:
    """One Kafka record ready to send: topic, key, JSON value, headers (bytes values)."""

    topic: str
    key: bytes
    value: bytes
    headers: list[tuple[str, bytes]]


@dataclass(frozen=True)
class Payment:
    """The fields of a ``PaymentCaptured`` event the service acts on."""

    payment_id: str
    order_id: str
    amount: float
    currency: str


def check_broken(value: str | None) -> str | None:
    """``value`` if it names a broken variant (or is empty/None); ValueError otherwise."""
    if not value:
        return None
    if value not in BROKEN_VARIANTS:
        raise ValueError(
            f"unknown broken variant {value!r} (ORDERS_BROKEN); "
            f"choose one of: {', '.join(BROKEN_VARIANTS)}"
        )
    return value


def timestamp(when: datetime) -> str:
    """RFC 3339 in UTC with a ``Z`` (``when`` must be timezone-aware)."""
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def order_created(
    order_id: str,
    customer_id: str,
    items: Sequence[Item],
    total: float,
    currency: str,
    created_at: datetime,
    *,
    broken: str | None = None,
) -> Outgoing:
    """The ``OrderCreated`` event of a new order."""
    payload = {
        "orderId": order_id,
        "customerId": customer_id,
        "items": [{"sku": i.sku, "quantity": i.quantity, "unitPrice": i.unit_price} for i in items],
        "total": total,
        "currency": currency,
        "createdAt": timestamp(created_at),
    }
    return _record("OrderCreated", order_id, payload, broken)


def order_cancelled(
    order_id: str, reason: str, cancelled_at: datetime, *, broken: str | None = None
) -> Outgoing:
    """The ``OrderCancelled`` event of a cancelled order."""
    payload = {"orderId": order_id, "reason": reason, "cancelledAt": timestamp(cancelled_at)}
    return _record("OrderCancelled", order_id, payload, broken)


def _record(
    event_type: str, order_id: str, payload: Mapping[str, object], broken: str | None
) -> Outgoing:
    headers = [("event-type", event_type.encode()), ("trace-id", uuid.uuid4().hex.encode())]
    if broken == "missing-trace":
        headers = headers[:1]
    key = BAD_KEY if broken == "bad-key" else order_id.encode()
    return Outgoing(ORDERS_TOPIC, key, json.dumps(payload).encode(), headers)


def payment_captured(headers: Sequence[tuple[str, bytes]], value: bytes) -> Payment | None:
    """The payment in a record of ``payments.events``; ``None`` for other event types;
    ValueError saying what is wrong with a malformed ``PaymentCaptured``."""
    event_type = dict(headers).get("event-type")
    if event_type != b"PaymentCaptured":
        return None
    try:
        body = json.loads(value)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"PaymentCaptured is not JSON: {error}") from None
    if not isinstance(body, dict):
        raise ValueError(f"PaymentCaptured must be a JSON object, got {value[:200]!r}")
    try:
        payment = Payment(
            str(body["paymentId"]),
            str(body["orderId"]),
            float(body["amount"]),
            str(body["currency"]),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f"PaymentCaptured lacks a usable field: {error!r}") from None
    return payment
