"""An independent NATS client (nats-py on its own event loop) for conformance and capture tests."""

from __future__ import annotations

import asyncio
import threading
from typing import TYPE_CHECKING, Any

import nats

from tests.support.conformance import (
    Inbox,
    RawMessage,
)

if TYPE_CHECKING:
    from collections.abc import Iterable


class NatsPyClient:
    """An independent NATS client: nats-py on an event loop of its own.

    nats-py 2.16's ``flush()`` writes its PING straight to the transport while SUB/PUB
    commands may still wait in the pending buffer for the flusher task, so its PONG can come
    back before they reached the server (seen here: a subscription that missed a message
    published after ``subscribe(); flush()`` returned). ``_confirm`` flushes twice: the first
    wait lets the flusher write everything queued, the second PING follows it on the wire.
    """

    def __init__(self, url: str) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._nc = self._call(nats.connect(url, allow_reconnect=False, connect_timeout=5))

    def _call(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(30)

    def publish(self, messages: Iterable[RawMessage]) -> None:
        batch = list(messages)

        async def run() -> None:
            for destination, payload, headers in batch:
                await self._nc.publish(
                    destination, payload, headers=dict(headers) if headers else None
                )
            await self._confirm()

        self._call(run())

    def subscribe(self, destination: str) -> Inbox:
        inbox = Inbox()

        async def on_message(msg: Any) -> None:
            inbox.add(msg.subject, msg.data, msg.headers)

        async def run() -> None:
            await self._nc.subscribe(destination, cb=on_message)
            await self._confirm()

        self._call(run())
        return inbox

    async def _confirm(self) -> None:
        await self._nc.flush(5)
        await self._nc.flush(5)

    def close(self) -> None:
        self._call(self._nc.close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()
