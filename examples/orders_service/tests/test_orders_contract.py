"""Contract tests of the orders service: run with
``pytest examples/orders_service --asyncapi sample_specs/orders-kafka.yaml``.

The plugin checks every record the service sends against the document (payload schema and
formats, the ``event-type`` / ``trace-id`` headers, the record key against the Kafka binding's
``key`` schema) and fails the test during which a bad one was sent; these tests check what the
document cannot say: that the key is *this* order's id, that one order's events share a
partition, and what a payment does to an order.
"""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING

import pytest
from orders_service import Item, OrderError

from pytest_asyncapi.plugin.fixtures import ContractRefusal

if TYPE_CHECKING:
    from orders_service import OrdersService

    from pytest_asyncapi.captured import Captured
    from pytest_asyncapi.plugin.fixtures import AsyncAPIFixture

pytestmark = pytest.mark.asyncio(loop_scope="module")  # the module-scoped service's loop

ORDERS = "orderEvents"
PAYMENTS = "paymentEvents"

BOOKS = [Item("SKU-1001", 2, 19.99), Item("SKU-2040", 1, 0.0)]


def header(record: Captured, name: str) -> bytes | None:
    """A header of a captured record (its first value, as bytes)."""
    return record.header(name)


def payment(order_id: str, amount: float, currency: str = "EUR") -> dict[str, object]:
    return {
        "paymentId": f"pay-{uuid.uuid4().hex[:8]}",
        "orderId": order_id,
        "amount": amount,
        "currency": currency,
        "capturedAt": "2024-06-01T12:31:02Z",
    }


def payment_headers() -> dict[str, str]:
    return {"event-type": "PaymentCaptured", "trace-id": uuid.uuid4().hex}


async def test_place_order_publishes_order_created(
    service: OrdersService, asyncapi: AsyncAPIFixture
) -> None:
    order_id = await service.place_order("cus-8812", BOOKS, "EUR")

    [event] = await asyncapi.aexpect(ORDERS, message="OrderCreated")

    assert event.destination == "orders.events"
    assert event.key == order_id.encode()
    assert header(event, "event-type") == b"OrderCreated"
    payload = json.loads(event.payload)
    assert payload["orderId"] == order_id
    assert payload["customerId"] == "cus-8812"
    assert payload["total"] == 39.98
    assert [line["sku"] for line in payload["items"]] == ["SKU-1001", "SKU-2040"]


async def test_cancel_order_publishes_order_cancelled_on_the_same_partition(
    service: OrdersService, asyncapi: AsyncAPIFixture
) -> None:
    order_id = await service.place_order("cus-1", [Item("SKU-7", 1, 5.0)], "GBP")
    await service.cancel_order(order_id, "Customer changed their mind")

    created, cancelled = await asyncapi.aexpect(ORDERS, count=2)

    # Same key, same partition: a consumer sees one order's events in the order they happened.
    assert cancelled.key == created.key == order_id.encode()
    assert cancelled.partition == created.partition
    assert [header(created, "event-type"), header(cancelled, "event-type")] == [
        b"OrderCreated",
        b"OrderCancelled",
    ]
    assert json.loads(cancelled.payload)["reason"] == "Customer changed their mind"
    assert service.orders[order_id].status == "cancelled"


async def test_two_orders_are_keyed_by_their_ids(
    service: OrdersService, asyncapi: AsyncAPIFixture
) -> None:
    first = await service.place_order("cus-1", [Item("SKU-1", 1, 1.0)], "EUR")
    second = await service.place_order("cus-2", [Item("SKU-2", 3, 2.5)], "USD")

    events = await asyncapi.aexpect(ORDERS, count=2, message="OrderCreated")

    assert {e.key for e in events} == {first.encode(), second.encode()}
    assert {json.loads(e.payload)["orderId"] for e in events} == {first, second}
    assert len({header(e, "trace-id") for e in events}) == 2  # one trace per request


@pytest.mark.asyncapi(must_see=[ORDERS])
async def test_an_order_in_dollars(service: OrdersService, asyncapi: AsyncAPIFixture) -> None:
    # must_see: the plugin fails this test if nothing at all was sent on the channel.
    order_id = await service.place_order("cus-42", [Item("SKU-9", 4, 2.5)], "USD")

    [event] = await asyncapi.aexpect(ORDERS)

    payload = json.loads(event.payload)
    assert (payload["orderId"], payload["total"], payload["currency"]) == (order_id, 10.0, "USD")


async def test_payment_captured_marks_the_order_paid(
    service: OrdersService, asyncapi: AsyncAPIFixture
) -> None:
    order_id = await service.place_order("cus-8812", BOOKS, "EUR")
    await asyncapi.aexpect(ORDERS)
    captured = payment(order_id, 39.98)

    # Validated against the contract (payload, headers, key), then sent; the service reads it
    # through its consumer group while the plugin's capture (no group) reads alongside.
    await asyncapi.apublish(PAYMENTS, captured, payment_headers(), key=order_id)

    order = service.orders[order_id]
    await service.wait_until(lambda: order.status == "paid", timeout=10.0)
    assert order.payment_id == captured["paymentId"]


async def test_a_payment_of_the_wrong_amount_is_ignored(
    service: OrdersService, asyncapi: AsyncAPIFixture
) -> None:
    order_id = await service.place_order("cus-3", [Item("SKU-3", 1, 10.0)], "EUR")
    short, right = payment(order_id, 9.0), payment(order_id, 10.0)

    # Same key, same partition: the service reads them in this order.
    await asyncapi.apublish(PAYMENTS, short, payment_headers(), key=order_id)
    await asyncapi.apublish(PAYMENTS, right, payment_headers(), key=order_id)

    order = service.orders[order_id]
    await service.wait_until(lambda: order.status == "paid", timeout=10.0)
    assert order.payment_id == right["paymentId"]


async def test_contract_refuses_a_payment_keyed_by_something_else(
    service: OrdersService, asyncapi: AsyncAPIFixture
) -> None:
    order_id = await service.place_order("cus-4", [Item("SKU-4", 1, 1.0)], "EUR")

    with pytest.raises(ContractRefusal, match="key"):
        await asyncapi.apublish(PAYMENTS, payment(order_id, 1.0), payment_headers(), key="order-42")

    assert service.orders[order_id].status == "created"


async def test_bad_requests_are_refused_without_an_event(service: OrdersService) -> None:
    before = dict(service.orders)

    with pytest.raises(OrderError, match="currency 'JPY'"):
        await service.place_order("cus-5", [Item("SKU-5", 1, 100.0)], "JPY")
    with pytest.raises(OrderError, match="at least one item"):
        await service.place_order("cus-5", [], "EUR")
    with pytest.raises(OrderError, match="no order 'ord-000000'"):
        await service.cancel_order("ord-000000", "Never placed")

    assert service.orders == before
