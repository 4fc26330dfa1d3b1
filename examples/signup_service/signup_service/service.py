"""The service: sign-ups, the outbox relay, ``DeleteUser`` handling, ``LookupUser``
request/reply and graceful shutdown.

Delivery is **at least once**: the relay publishes a batch of outbox rows, flushes (a round
trip: the server has them), and only then deletes the rows. If the process dies between the
flush and the delete, the rows are published again on the next start, so consumers must
tolerate duplicates (``userId`` identifies the user; ``x-correlation-id`` stays the same on a
retry because it is stored in the outbox row). Events leave in commit order.

The relay is woken by an :class:`asyncio.Event` set after each commit; a bounded periodic
fallback (``fallback_interval``) picks up rows committed by another process or left over after
a broker error.

A ``LookupUser`` request on ``user/lookup`` is answered on its NATS reply subject
(``msg.reply``) with ``UserFound`` or ``UserNotFound``, echoing the request's
``x-correlation-id``. A request without a reply subject, or that is not a lookup, is logged
and left unanswered.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import uuid
from typing import TYPE_CHECKING

import nats
from nats.errors import Error as NatsError

from signup_service.events import (
    CORRELATION_HEADER,
    SUBJECT_DELETE,
    SUBJECT_LOOKUP,
    check_broken,
    delete_user_id,
    lookup_reply,
    lookup_user_id,
)
from signup_service.store import Store

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from nats.aio.client import Client
    from nats.aio.msg import Msg
    from nats.aio.subscription import Subscription

log = logging.getLogger("signup_service")

RETRY_DELAY = 0.5
"""Seconds before the relay retries after a broker error."""


class ServiceStopping(RuntimeError):
    """The service is shutting down and takes no new work."""


class ShutdownIncomplete(RuntimeError):
    """The outbox could not be drained before the shutdown deadline (rows stay for next start)."""


class SignupService:
    """Sign-ups with a transactional outbox relayed to NATS; deletes users on ``DeleteUser``;
    answers ``LookupUser`` requests.

    ``broken``: a variant of :data:`~signup_service.events.BROKEN_VARIANTS`, by default read
    from the ``SIGNUP_BROKEN`` environment variable (unset: the correct service).
    """

    def __init__(
        self,
        db_path: str | Path,
        nats_url: str,
        *,
        broken: str | None = None,
        fallback_interval: float = 5.0,
        shutdown_timeout: float = 10.0,
    ) -> None:
        self.store = Store(db_path)
        self.nats_url = nats_url
        self.broken = check_broken(broken or os.environ.get("SIGNUP_BROKEN"))
        self.fallback_interval = fallback_interval
        self.shutdown_timeout = shutdown_timeout
        self.relayed = 0
        self.deletes_handled = 0
        self.lookups_answered = 0
        self._nc: Client | None = None
        self._subs: list[Subscription] = []
        self._relay_task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._changed = asyncio.Condition()
        self._stopping = False

    async def start(self) -> None:
        """Connect, subscribe to ``user/delete`` and ``user/lookup`` (confirmed by the
        server), relay what an earlier run left in the outbox, then start the relay task."""
        self._nc = await nats.connect(
            self.nats_url,
            name="signup-service",
            connect_timeout=2,
            reconnect_time_wait=1,
            error_cb=self._on_error,
            disconnected_cb=self._on_disconnected,
        )
        self._subs = [
            await self._nc.subscribe(SUBJECT_DELETE, cb=self._on_delete),
            await self._nc.subscribe(SUBJECT_LOOKUP, cb=self._on_lookup),
        ]
        # nats-py 2.16 writes flush()'s PING ahead of buffered commands, so one round trip can
        # return before the server saw the SUB; the second PING goes after it.
        await self._nc.flush()
        await self._nc.flush()
        await self._relay_pending()
        self._relay_task = asyncio.create_task(self._relay(), name="outbox-relay")
        log.info("signup service started on %s (broken: %s)", self.nats_url, self.broken)

    async def sign_up(self, email: str, display_name: str, plan: str | None = None) -> str:
        """Create a user and queue its ``UserSignedUp`` event; returns the new user id."""
        if self._stopping:
            raise ServiceStopping("the signup service is shutting down; retry elsewhere")
        user_id = str(uuid.uuid4())
        self.store.sign_up(user_id, email, display_name, plan, broken=self.broken)
        self._wake.set()
        return user_id

    async def wait_until(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        """Wait until ``predicate()`` holds; it is re-checked after every relayed batch and
        every handled ``DeleteUser`` and answered lookup. TimeoutError after ``timeout``
        seconds."""
        try:
            async with asyncio.timeout(timeout), self._changed:
                await self._changed.wait_for(predicate)
        except TimeoutError:
            raise TimeoutError(f"service condition not met within {timeout:g} s") from None

    async def stop(self) -> None:
        """Graceful shutdown: stop taking work, finish in-flight deletes and lookups, drain the
        outbox, drain the connection. :class:`ShutdownIncomplete` if the outbox cannot be
        drained."""
        if self._stopping:
            return
        self._stopping = True
        nc = self._nc
        try:
            for sub in self._subs:
                try:  # no new commands; those already received are handled first
                    await sub.drain()  # type: ignore[no-untyped-call]
                except NatsError as error:
                    log.warning("%s subscription not drained: %s", sub.subject, error)
            if self._relay_task is not None:
                self._wake.set()
                try:
                    await asyncio.wait_for(self._relay_task, self.shutdown_timeout)
                except TimeoutError:
                    left = self.store.outbox_size()
                    raise ShutdownIncomplete(
                        f"{left} outbox row(s) not relayed within {self.shutdown_timeout:g} s; "
                        f"they stay in {self.store.path} and are relayed on the next start"
                    ) from None
        finally:
            if nc is not None and not nc.is_closed:
                await (nc.drain() if nc.is_connected else nc.close())
            self.store.close()
        log.info("signup service stopped (%d event(s) relayed)", self.relayed)

    async def __aenter__(self) -> SignupService:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _relay(self) -> None:
        delay = self.fallback_interval
        while True:
            try:
                async with asyncio.timeout(delay):
                    await self._wake.wait()
            except TimeoutError:
                pass
            self._wake.clear()
            stopping = self._stopping
            try:
                await self._relay_pending()
            except (NatsError, OSError, sqlite3.OperationalError) as error:
                log.warning("outbox relay: %s; retrying in %g s", error, RETRY_DELAY)
                delay = RETRY_DELAY
                continue
            if stopping:
                return
            delay = self.fallback_interval

    async def _relay_pending(self) -> None:
        assert self._nc is not None
        while rows := self.store.unsent():
            for row in rows:
                message = row.message
                await self._nc.publish(message.subject, message.payload, headers=message.headers)
            await self._nc.flush(timeout=5)
            self.store.mark_sent(rows)
            self.relayed += len(rows)
            await self._notify()

    async def _on_delete(self, msg: Msg) -> None:
        try:
            user_id = delete_user_id(msg.data)
        except ValueError as error:
            log.warning("ignored a command on %s: %s", msg.subject, error)
        else:
            deleted = self.store.delete_user(user_id)
            log.info("DeleteUser %s: %s", user_id, "deleted" if deleted else "no such user")
        self.deletes_handled += 1
        await self._notify()

    async def _on_lookup(self, msg: Msg) -> None:
        if not msg.reply:
            log.warning("ignored a lookup on %s without a reply subject", msg.subject)
            return
        try:
            user_id = lookup_user_id(msg.data)
        except ValueError as error:
            log.warning("ignored a request on %s: %s", msg.subject, error)
            return
        correlation_id = (msg.headers or {}).get(CORRELATION_HEADER)
        body, headers = lookup_reply(
            user_id, self.store.user(user_id), correlation_id, broken=self.broken
        )
        # msg.respond(body) cannot carry headers; this is the same publish to msg.reply
        assert self._nc is not None
        await self._nc.publish(msg.reply, body, headers=headers)
        self.lookups_answered += 1
        await self._notify()

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def _on_error(self, error: Exception) -> None:
        log.warning("NATS: %s", error)

    async def _on_disconnected(self) -> None:
        if not self._stopping:
            log.warning("NATS: disconnected from %s", self.nats_url)
