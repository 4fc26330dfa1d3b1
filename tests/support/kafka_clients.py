"""A plain aiokafka client for the Kafka tests, on an event loop in a thread of its own.

It uses aiokafka the way an application would (a producer, a group-less consumer, a consumer
group), none of the adapter's code, so the adapter is not checked against itself. Kafka
orders records per partition only: :meth:`AiokafkaClient.publish` writes every record of a
call to one partition (0 unless given) so that one destination's records keep their order,
and it publishes topic by topic.
"""

from __future__ import annotations

import asyncio
import threading
from typing import TYPE_CHECKING, Any, TypeVar

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from tests.support.conformance import Inbox, RawMessage

if TYPE_CHECKING:
    from collections.abc import Coroutine, Iterable, Mapping

_T = TypeVar("_T")


def text_headers(headers: Iterable[tuple[str, bytes]] | None) -> dict[str, str] | None:
    return {k: v.decode() for k, v in headers} if headers else None


class AiokafkaClient:
    """Publish and subscribe with aiokafka; every call returns once the broker confirmed it."""

    def __init__(self, servers: str) -> None:
        self.servers = servers
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._producer: Any = None
        self._consumers: list[Any] = []
        self._tasks: list[asyncio.Task[None]] = []

    def call(self, work: Coroutine[Any, Any, _T]) -> _T:
        return asyncio.run_coroutine_threadsafe(work, self._loop).result(60)

    def publish(self, messages: Iterable[RawMessage], partition: int | None = 0) -> None:
        self.publish_keyed(((d, p, h, None) for d, p, h in messages), partition=partition)

    def publish_keyed(
        self,
        messages: Iterable[tuple[str, bytes, Mapping[str, str] | None, bytes | None]],
        *,
        partition: int | None = None,
    ) -> list[tuple[str, int, int]]:
        """Send all, then wait for every acknowledgement; ``(topic, partition, offset)`` each."""
        batch = list(messages)

        async def run() -> list[tuple[str, int, int]]:
            if self._producer is None:
                self._producer = AIOKafkaProducer(bootstrap_servers=self.servers, linger_ms=5)
                await self._producer.start()
            # one topic at a time: Tansu fails a produce request that mixes an existing topic
            # with one it is auto-creating (NotLeaderForPartition on the existing one)
            acked: dict[int, Any] = {}
            for topic in dict.fromkeys(m[0] for m in batch):
                sent = []
                for index, (name, payload, headers, key) in enumerate(batch):
                    if name != topic:
                        continue
                    encoded = [(k, v.encode()) for k, v in headers.items()] if headers else None
                    future = await self._producer.send(
                        topic, payload, key=key, headers=encoded, partition=partition
                    )
                    sent.append((index, future))
                for index, future in sent:
                    acked[index] = await future
            return [(m.topic, m.partition, m.offset) for _, m in sorted(acked.items())]

        return self.call(run())

    def subscribe(self, destination: str) -> Inbox:
        """Read ``destination`` (an existing topic) from its end offsets, group-less."""
        inbox = Inbox()

        async def run() -> None:
            consumer = AIOKafkaConsumer(bootstrap_servers=self.servers, fetch_max_wait_ms=20)
            await consumer.start()
            self._consumers.append(consumer)
            partitions = await self._partitions(consumer, destination)
            consumer.assign(partitions)
            await consumer.seek_to_end(*partitions)
            # Tansu's ListOffsets(latest) can stop short of the last batch's end; a fetch
            # response's high watermark is the log end (what it returns meanwhile is older)
            while any(consumer.highwater(tp) is None for tp in partitions):
                await consumer.getmany(timeout_ms=50)
            for tp in partitions:
                consumer.seek(tp, consumer.highwater(tp))
            self._tasks.append(asyncio.create_task(self._pump(consumer, inbox)))

        self.call(run())
        return inbox

    def group_member(self, topic: str, group: str) -> Inbox:
        """An application's consumer group member on ``topic``, reading from the earliest."""
        inbox = Inbox()

        async def run() -> None:
            consumer = AIOKafkaConsumer(
                topic,
                bootstrap_servers=self.servers,
                group_id=group,
                auto_offset_reset="earliest",
                session_timeout_ms=6000,
                heartbeat_interval_ms=500,
                fetch_max_wait_ms=20,
            )
            await consumer.start()
            self._consumers.append(consumer)
            self._tasks.append(asyncio.create_task(self._pump(consumer, inbox)))

        self.call(run())
        return inbox

    @staticmethod
    async def _partitions(consumer: Any, topic: str) -> list[TopicPartition]:
        for _ in range(100):
            await consumer.topics()  # refreshes the metadata of every topic
            found = consumer.partitions_for_topic(topic)
            if found:
                return [TopicPartition(topic, p) for p in sorted(found)]
        raise AssertionError(f"topic {topic!r} does not exist")

    @staticmethod
    async def _pump(consumer: Any, inbox: Inbox) -> None:
        while True:
            batch = await consumer.getmany(timeout_ms=200)
            for records in batch.values():
                for r in records:
                    inbox.add(r.topic, r.value, text_headers(r.headers))

    def close(self) -> None:
        async def run() -> None:
            for task in self._tasks:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            for consumer in self._consumers:
                await consumer.stop()
            if self._producer is not None:
                await self._producer.stop()

        self.call(run())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()
