"""AMQP 0-9-1 capture with aiormq: one connection, one private queue, exact drains.

The capture declares one queue of its own — server-named, exclusive, auto-delete — and binds
it to every exchange the document's channels name (:func:`~pytest_asyncapi.brokers.amqp.
capture_plan`): ``#`` on a topic exchange, the routing keys on a direct one, ``""`` on fanout
and headers. An exchange's routing puts a *copy* of each message into every bound queue, so
the service's own queues get their messages as before: the capture never consumes from a queue
it did not declare. One queue means one copy per message, however the bindings overlap.

A message sent straight to a queue (the default exchange, routing key = queue name) reaches
that queue only; AMQP has no way to copy it without taking it from the service. Such channels
are listed by :meth:`AmqpCapture.notes` as not captured.

An exchange the document names but the broker lacks is declared as the binding describes it
(type, ``durable``, ``autoDelete``; AMQP's defaults, not durable and not auto-deleted, when the
binding is silent), so that a service started after the session finds it.

**Own publishes.** RabbitMQ ignores ``no-local``, so each publish of the adapter carries a
fresh ``message_id`` that the capture drops once when the copy comes back.

**Drain.** A queue hands out messages in the order they entered it. ``drain`` publishes a
marker straight to the capture queue and waits for it: every message whose publish was
confirmed (publisher confirms) before the drain began entered the queue before the marker.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import decimal
import json
import re
import threading
import time
import uuid
from typing import TYPE_CHECKING, Any

from pytest_asyncapi.brokers.amqp import DEFAULT_EXCHANGE, CapturePlan, ExchangeCapture
from pytest_asyncapi.brokers.base import CaptureAdapter
from pytest_asyncapi.captured import Captured
from pytest_asyncapi.errors import BrokerError

if TYPE_CHECKING:
    from collections.abc import Coroutine, Mapping, Sequence

DRAIN_TIMEOUT = 30.0
"""Seconds a drain waits for its marker before the broker counts as unresponsive."""


def header_bytes(value: Any) -> bytes:
    """One AMQP field-table value as the bytes of a ``Captured`` header: strings UTF-8, byte
    strings as they are, booleans ``true``/``false``, numbers and timestamps as text, arrays
    and tables as JSON, void as ``b""``."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, bool):
        return b"true" if value else b"false"
    if value is None:
        return b""
    if isinstance(value, int | float | decimal.Decimal):
        return str(value).encode()
    if isinstance(value, datetime.datetime):
        return value.isoformat().encode()
    return json.dumps(value, default=_json_default, separators=(",", ":")).encode()


