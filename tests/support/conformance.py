"""The behaviour every capture adapter must show, as one abstract test class.

A protocol's test module subclasses :class:`CaptureAdapterConformance` (its name starting with
``Test``) and provides four fixtures:

- ``adapter_factory``: ``() -> CaptureAdapter`` connected to the broker under test (closed
  by the fixture at teardown);
- ``raw_client_factory``: ``() -> RawClient``, an independent client of the same broker,
  written with another library than the adapter, so the suite does not test the adapter
  against itself;
- ``names``: :class:`Names`, destinations that are unique to the test;
- ``killable``: ``(adapter, kill)`` on a broker of its own, which ``kill()`` kills.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Protocol, TypeVar

import pytest

from pytest_asyncapi.brokers.base import CaptureAdapter
from pytest_asyncapi.captured import Captured
from pytest_asyncapi.errors import BrokerError

RawMessage = tuple[str, bytes, Mapping[str, str] | None]
"""``(destination, payload, headers)``."""


class Inbox:
    """What an independent subscriber received; filled by its client's thread."""

    def __init__(self) -> None:
        self.messages: list[RawMessage] = []
        self._cond = threading.Condition()

    def add(self, destination: str, payload: bytes, headers: Mapping[str, str] | None) -> None:
        with self._cond:
            self.messages.append((destination, payload, headers))
            self._cond.notify_all()

    def wait_for(self, count: int, timeout: float) -> list[RawMessage]:
        """Return once ``count`` messages have arrived, or what arrived after ``timeout``."""
        with self._cond:
            self._cond.wait_for(lambda: len(self.messages) >= count, timeout)
            return list(self.messages)


class RawClient(Protocol):
    def publish(self, messages: Iterable[RawMessage]) -> None:
        """Publish in order; return once the broker has accepted every message."""

    def subscribe(self, destination: str) -> Inbox:
        """Receive ``destination`` (exact name); return once the broker confirmed it."""

    def close(self) -> None: ...


@dataclass(frozen=True)
class Names:
    """Destinations for one test.

    ``declared[i]`` is a pattern and ``concrete[i]`` a destination it matches (and no earlier
    pattern does); ``undeclared`` matches no declared pattern; ``overlapping`` are patterns
    that all match ``overlapped`` (``None`` where the protocol has no patterns).
    """

    declared: tuple[str, ...]
    concrete: tuple[str, ...]
    undeclared: str
    overlapping: tuple[str, ...] | None = None
    overlapped: str = ""


AdapterFactory = Callable[[], CaptureAdapter]
RawClientFactory = Callable[[], RawClient]


def _payloads(records: Iterable[Captured]) -> list[bytes]:
    return [r.payload for r in records]


