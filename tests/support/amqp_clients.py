"""A plain pika client for the AMQP tests, its blocking connection owned by a thread of its own.

pika shares no code with the adapter (aiormq). Every publish goes to one exchange (``amq.topic``
unless told) with publisher confirms and returns once the broker confirmed it; ``subscribe``
binds a private queue and returns once the broker confirmed the binding and the consumer.
"""

from __future__ import annotations

import concurrent.futures
import threading
from typing import TYPE_CHECKING, Any, TypeVar

import pika

from tests.support.conformance import Inbox, RawMessage

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

_T = TypeVar("_T")


def text_headers(table: Mapping[str, Any] | None) -> dict[str, str] | None:
    if not table:
        return None
    return {k: v.decode() if isinstance(v, bytes) else str(v) for k, v in table.items()}


class PikaClient:
    """Publish and subscribe with pika; every call returns once the broker confirmed it."""

    def __init__(self, url: str, *, exchange: str = "amq.topic") -> None:
        self.exchange = exchange
        self._running = True
        ready: concurrent.futures.Future[None] = concurrent.futures.Future()
        self._thread = threading.Thread(target=self._serve, args=(url, ready), daemon=True)
        self._thread.start()
        ready.result(30)

    def _serve(self, url: str, ready: concurrent.futures.Future[None]) -> None:
        try:
            self.connection = pika.BlockingConnection(pika.URLParameters(url))
            self.channel = self.connection.channel()
            self.channel.confirm_delivery()
        except BaseException as exc:
            ready.set_exception(exc)
            return
        ready.set_result(None)
        while self._running:
            self.connection.process_data_events(time_limit=None)
        self.connection.close()

    def call(self, work: Callable[[], _T]) -> _T:
        """Run ``work`` on the client's thread; its result (or exception)."""
        done: concurrent.futures.Future[_T] = concurrent.futures.Future()

        def run() -> None:
            try:
                done.set_result(work())
            except BaseException as exc:
                done.set_exception(exc)

        self.connection.add_callback_threadsafe(run)
        return done.result(60)

    def publish(
        self,
        messages: Iterable[RawMessage],
        *,
        exchange: str | None = None,
        properties: Mapping[str, Any] | None = None,
    ) -> None:
        batch = list(messages)
        target = self.exchange if exchange is None else exchange

        def run() -> None:
            for destination, payload, headers in batch:
                props = pika.BasicProperties(headers=dict(headers) if headers else None)
                for name, value in (properties or {}).items():
                    setattr(props, name, value)
                self.channel.basic_publish(target, destination, payload, props)

        self.call(run)

    def subscribe(self, destination: str, *, exchange: str | None = None) -> Inbox:
        inbox = Inbox()
        target = self.exchange if exchange is None else exchange

        def run() -> None:
            queue = self.channel.queue_declare("", exclusive=True).method.queue
            self.channel.queue_bind(queue, target, routing_key=destination)
            self.consume(queue, inbox)

        self.call(run)
        return inbox

    def consume(self, queue: str, inbox: Inbox) -> None:
        """On the client's thread: consume ``queue`` into ``inbox`` (acknowledging each)."""

        def on_message(channel: Any, method: Any, props: Any, body: bytes) -> None:
            inbox.add(method.routing_key, body, text_headers(props.headers))
            channel.basic_ack(method.delivery_tag)

        self.channel.basic_consume(queue, on_message)

    def close(self) -> None:
        def stop() -> None:
            self._running = False

        if self._thread.is_alive():
            self.connection.add_callback_threadsafe(stop)
        self._thread.join(10)
