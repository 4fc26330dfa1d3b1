"""NATS capture adapter: one subscription per declared subject pattern plus a catch-all.

The server delivers a message once per matching subscription, so a declared subject arrives
twice (its own subscription and ``>``). Each message is recorded exactly once: by the first
declared pattern (in the order given to :meth:`NatsCapture.start`) that matches its subject,
or by the catch-all when none does. The owner of each subject is computed once and cached.

The receive callback runs in the wire's reader thread and only appends a tuple; the
:class:`~pytest_asyncapi.brokers.base.Captured` records are built when they are handed out.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import TYPE_CHECKING

from pytest_asyncapi.brokers.base import CaptureAdapter, Captured
from pytest_asyncapi.brokers.nats_wire import NatsWire, check_subject
from pytest_asyncapi.errors import BrokerError

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

__all__ = ["CATCH_ALL_SKIPPED", "NatsCapture", "subject_matches"]

CATCH_ALL_SKIPPED = ("_INBOX.", "$JS.", "$SYS.", "$KV.", "$O.", "$JSC.", "_R_.")
"""Subject prefixes of NATS' own machinery, which the catch-all does not record."""

_OWNER_CACHE_SIZE = 50_000
_Pending = tuple[str, bytes, dict[str, str] | None, float]


def subject_matches(pattern: Sequence[str], subject: Sequence[str]) -> bool:
    """NATS wildcard match on tokens: ``*`` is one token, a final ``>`` one or more."""
    if pattern and pattern[-1] == ">":
        head = pattern[:-1]
        if len(subject) <= len(head):
            return False
        subject = subject[: len(head)]
        pattern = head
    elif len(pattern) != len(subject):
        return False
    return all(p in ("*", s) for p, s in zip(pattern, subject, strict=True))


class NatsCapture(CaptureAdapter):
    """Capture every subject on one NATS server; see the module docstring for attribution.

    ``settle``: :meth:`drain` returns once no message has arrived for this long after a
    server round trip; ``max_settle`` bounds that wait; ``timeout`` bounds every round trip.
    """

    protocol = "nats"

    def __init__(
        self, url: str, *, settle: float = 0.001, max_settle: float = 0.25, timeout: float = 5.0
    ) -> None:
        self.settle = settle
        self.max_settle = max_settle
        self.timeout = timeout
        self._pending: deque[_Pending] = deque()
        self._received = 0
        self._seq = 0
        self._waiters = 0
        self._cond = threading.Condition(threading.Lock())
        self._patterns: list[tuple[int, tuple[str, ...]]] = []
        self._catch_all = -1
        self._owner: dict[str, int] = {}
        self._wire = NatsWire(
            url,
            self._on_message,
            timeout=timeout,
            on_lost=self._on_lost,
            on_batch=self._on_batch,
        )
        self.url = self._wire.url

    def start(self, destinations: Sequence[str]) -> None:
        if self._catch_all != -1:
            raise BrokerError(
                "NatsCapture.start() was already called",
                hint="pass every destination to one start() call",
            )
        unique = list(dict.fromkeys(destinations))
        for pattern in unique:
            check_subject(pattern, wildcards=True)
        for pattern in unique:
            sid = self._wire.subscribe(pattern)
            self._patterns.append((sid, tuple(pattern.split("."))))
        self._catch_all = self._wire.subscribe(">")
        self._wire.round_trip()

    def drain(self, *, settle: bool = True) -> list[Captured]:
        deadline = time.monotonic() + self.max_settle
        self._wire.round_trip()
        while settle:
            seen = self._received
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not self._wait_for_new(seen, min(self.settle, remaining)):
                break
            self._wire.round_trip()
        return self._hand_out()

    def take(self, timeout: float) -> list[Captured]:
        if not self._pending:
            self._wait_for_new(self._received, timeout)
        if not self._pending and self._wire.error is not None:
            raise self._wire.error
        return self._hand_out()

    def publish(
        self,
        destination: str,
        payload: bytes,
        headers: Mapping[str, str] | None = None,
        key: bytes | None = None,
    ) -> None:
        if key is not None:
            raise BrokerError(
                f"NATS messages have no key (publishing to {destination!r})",
                hint="put the value in a header or the payload",
            )
        self._wire.publish(destination, payload, headers)

    def close(self) -> None:
        self._wire.close()

    # -- reader thread ---------------------------------------------------------------------

    def _on_message(
        self, sid: int, subject: str, payload: bytes, headers: dict[str, str] | None
    ) -> None:
        owner = self._owner.get(subject)
        if owner is None:
            if len(self._owner) >= _OWNER_CACHE_SIZE:  # e.g. one reply subject per request
                self._owner.clear()
            owner = self._owner[subject] = self._owner_of(subject)
        if sid != owner:
            return
        self._pending.append((subject, payload, headers, time.time()))
        self._received += 1

    def _on_batch(self) -> None:
        if self._waiters:
            with self._cond:
                self._cond.notify_all()

    def _owner_of(self, subject: str) -> int:
        tokens = subject.split(".")
        for sid, pattern in self._patterns:
            if subject_matches(pattern, tokens):
                return sid
        if subject.startswith(CATCH_ALL_SKIPPED):
            return 0
        return self._catch_all

    def _on_lost(self, error: BrokerError) -> None:
        with self._cond:
            self._cond.notify_all()

    # -- pytest thread ---------------------------------------------------------------------

    def _wait_for_new(self, seen: int, timeout: float) -> bool:
        """Wait until a record beyond the first ``seen`` arrives; False on timeout."""
        with self._cond:
            self._waiters += 1
            try:
                return self._cond.wait_for(
                    lambda: self._received != seen or self._wire.error is not None, timeout
                ) and (self._received != seen)
            finally:
                self._waiters -= 1

    def _hand_out(self) -> list[Captured]:
        out = []
        popleft = self._pending.popleft
        for _ in range(len(self._pending)):
            subject, payload, headers, at = popleft()
            self._seq += 1
            pairs = None if headers is None else tuple((k, v.encode()) for k, v in headers.items())
            out.append(Captured(subject, payload, pairs, at, self._seq))
        return out
