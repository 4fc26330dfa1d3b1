"""A streetlight controller on MQTT: it reads the light each streetlight measures and commands it.

The contract is the official Streetlights MQTT example of the AsyncAPI 3.0 specification: the
controller **receives** ``lightMeasured`` on
``smartylighting/streetlights/1/0/event/{streetlightId}/lighting/measured`` and **sends**
``turnOnOff`` (``…/action/{streetlightId}/turn/on`` and ``…/turn/off``) and ``dimLight``
(``…/action/{streetlightId}/dim``), all at QoS 1 with the ``my-app-header`` user property.

The rule: below ``DARK`` lumens the light goes on, above ``BRIGHT`` it goes off, in between
it is dimmed in proportion. ``STREETLIGHTS_BROKEN`` breaks one promise on purpose, so the
example's own tests can show which test the plugin fails.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import aiomqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

if TYPE_CHECKING:
    from types import TracebackType

PREFIX = "smartylighting/streetlights/1/0"
MEASURED = f"{PREFIX}/event/+/lighting/measured"
DARK = 100
BRIGHT = 10_000
APP_HEADER = "my-app-header"


@dataclass(frozen=True)
class Command:
    """What the controller sent to one streetlight."""

    topic: str
    payload: dict[str, Any]


def decide(streetlight: str, lumens: int, sent_at: str) -> Command:
    """The command a measurement calls for."""
    base = f"{PREFIX}/action/{streetlight}"
    if lumens < DARK:
        return Command(f"{base}/turn/on", {"command": "on", "sentAt": sent_at})
    if lumens > BRIGHT:
        return Command(f"{base}/turn/off", {"command": "off", "sentAt": sent_at})
    percentage = 100 - round(100 * (lumens - DARK) / (BRIGHT - DARK))
    return Command(f"{base}/dim", {"percentage": percentage, "sentAt": sent_at})


class StreetlightsController:
    """Subscribes to every streetlight's measurements and answers each with a command."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self._client = aiomqtt.Client(
            parts.hostname or "127.0.0.1",
            parts.port or 1883,
            username=parts.username,
            password=parts.password,
            protocol=aiomqtt.ProtocolVersion.V5,
            identifier="streetlights-controller",
        )
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> StreetlightsController:
        await self._client.__aenter__()
        await self._client.subscribe(MEASURED, qos=1)  # returns once the broker's SUBACK is in
        self._task = asyncio.create_task(self._run())
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._client.__aexit__(kind, error, trace)

    async def _run(self) -> None:
        async for message in self._client.messages:
            streetlight = message.topic.value.split("/")[5]
            measured = json.loads(bytes(message.payload))
            await self._send(decide(streetlight, measured["lumens"], _sent_at()))

    async def _send(self, command: Command) -> None:
        header = "7"
        if _broken("header-off") and command.topic.endswith("/turn/off"):
            header = "101"  # the bug: above the document's maximum of 100, on turn-off only
        properties = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
        properties.UserProperty = [(APP_HEADER, header)]
        await self._client.publish(
            command.topic, json.dumps(command.payload), qos=1, properties=properties
        )


def _sent_at() -> str:
    if _broken("sent-at"):
        return datetime.now(timezone.utc).strftime("%d/%m/%Y %H:%M")  # the bug: not RFC 3339
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def _broken(mode: str) -> bool:
    return os.environ.get("STREETLIGHTS_BROKEN") == mode