class CaptureAdapterConformance:
    """Shared tests; see the module docstring for the fixtures a subclass provides."""

    @pytest.fixture
    def adapter_factory(self) -> AdapterFactory:
        raise NotImplementedError

    @pytest.fixture
    def raw_client_factory(self) -> RawClientFactory:
        raise NotImplementedError

    @pytest.fixture
    def names(self) -> Names:
        raise NotImplementedError

    @pytest.fixture
    def killable(self) -> tuple[CaptureAdapter, Callable[[], None]]:
        raise NotImplementedError

    def test_ready_before_start_returns(
        self, adapter_factory: AdapterFactory, raw_client_factory: RawClientFactory, names: Names
    ) -> None:
        raw = raw_client_factory()
        for attempt in range(10):
            adapter = adapter_factory()
            adapter.start(names.declared)
            raw.publish([(names.concrete[0], b"ready-%d" % attempt, None)])
            assert _payloads(adapter.drain()) == [b"ready-%d" % attempt]
            adapter.close()

    def test_drain_returns_everything_published_before_it(
        self, adapter_factory: AdapterFactory, raw_client_factory: RawClientFactory, names: Names
    ) -> None:
        adapter = adapter_factory()
        adapter.start(names.declared)
        publishers = [raw_client_factory(), raw_client_factory()]
        sent: dict[int, list[bytes]] = {0: [], 1: []}
        for who, raw in enumerate(publishers):
            batch = []
            for i in range(500):
                payload = b'{"publisher":%d,"n":%d}' % (who, i)
                sent[who].append(payload)
                batch.append((names.concrete[i % len(names.concrete)], payload, None))
            raw.publish(batch)
        records = adapter.drain()
        assert len(records) == 1000
        for who in (0, 1):
            mine = [r.payload for r in records if r.payload.startswith(b'{"publisher":%d' % who)]
            assert mine == sent[who]
        assert [r.seq for r in records] == sorted({r.seq for r in records})

    def test_attribution_across_consecutive_windows(
        self, adapter_factory: AdapterFactory, raw_client_factory: RawClientFactory, names: Names
    ) -> None:
        adapter = adapter_factory()
        adapter.start(names.declared)
        raw = raw_client_factory()
        last_seq = 0
        for window in range(20):
            count = (window * 7) % 13 + 1
            expected = [b"w%d-%d" % (window, i) for i in range(count)]
            raw.publish(
                (names.concrete[i % len(names.concrete)], p, None) for i, p in enumerate(expected)
            )
            records = adapter.drain()
            assert sorted(_payloads(records)) == sorted(expected), f"window {window}"
            assert records[0].seq > last_seq
            last_seq = records[-1].seq
        assert adapter.drain() == []

    def test_undeclared_destination_captured_once_by_catch_all(
        self, adapter_factory: AdapterFactory, raw_client_factory: RawClientFactory, names: Names
    ) -> None:
        adapter = adapter_factory()
        adapter.start(names.declared)
        raw_client_factory().publish([(names.undeclared, b"stray-%d" % i, None) for i in range(3)])
        records = adapter.drain()
        assert [(r.destination, r.payload) for r in records] == [
            (names.undeclared, b"stray-0"),
            (names.undeclared, b"stray-1"),
            (names.undeclared, b"stray-2"),
        ]

    def test_declared_destination_captured_exactly_once(
        self, adapter_factory: AdapterFactory, raw_client_factory: RawClientFactory, names: Names
    ) -> None:
        adapter = adapter_factory()
        adapter.start(names.declared)
        raw = raw_client_factory()
        raw.publish([(dest, dest.encode(), None) for dest in names.concrete])
        records = adapter.drain()
        assert [(r.destination, r.payload) for r in records] == [
            (dest, dest.encode()) for dest in names.concrete
        ]

    def test_overlapping_patterns_capture_once(
        self, adapter_factory: AdapterFactory, raw_client_factory: RawClientFactory, names: Names
    ) -> None:
        assert names.overlapping is not None, "each protocol names overlapping destinations"
        adapter = adapter_factory()
        adapter.start(names.overlapping)
        raw_client_factory().publish([(names.overlapped, b"o-%d" % i, None) for i in range(5)])
        records = adapter.drain()
        assert [(r.destination, r.payload) for r in records] == [
            (names.overlapped, b"o-%d" % i) for i in range(5)
        ]

    def test_headers_preserved(
        self, adapter_factory: AdapterFactory, raw_client_factory: RawClientFactory, names: Names
    ) -> None:
        adapter = adapter_factory()
        adapter.start(names.declared)
        raw = raw_client_factory()
        headers = {"content-type": "application/json", "X-Trace-Id": "abc 123"}
        raw.publish([(names.concrete[0], b"{}", headers), (names.concrete[0], b"[]", None)])
        records = adapter.drain()
        assert len(records) == 2
        assert records[0].headers is not None
        assert dict(records[0].headers) == {k: v.encode() for k, v in headers.items()}
        assert not records[1].headers
        inbox = raw.subscribe(names.concrete[0])
        adapter.publish(names.concrete[0], b"out", {"X-From": "adapter"})
        (_, payload, got) = inbox.wait_for(1, 5)[0]
        assert payload == b"out"
        assert got is not None
        assert dict(got) == {"X-From": "adapter"}

    def test_own_publish_not_captured_but_delivered(
        self, adapter_factory: AdapterFactory, raw_client_factory: RawClientFactory, names: Names
    ) -> None:
        adapter = adapter_factory()
        adapter.start(names.declared)
        raw = raw_client_factory()
        inbox = raw.subscribe(names.concrete[0])
        for i in range(3):
            adapter.publish(names.concrete[0], b"mine-%d" % i)
        assert adapter.drain() == []
        received = inbox.wait_for(3, 5)
        assert [(d, p) for d, p, _ in received] == [
            (names.concrete[0], b"mine-%d" % i) for i in range(3)
        ]

    def test_take_returns_early_and_times_out_cleanly(
        self, adapter_factory: AdapterFactory, raw_client_factory: RawClientFactory, names: Names
    ) -> None:
        adapter = adapter_factory()
        adapter.start(names.declared)
        began = time.monotonic()
        assert adapter.take(0.2) == []
        assert 0.2 <= time.monotonic() - began < 2
        raw = raw_client_factory()
        result: list[list[Captured]] = []
        waiter = threading.Thread(target=lambda: result.append(adapter.take(30)))
        began = time.monotonic()
        waiter.start()
        raw.publish([(names.concrete[0], b"early", None)])
        waiter.join(10)
        assert not waiter.is_alive()
        assert time.monotonic() - began < 5
        assert _payloads(result[0]) == [b"early"]
        assert adapter.drain() == []

    def test_broker_killed_drain_raises_quickly(
        self, killable: tuple[CaptureAdapter, Callable[[], None]], names: Names
    ) -> None:
        adapter, kill = killable
        adapter.start(names.declared)
        kill()
        began = time.monotonic()
        with pytest.raises(BrokerError):
            adapter.drain()
        assert time.monotonic() - began < 5
        with pytest.raises(BrokerError):
            adapter.publish(names.concrete[0], b"after")

    def test_close_is_idempotent(self, adapter_factory: AdapterFactory, names: Names) -> None:
        adapter = adapter_factory()
        adapter.start(names.declared)
        adapter.close()
        adapter.close()
        with pytest.raises(BrokerError):
            adapter.drain()


class _Closable(Protocol):
    def close(self) -> None: ...


_C = TypeVar("_C", bound=_Closable)


def closing_factory(build: Callable[[], _C]) -> Iterator[Callable[[], _C]]:
    """A fixture body: yields a factory of ``build()`` objects, closes each one afterwards."""
    made: list[_C] = []

    def make() -> _C:
        made.append(build())
        return made[-1]

    yield make
    for item in made:
        item.close()
