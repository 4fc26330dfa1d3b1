"""The service: orders in memory, events to ``orders.events``, payments from ``payments.events``.

Events are sent with ``send_and_wait``: when :meth:`OrdersService.place_order` returns, the
broker has the ``OrderCreated`` record. Payments are consumed in the consumer group
:data:`GROUP_ID` (several instances split the partitions); the offset of a payment is committed
after it was handled (at least once: handling one twice is harmless, a paid order stays paid).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from orders_service.events import (
    CURRENCIES,
    PAYMENTS_TOPIC,
    Item,
    Outgoing,
    Payment,
    check_broken,
    order_cancelled,
    order_created,
    payment_captured,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

log = logging.getLogger("orders_service")

CLIENT_ID = "order-service"
"""The Kafka client id (the contract's ``publishOrderEvents`` binding: ``clientId``)."""
GROUP_ID = "order-service"
"""The consumer group (the contract's ``onPaymentCaptured`` binding: ``groupId``)."""


class OrderError(ValueError):
    """An order request the service cannot carry out (unknown order, bad items, ...)."""


@dataclass
class Order:
    """One order as the service keeps it."""

    order_id: str
    customer_id: str
    items: tuple[Item, ...]
    total: float
    currency: str
    status: str = "created"
    """``created``, ``paid`` or ``cancelled``."""
    payment_id: str | None = None
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))


class OrdersService:
    """Places and cancels orders (events on Kafka); marks orders paid on ``PaymentCaptured``.

    ``broken``: a variant of :data:`~orders_service.events.BROKEN_VARIANTS`, by default read
    from the ``ORDERS_BROKEN`` environment variable (unset: the correct service).
    """

    def __init__(self, bootstrap_servers: str, *, broken: str | None = None) -> None:
        self.bootstrap_servers = bootstrap_servers
        self.broken = check_broken(broken or os.environ.get("ORDERS_BROKEN"))
        self.orders: dict[str, Order] = {}
        self.payments_handled = 0
        self._producer: AIOKafkaProducer | None = None
        self._consumer: AIOKafkaConsumer | None = None
        self._consume_task: asyncio.Task[None] | None = None
        self._changed = asyncio.Condition()

    async def start(self) -> None:
        """Connect the producer, join the consumer group on ``payments.events`` and start
        consuming. Returns once the group assigned partitions to this instance (Tansu: a few
        seconds; the time it holds a join open is half the session timeout, at least 1 s)."""
        self._producer = AIOKafkaProducer(
            bootstrap_servers=self.bootstrap_servers, client_id=CLIENT_ID, acks="all"
        )
        await self._producer.start()
        self._consumer = AIOKafkaConsumer(
            PAYMENTS_TOPIC,
            bootstrap_servers=self.bootstrap_servers,
            client_id=CLIENT_ID,
            group_id=GROUP_ID,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            session_timeout_ms=6000,  # the smallest a real Kafka accepts by default
            heartbeat_interval_ms=500,
        )
        try:
            await self._consumer.start()  # subscribed before start: waits for the assignment
        except BaseException:
            await self._producer.stop()
            raise
        self._consume_task = asyncio.create_task(self._consume(), name="payments-consumer")
        log.info("orders service started on %s (broken: %s)", self.bootstrap_servers, self.broken)

    async def place_order(self, customer_id: str, items: Sequence[Item], currency: str) -> str:
        """Create an order and send its ``OrderCreated``; returns the order id."""
        if not customer_id:
            raise OrderError("customer_id must not be empty")
        if not items:
            raise OrderError("an order needs at least one item")
        if currency not in CURRENCIES:
            raise OrderError(f"currency {currency!r} is not one of {', '.join(CURRENCIES)}")
        for item in items:
            if not item.sku or item.quantity < 1 or item.unit_price < 0:
                raise OrderError(f"bad item {item!r}: needs a sku, quantity >= 1, price >= 0")
        total = round(sum(i.quantity * i.unit_price for i in items), 2)
        order = Order(self._new_id(), customer_id, tuple(items), total, currency)
        self.orders[order.order_id] = order  # before sending: a payment may follow at once
        event = order_created(
            order.order_id,
            customer_id,
            items,
            total,
            currency,
            order.created_at,
            broken=self.broken,
        )
        try:
            await self._send(event)
        except BaseException:
            del self.orders[order.order_id]
            raise
        await self._notify()
        return order.order_id

    async def cancel_order(self, order_id: str, reason: str) -> None:
        """Cancel an order and send its ``OrderCancelled``."""
        order = self.orders.get(order_id)
        if order is None:
            raise OrderError(f"no order {order_id!r}")
        if order.status == "cancelled":
            raise OrderError(f"order {order_id} is already cancelled")
        if not reason:
            raise OrderError("a cancellation needs a reason")
        previous, order.status = order.status, "cancelled"
        try:
            await self._send(
                order_cancelled(order_id, reason, datetime.now(UTC), broken=self.broken)
            )
        except BaseException:
            order.status = previous
            raise
        await self._notify()

    async def wait_until(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        """Wait until ``predicate()`` holds; it is re-checked after every order change and every
        record read from ``payments.events``. TimeoutError after ``timeout`` s."""
        try:
            async with asyncio.timeout(timeout), self._changed:
                await self._changed.wait_for(predicate)
        except TimeoutError:
            raise TimeoutError(f"service condition not met within {timeout:g} s") from None

    async def stop(self) -> None:
        """Stop consuming (leaving the group), then flush and close the producer."""
        if self._consume_task is not None:
            self._consume_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._consume_task
            self._consume_task = None
        if self._consumer is not None:
            await self._consumer.stop()
            self._consumer = None
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None
        log.info("orders service stopped (%d payment(s) handled)", self.payments_handled)

    async def __aenter__(self) -> OrdersService:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _send(self, event: Outgoing) -> None:
        if self._producer is None:
            raise RuntimeError("the orders service is not started (await start() first)")
        await self._producer.send_and_wait(
            event.topic, event.value, key=event.key, headers=event.headers
        )

    async def _consume(self) -> None:
        assert self._consumer is not None
        async for record in self._consumer:
            try:
                payment = payment_captured(record.headers, record.value)
            except ValueError as error:
                log.warning("ignored a record at %s/%d: %s", record.partition, record.offset, error)
                payment = None
            if payment is not None:
                self._apply(payment)
            await self._consumer.commit()
            await self._notify()

    def _apply(self, payment: Payment) -> None:
        order = self.orders.get(payment.order_id)
        self.payments_handled += 1
        if order is None or order.status != "created":
            state = "unknown" if order is None else order.status
            log.warning("payment %s for a %s order %s", payment.payment_id, state, payment.order_id)
        elif payment.currency != order.currency or abs(payment.amount - order.total) >= 0.005:
            log.warning(
                "payment %s of %.2f %s does not match order %s of %.2f %s",
                *(payment.payment_id, payment.amount, payment.currency),
                *(order.order_id, order.total, order.currency),
            )
        else:
            order.status, order.payment_id = "paid", payment.payment_id

    def _new_id(self) -> str:
        while (order_id := f"ord-{secrets.randbelow(10**6):06d}") in self.orders:
            pass
        return order_id

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()
