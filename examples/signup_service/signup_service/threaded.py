"""The service on its own event loop in a background thread, for synchronous callers (a
synchronous test whose blocking calls, such as ``asyncapi.request``, must not starve it)."""

from __future__ import annotations

import asyncio
import threading
from typing import TYPE_CHECKING, Any, TypeVar

from signup_service.service import SignupService

if TYPE_CHECKING:
    from collections.abc import Coroutine
    from pathlib import Path

T = TypeVar("T")


class ServiceThread:
    """Starts a :class:`SignupService` on a loop of its own thread; :meth:`call` runs a
    coroutine there (the service's SQLite connection belongs to that thread); :meth:`close`
    stops the service gracefully and ends the thread. Also a context manager."""

    def __init__(self, db_path: str | Path, nats_url: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="signup-service")
        self.thread.start()
        try:
            self.service = self.call(self._start(db_path, nats_url))
        except BaseException:
            self._end_loop()
            raise

    def call(self, work: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
        """Run ``work`` on the service's loop; its result (or exception)."""
        return asyncio.run_coroutine_threadsafe(work, self.loop).result(timeout)

    def close(self) -> None:
        try:
            self.call(self.service.stop())
        finally:
            self._end_loop()

    def __enter__(self) -> ServiceThread:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @staticmethod
    async def _start(db_path: str | Path, nats_url: str) -> SignupService:
        service = SignupService(db_path, nats_url)
        await service.start()
        return service

    def _end_loop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()
        self.loop.close()
