"""A user-lookup service on Kafka for the request/reply tests (copied into pytester runs).

It consumes ``users.lookup.requests`` (group-less, from the end) and answers on the topic the
``replyTo`` header names, copying ``x-correlation-id``; the requested ``userId`` picks a
misbehaviour: ``bad`` (invalid email), ``silent`` (no reply), ``other-id`` (wrong correlation
ID), ``no-id`` (no correlation ID). ``ask`` sends a request the way another service would.
"""

import asyncio
import json
import os
import threading

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

REQUESTS = "users.lookup.requests"


class LookupService:
    def __init__(self, servers):
        self.servers = servers
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.call(self._start())
        self.task = asyncio.run_coroutine_threadsafe(self._serve(), self.loop)

    def call(self, work):
        return asyncio.run_coroutine_threadsafe(work, self.loop).result(30)

    async def _start(self):
        self.producer = AIOKafkaProducer(bootstrap_servers=self.servers)
        await self.producer.start()
        self.consumer = AIOKafkaConsumer(bootstrap_servers=self.servers, group_id=None)
        await self.consumer.start()
        partitions = [TopicPartition(REQUESTS, p) for p in await self._partitions()]
        self.consumer.assign(partitions)
        await self.consumer.seek_to_end(*partitions)
        for tp in partitions:
            await self.consumer.position(tp)  # positioned: requests from now on are seen

    async def _partitions(self):
        await self.consumer.topics()
        return sorted(self.consumer.partitions_for_topic(REQUESTS) or {0})

    async def _serve(self):
        async for record in self.consumer:
            headers = {k: v.decode() for k, v in record.headers}
            user = json.loads(record.value)["userId"]
            if user == "silent":
                continue
            reply = {
                "userId": user,
                "email": "not-an-email" if user == "bad" else f"{user}@example.com",
            }
            out = {"x-correlation-id": headers.get("x-correlation-id", "")}
            if user == "other-id":
                out["x-correlation-id"] = "someone-else"
            if user == "no-id":
                out = {}
            await self.producer.send_and_wait(
                headers["replyTo"],
                json.dumps(reply).encode(),
                headers=[(k, v.encode()) for k, v in out.items()],
            )

    def close(self):
        self.task.cancel()
        self.call(self.consumer.stop())
        self.call(self.producer.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)


def ask(user, correlation="c-1"):
    """A request from another service: its own producer, acknowledged."""

    async def go():
        producer = AIOKafkaProducer(bootstrap_servers=os.environ["KAFKA_BOOTSTRAP_SERVERS"])
        await producer.start()
        try:
            await producer.send_and_wait(
                REQUESTS,
                json.dumps({"userId": user}).encode(),
                headers=[
                    ("replyTo", b"users.lookup.replies"),
                    ("x-correlation-id", correlation.encode()),
                ],
            )
        finally:
            await producer.stop()

    asyncio.run(go())
