"""A plain aiomqtt client for the MQTT tests, on an event loop in a thread of its own.

It uses aiomqtt the way an application would (MQTT 5 by default, 3.1.1 on request), none of
the adapter's code. Every publish is QoS 1 and returns once the broker sent its PUBACK; a
subscription returns once the broker sent its SUBACK.
"""

from __future__ import annotations

import asyncio
import threading
from typing import TYPE_CHECKING, Any, TypeVar

import aiomqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from tests.support.conformance import Inbox, RawMessage

if TYPE_CHECKING:
    from collections.abc import Coroutine, Iterable

_T = TypeVar("_T")


def host_port(url: str) -> tuple[str, int]:
    host, _, port = url.split("://", 1)[1].rpartition(":")
    return host, int(port)


class AiomqttClient:
    """Publish and subscribe with aiomqtt; every call returns once the broker confirmed it."""

    def __init__(self, url: str, *, version: int = 5) -> None:
        self.version = version
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        host, port = host_port(url)
        protocol = aiomqtt.ProtocolVersion.V5 if version == 5 else aiomqtt.ProtocolVersion.V311
        self._tasks: list[asyncio.Task[None]] = []

        async def connect() -> aiomqtt.Client:
            client = aiomqtt.Client(host, port, protocol=protocol)  # needs the running loop
            await client.__aenter__()
            return client

        self._client = self.call(connect())

    def call(self, work: Coroutine[Any, Any, _T]) -> _T:
        return asyncio.run_coroutine_threadsafe(work, self._loop).result(60)

    def publish(self, messages: Iterable[RawMessage], *, retain: bool = False) -> None:
        batch = list(messages)

        async def run() -> None:
            for destination, payload, headers in batch:
                properties = None
                if headers and self.version == 5:
                    properties = Properties(PacketTypes.PUBLISH)
                    properties.UserProperty = list(headers.items())
                await self._client.publish(
                    destination, payload, qos=1, retain=retain, properties=properties
                )

        self.call(run())

    def subscribe(self, destination: str) -> Inbox:
        inbox = Inbox()

        async def run() -> None:
            await self._client.subscribe(destination, qos=1)
            self._tasks.append(self._loop.create_task(self._receive(inbox)))

        self.call(run())
        return inbox

    async def _receive(self, inbox: Inbox) -> None:
        async for message in self._client.messages:
            pairs = getattr(message.properties, "UserProperty", None)
            payload = message.payload
            assert isinstance(payload, bytes)
            inbox.add(message.topic.value, payload, dict(pairs) if pairs else None)

    def close(self) -> None:
        async def run() -> None:
            for task in self._tasks:
                task.cancel()
            await self._client.__aexit__(None, None, None)

        self.call(run())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()