def _json_default(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    return str(value)


class AmqpCapture(CaptureAdapter):
    """Capture and publish on one AMQP 0-9-1 broker through aiormq (its loop in a thread)."""

    protocol = "amqp"

    def __init__(
        self, url: str, *, plan: CapturePlan | None = None, connect_timeout: float = 10.0
    ) -> None:
        """``plan``: the exchanges to bind (from the document); ``None`` binds ``#`` on
        ``amq.topic`` and publishes there."""
        self.url = url
        self._plan = plan if plan is not None else CapturePlan()
        self._default = plan is None
        self._publish_to = [(re.compile(p), e) for p, e in self._plan.publish_to]
        self._connect_timeout = connect_timeout
        self._notes = list(self._plan.notes)
        self._destinations = {e.name: e.destination for e in self._plan.exchanges}
        self._cond = threading.Condition()
        self._records: list[Captured] = []
        self._seq = 0
        self._markers_seen = 0
        self._markers_sent = 0
        self._own: set[str] = set()
        self._own_prefix = "asyncapi-" + uuid.uuid4().hex[:12] + "-"
        self._published = 0
        self._gone: str | None = None
        self._closed = False
        self._queue = ""
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._connection: Any = None
        self._channel: Any = None

    # -- the event loop's side -------------------------------------------------------------

    def _run(self, work: Coroutine[Any, Any, Any], timeout: float, what: str) -> Any:
        assert self._loop is not None
        future = asyncio.run_coroutine_threadsafe(work, self._loop)
        try:
            return future.result(timeout)
        except TimeoutError:
            future.cancel()
            raise BrokerError(
                f"the AMQP broker at {self.url} did not {what} within {timeout:g} s"
            ) from None
        except BrokerError:
            raise
        except Exception as exc:  # aiormq raises many kinds; each means this call failed
            with self._cond:
                gone = self._gone
            raise BrokerError(gone or f"AMQP broker at {self.url}: cannot {what}: {exc}") from None

    def _lost(self, future: asyncio.Future[Any]) -> None:
        with self._cond:
            if self._gone is None:
                reason = None if future.cancelled() else future.exception()
                self._gone = f"connection to the AMQP broker lost ({reason or 'closed'})"
            self._cond.notify_all()

    async def _start(self, destinations: Sequence[str]) -> None:
        import aiormq

        try:
            connection = await aiormq.connect(self.url)
        except (OSError, aiormq.exceptions.AMQPError) as exc:
            raise BrokerError(f"cannot connect to the AMQP broker at {self.url}: {exc}") from None
        self._connection = connection
        connection.closing.add_done_callback(self._lost)
        channel: Any = await connection.channel()
        self._channel = channel
        declared = await channel.queue_declare("", exclusive=True, auto_delete=True)
        self._queue = declared.queue or ""
        exchanges = self._plan.exchanges
        if self._default:
            keys = ["#", *dict.fromkeys(destinations)]
            exchanges = [ExchangeCapture(DEFAULT_EXCHANGE, "topic", keys=keys)]
        for exchange in exchanges:
            if await self._ensure_exchange(connection, exchange):
                for key in exchange.keys:
                    await channel.queue_bind(self._queue, exchange.name, routing_key=key)
        channel._on_deliver_frame = self._deliver  # see _deliver
        await channel.basic_consume(self._queue, self._no_consumer, no_ack=True)

    async def _ensure_exchange(self, connection: Any, exchange: ExchangeCapture) -> bool:
        """The exchange exists (declared as the binding says when it did not): bind to it."""
        import aiormq

        probe = await connection.channel()  # a failed passive declare closes its channel
        try:
            await probe.exchange_declare(exchange.name, passive=True)
        except aiormq.exceptions.ChannelNotFoundEntity:
            if exchange.type is None:
                self._notes.append(
                    f"AMQP: exchange {exchange.name!r} does not exist and its binding declares "
                    "no type: its messages are not captured (unchecked)"
                )
                return False
            await self._channel.exchange_declare(
                exchange.name,
                exchange_type=exchange.type,
                durable=exchange.durable,
                auto_delete=exchange.auto_delete,
            )
        else:
            await probe.close()
        return bool(exchange.keys)

    async def _deliver(self, frame: Any) -> None:
        """Replaces the capture channel's ``_on_deliver_frame`` (aiormq's reader awaits it for
        each ``basic.deliver``): reads the content header and body frames and records the
        message inline, in delivery order, without aiormq's task per message."""
        channel = self._channel
        header = await channel._get_frame()
        size = header.body_size
        body = b""
        while len(body) < size:
            body += (await channel._get_frame()).value
        self._on_message(frame.exchange, frame.routing_key, header.properties, body)

    @staticmethod
    async def _no_consumer(message: Any) -> None:
        """The consumer aiormq would call; :meth:`_deliver` handles deliveries instead."""

    def _on_message(self, exchange: str, key: str, properties: Any, body: bytes) -> None:
        """One delivery, on the loop: append only."""
        with self._cond:
            if exchange == "" and key == self._queue:
                self._markers_seen = max(self._markers_seen, int(body))
                self._cond.notify_all()
                return
            message_id = properties.message_id
            if message_id in self._own:
                self._own.discard(message_id)
                return
            table = properties.headers
            headers = tuple((k, header_bytes(v)) for k, v in table.items()) if table else None
            self._seq += 1
            self._records.append(
                Captured(
                    destination=self._destinations.get(exchange) or key,
                    payload=body,
                    headers=headers,
                    time=time.time(),
                    seq=self._seq,
                )
            )
            self._cond.notify_all()

    async def _publish(
        self, exchange: str, key: str, body: bytes, headers: Mapping[str, str] | None, mid: str
    ) -> None:
        from pamqp.commands import Basic

        properties = Basic.Properties(
            headers=dict(headers) if headers else None, message_id=mid or None
        )
        confirm = await self._channel.basic_publish(
            body, exchange=exchange, routing_key=key, properties=properties
        )
        if not isinstance(confirm, Basic.Ack):
            raise BrokerError(f"the AMQP broker at {self.url} refused a publish ({confirm})")

    async def _close(self) -> None:
        if self._connection is not None:
            await self._connection.close()

    # -- the adapter -----------------------------------------------------------------------

    def _check(self) -> None:
        if self._closed:
            raise BrokerError("the AMQP capture is closed")
        if self._gone is not None:
            raise BrokerError(self._gone)

    def start(self, destinations: Sequence[str]) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="asyncapi-amqp", daemon=True
        )
        self._thread.start()
        self._run(self._start(destinations), self._connect_timeout, "set up the capture queue")

    def drain(self, *, settle: bool = True) -> list[Captured]:
        self._check()
        with self._cond:
            self._markers_sent += 1
            marker = self._markers_sent
        work = self._publish("", self._queue, str(marker).encode(), None, "")
        self._run(work, DRAIN_TIMEOUT, "confirm the drain marker")
        deadline = time.monotonic() + DRAIN_TIMEOUT
        with self._cond:
            while self._markers_seen < marker:
                if self._gone is not None:
                    raise BrokerError(self._gone)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise BrokerError(
                        f"the AMQP broker at {self.url} did not return the drain marker "
                        f"within {DRAIN_TIMEOUT:g} s"
                    )
                self._cond.wait(remaining)
            records, self._records = self._records, []
        return records

    def take(self, timeout: float) -> list[Captured]:
        self._check()
        with self._cond:
            self._cond.wait_for(lambda: self._records or self._gone is not None, timeout)
            records, self._records = self._records, []
        return records

    def publish(
        self,
        destination: str,
        payload: bytes,
        headers: Mapping[str, str] | None = None,
        key: bytes | None = None,
        *,
        reply: str | None = None,
    ) -> None:
        if reply is not None:
            raise BrokerError("AMQP publishes here take no reply address: declare a reply channel")
        if key is not None:
            raise BrokerError("AMQP messages have no key")
        self._check()
        with self._cond:
            self._published += 1
            mid = f"{self._own_prefix}{self._published}"
            self._own.add(mid)
        work = self._publish(self.exchange_for(destination), destination, payload, headers, mid)
        self._run(work, DRAIN_TIMEOUT, "confirm a publish")

    def exchange_for(self, destination: str) -> str:
        """The exchange a publish on ``destination`` goes to (the first channel whose address
        matches it; ``amq.topic`` without a plan; else the default exchange)."""
        if self._default:
            return DEFAULT_EXCHANGE
        return next((e for regex, e in self._publish_to if regex.fullmatch(destination)), "")

    def notes(self) -> list[str]:
        return list(self._notes)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        with self._cond:
            if self._gone is None:
                self._gone = "the AMQP capture is closed"
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        if not loop.is_closed():
            with contextlib.suppress(Exception):  # the connection may be gone already
                asyncio.run_coroutine_threadsafe(self._close(), loop).result(10)
            loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
