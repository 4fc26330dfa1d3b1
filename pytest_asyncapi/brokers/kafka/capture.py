"""Kafka capture adapter: a group-less consumer with manual assignment and an exact drain.

The capture consumer never joins a consumer group, so the application's groups see every
record as before. It is assigned every partition of every topic it reads
(:class:`~pytest_asyncapi.brokers.kafka.topics.TopicSelector`): at :meth:`KafkaCapture.start`
each is positioned at its end offset; a topic (or partition) that appears later was born
after the previous listing, so it is read from offset 0.

:meth:`KafkaCapture.drain` is exact: it lists the topics, takes the end offsets *now*, and
returns once the consumer's position has reached them on every partition (no settle window).
It raises :class:`~pytest_asyncapi.errors.BrokerError` when the broker does not answer within
``timeout`` or the consumer makes no progress for that long.

Records keep topic, partition, offset, timestamp, key and headers. Headers stay
``(name, bytes)`` pairs in record order (a null value becomes ``b""``; a repeated name is kept
twice, and the contract reports the repeat); the contract decodes them as UTF-8. A null value
(tombstone) becomes an empty payload with ``tombstone`` set.

Kafka delivers the adapter's own publishes to its consumer like any other record: each
publish notes the (topic, partition, offset) the broker acknowledged, and that record is
dropped on receipt. While a publish awaits its acknowledgement, received records are held
back, so one cannot slip through before its offset is known.

Every broker client lives in one event loop in the adapter's own thread; the pytest thread
(sync or pytest-asyncio tests alike) only submits work to it. The receive path builds the
:class:`~pytest_asyncapi.captured.Captured` records as they arrive (while the test runs), so a
drain only hands out lists.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections import deque
from typing import TYPE_CHECKING, Any, TypeVar

from pytest_asyncapi.brokers.base import CaptureAdapter
from pytest_asyncapi.brokers.kafka.topics import TopicSelector, bootstrap_servers, create_missing
from pytest_asyncapi.captured import Captured
from pytest_asyncapi.errors import BrokerError

if TYPE_CHECKING:
    from collections.abc import Coroutine, Mapping, Sequence

__all__ = ["KafkaCapture"]

_T = TypeVar("_T")
_Batch = tuple[list[Any], float]
"""aiokafka ``ConsumerRecord``s of one partition, and their time of receipt."""
_HINT = "check that a Kafka broker is listening at {servers} and advertises a reachable address"


class KafkaCapture(CaptureAdapter):
    """Capture every topic of one Kafka cluster; see the module docstring.

    ``partitions``/``replication_factor``: for declared topics that :meth:`start` creates
    (``create_topics``). ``undeclared``: also capture topics no destination declares.
    ``timeout``: bound on each broker exchange and on a drain without progress.
    ``fetch_max_wait_ms``: the consumer's long-poll (some brokers, like Tansu, answer a fetch
    only when it expires, so it bounds the capture latency). ``client_options``: extra
    keyword arguments for every aiokafka client (security, SASL, client id...).
    """

    protocol = "kafka"

    def __init__(
        self,
        url: str,
        *,
        partitions: int = 3,
        topic_partitions: Mapping[str, int] | None = None,
        replication_factor: int = 1,
        create_topics: bool = True,
        undeclared: bool = True,
        timeout: float = 3.0,
        fetch_max_wait_ms: int = 20,
        refresh_interval: float = 0.2,
        client_options: Mapping[str, Any] | None = None,
    ) -> None:
        if partitions < 1 or replication_factor < 1:
            raise BrokerError(
                f"partitions ({partitions}) and replication_factor ({replication_factor}) "
                "must be at least 1"
            )
        self.servers = bootstrap_servers(url)
        self.url = "kafka://" + ",".join(self.servers)
        self.partitions = partitions
        self.topic_partitions = dict(topic_partitions or {})
        self.replication_factor = replication_factor
        self.create_topics = create_topics
        self.undeclared = undeclared
        self.timeout = timeout
        self.refresh_interval = refresh_interval
        self._options: dict[str, Any] = {
            "bootstrap_servers": self.servers,
            "request_timeout_ms": int(timeout * 1000) + fetch_max_wait_ms,
            "retry_backoff_ms": 20,
            **(client_options or {}),
        }
        self._fetch_max_wait_ms = fetch_max_wait_ms
        # shared with the pytest thread
        self._pending: deque[list[Captured]] = deque()
        self._received = 0
        self._waiters = 0
        self._cond = threading.Condition(threading.Lock())
        self._started = False
        self._closed = False
        # loop thread only
        self._selector = TopicSelector.of(())
        self._next: dict[Any, int] = {}  # TopicPartition -> offset after the last record read
        self._own: set[tuple[str, int, int]] = set()
        self._publishing = 0
        self._held: list[_Batch] = []
        self._seq = 0
        self._read_error: Exception | None = None
        self._consumer: Any = None
        self._probe: Any = None
        self._admin: Any = None
        self._producer: Any = None
        self._reader: asyncio.Task[None] | None = None
        self._tick = asyncio.Event()  # replaced and set after every fetch
        self._lock = asyncio.Lock()  # one topic listing + reassignment at a time
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="asyncapi-kafka", daemon=True
        )
        self._thread.start()
        try:
            self._run(self._connect(), "connect")
        except BrokerError:
            self.close()
            raise

    # -- the interface (pytest thread) ------------------------------------------------------

    def start(self, destinations: Sequence[str]) -> None:
        self._check_open()
        if self._started:
            raise BrokerError(
                "KafkaCapture.start() was already called",
                hint="pass every destination to one start() call",
            )
        self._started = True
        self._run(self._start(destinations), "start capturing")

    def drain(self, *, settle: bool = True) -> list[Captured]:
        self._check_open()
        if not self._started:
            raise BrokerError("KafkaCapture.drain() before start()", hint="call start() first")
        self._run(self._drain(), "drain")
        return self._hand_out()

    def take(self, timeout: float) -> list[Captured]:
        self._check_open()
        if not self._pending and timeout > 0 and self._started:
            refresher = asyncio.run_coroutine_threadsafe(self._refresh_while_waiting(), self._loop)
            try:
                self._wait_for_new(self._received, timeout)
            finally:
                refresher.cancel()
        return self._hand_out()

    def publish(
        self,
        destination: str,
        payload: bytes,
        headers: Mapping[str, str] | None = None,
        key: bytes | None = None,
        *,
        reply: str | None = None,
    ) -> None:
        self._check_open()
        if reply is not None:
            raise BrokerError(
                f"Kafka records have no reply subject (publishing to {destination!r})",
                hint="name the reply topic in the header the spec's reply address locates",
            )
        if "{" in destination:
            raise BrokerError(
                f"cannot publish to the topic template {destination!r}",
                hint="fill in the channel parameters to name a concrete topic",
            )
        encoded = [(k, v.encode()) for k, v in headers.items()] if headers else None
        self._run(self._publish(destination, payload, encoded, key), f"publish to {destination}")

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._loop.is_running():
            done = asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop)
            with contextlib.suppress(Exception):  # closing: nothing left to report it to
                done.result(4 * self.timeout + 1)
            self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(self.timeout + 1)
        if not self._thread.is_alive():
            self._loop.close()
        with self._cond:
            self._cond.notify_all()

    # -- pytest thread helpers --------------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise BrokerError(f"the Kafka capture of {self.url} is closed")

    def _run(self, work: Coroutine[Any, Any, _T], what: str) -> _T:
        """Run ``work`` in the loop thread; broker failures become :class:`BrokerError`."""
        from aiokafka.errors import KafkaError

        future = asyncio.run_coroutine_threadsafe(work, self._loop)
        try:
            return future.result()
        except BrokerError:
            raise
        except (KafkaError, OSError, asyncio.TimeoutError) as exc:
            problem = str(exc) or type(exc).__name__
            raise BrokerError(
                f"Kafka at {self.url}: {what} failed: {problem}",
                hint=_HINT.format(servers=",".join(self.servers)),
            ) from exc

    def _wait_for_new(self, seen: int, timeout: float) -> bool:
        with self._cond:
            self._waiters += 1
            try:
                return self._cond.wait_for(
                    lambda: self._received != seen or self._closed, timeout
                ) and (self._received != seen)
            finally:
                self._waiters -= 1

    def _hand_out(self) -> list[Captured]:
        out: list[Captured] = []
        extend = out.extend
        popleft = self._pending.popleft
        for _ in range(len(self._pending)):
            extend(popleft())
        return out

    # -- loop thread ------------------------------------------------------------------------

    async def _connect(self) -> None:
        from aiokafka import AIOKafkaConsumer
        from aiokafka.admin import AIOKafkaAdminClient

        self._admin = AIOKafkaAdminClient(**self._options)
        self._consumer = AIOKafkaConsumer(
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            fetch_max_wait_ms=self._fetch_max_wait_ms,
            **self._options,
        )
        await self._bounded(asyncio.gather(self._admin.start(), self._consumer.start()))

    async def _start_probe(self) -> None:
        """End offsets come from a second, idle consumer: on the capture consumer's connection
        they would queue behind its long-poll fetch. Started once the declared topics exist,
        so its first metadata knows them (a topic it does not know costs a retry backoff)."""
        from aiokafka import AIOKafkaConsumer

        self._probe = AIOKafkaConsumer(group_id=None, enable_auto_commit=False, **self._options)
        await self._bounded(self._probe.start())

    async def _start(self, destinations: Sequence[str]) -> None:
        self._selector = TopicSelector.of(destinations, undeclared=self.undeclared)
        if self.create_topics and self._selector.literal:
            await create_missing(
                self._admin,
                self._selector.literal,
                partitions=self.partitions,
                topic_partitions=self.topic_partitions,
                replication_factor=self.replication_factor,
                timeout=self.timeout,
            )
        await self._start_probe()
        self._reassign(await self._list(retry=True))
        partitions = list(self._next)
        ends = await self._end_offsets(partitions)
        for tp, end in ends.items():
            self._consumer.seek(tp, end)
        # an end offset of 0 is an empty log (one record makes it at least 1, on Tansu too):
        # it needs no fetch to confirm it
        await self._confirm_ends([tp for tp in partitions if ends[tp]], ends)
        self._reader = asyncio.create_task(self._read())

    async def _confirm_ends(self, partitions: list[Any], ends: dict[Any, int]) -> None:
        """Move each position to the high watermark of a fetch response (records before it
        were published before :meth:`start` returns). Tansu answers ListOffsets(latest) with
        the last batch's first offset + 1, short of the log end; a fetch tells the truth."""
        consumer = self._consumer
        deadline = time.monotonic() + self.timeout
        while any(consumer.highwater(tp) is None for tp in partitions):
            if time.monotonic() > deadline:
                raise asyncio.TimeoutError(f"no fetch response within {self.timeout} s")
            await consumer.getmany(timeout_ms=self._fetch_max_wait_ms)  # pre-start: dropped
        for tp in partitions:
            end = max(ends[tp], consumer.highwater(tp))
            consumer.seek(tp, end)
            self._next[tp] = end

    async def _list(self, *, retry: bool) -> list[Any]:
        """Every partition of every topic to capture (retrying until ``timeout``)."""
        from aiokafka import TopicPartition
        from aiokafka.errors import KafkaError

        deadline = time.monotonic() + self.timeout
        while True:
            try:
                described = await self._bounded(self._admin.describe_topics())
                break
            except (KafkaError, OSError):
                if not retry or time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.05)
        wants = self._selector.wants
        return [
            TopicPartition(t["topic"], p["partition"])
            for t in described
            if wants(t["topic"], internal=bool(t.get("is_internal")))
            for p in t["partitions"]
        ]

    def _reassign(self, found: list[Any]) -> list[Any]:
        """Assign ``found`` plus the partitions already read of topics still there; return
        the new ones, positioned at offset 0. Synchronous, so no fetch interleaves."""
        topics = {tp.topic for tp in found}
        kept = [tp for tp in self._next if tp.topic in topics]
        new = [tp for tp in dict.fromkeys(found) if tp not in self._next]
        if not new and len(kept) == len(self._next):
            return []
        self._consumer.assign(kept + new)
        self._next = {tp: self._next[tp] for tp in kept}
        for tp in kept:
            self._consumer.seek(tp, self._next[tp])
        for tp in new:
            self._consumer.seek(tp, 0)
            self._next[tp] = 0
        return new

    async def _refresh(self, *, retry: bool) -> None:
        self._reassign(await self._list(retry=retry))

    async def _refresh_while_waiting(self) -> None:
        from aiokafka.errors import KafkaError

        while True:
            async with self._lock:
                # take() promises nothing; drain() reports a dead broker
                with contextlib.suppress(KafkaError, OSError, asyncio.TimeoutError):
                    await self._refresh(retry=False)
            await asyncio.sleep(self.refresh_interval)

    async def _end_offsets(self, partitions: list[Any]) -> dict[Any, int]:
        if not partitions:
            return {}
        ends: dict[Any, int] = await self._bounded(self._probe.end_offsets(partitions))
        return ends

    async def _drain(self) -> None:
        async with self._lock:
            await self._refresh(retry=True)
            ends = await self._end_offsets(list(self._next))
        consumer = self._consumer
        stalled_at = time.monotonic() + self.timeout
        last = -1
        while True:
            if self._read_error is not None:
                error, self._read_error = self._read_error, None
                raise error
            if self._reader is not None and self._reader.done():
                raise BrokerError(f"the capture reader of {self.url} stopped: {self._reader!r}")
            tick = self._tick
            done = 0
            behind = []
            for tp, end in ends.items():
                if tp not in self._next:
                    continue  # the topic went away meanwhile
                position: int = await consumer.position(tp)
                done += min(position, end)
                if position < end:
                    behind.append(tp)
            if not behind:
                return
            if done != last:
                last, stalled_at = done, time.monotonic() + self.timeout
            remaining = stalled_at - time.monotonic()
            if remaining <= 0:
                raise asyncio.TimeoutError(
                    f"no progress for {self.timeout} s reading up to the end offsets of "
                    + ", ".join(f"{tp.topic}[{tp.partition}]" for tp in behind[:5])
                )
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(tick.wait(), remaining)

    async def _read(self) -> None:
        from aiokafka.errors import KafkaError

        consumer = self._consumer
        while True:
            try:
                batch = await consumer.getmany(timeout_ms=200)
            except KafkaError as exc:
                self._read_error = exc
                await asyncio.sleep(0.1)
                batch = {}
            now = time.time()
            for tp, records in batch.items():
                self._next[tp] = records[-1].offset + 1
                if self._publishing:
                    self._held.append((records, now))
                else:
                    self._accept(records, now)
            tick, self._tick = self._tick, asyncio.Event()
            tick.set()

    def _accept(self, records: list[Any], at: float) -> None:
        """Turn ``records`` (but the adapter's own publishes) into :class:`Captured` records
        for the pytest thread: built here, while the test runs, not at the drain."""
        own = self._own
        seq = self._seq
        out: list[Captured] = []
        append = out.append
        for r in records:
            if own:
                mine = (r.topic, r.partition, r.offset)
                if mine in own:
                    own.discard(mine)
                    continue
            seq += 1
            value = r.value
            headers = r.headers
            append(
                Captured(
                    r.topic,
                    b"" if value is None else value,
                    tuple((k, b"" if v is None else v) for k, v in headers) if headers else None,
                    at,
                    seq,
                    r.key,
                    r.partition,
                    r.offset,
                    r.timestamp,
                    None,
                    None,
                    value is None,
                )
            )
        if not out:
            return
        self._seq = seq
        observer = self.observer
        if observer is not None:
            observer(out)
        self._pending.append(out)
        self._received += len(out)
        if self._waiters:
            with self._cond:
                self._cond.notify_all()

    async def _publish(
        self, topic: str, payload: bytes, headers: list[tuple[str, bytes]] | None, key: bytes | None
    ) -> None:
        if self._producer is None:
            from aiokafka import AIOKafkaProducer

            producer = AIOKafkaProducer(**self._options)
            try:
                await self._bounded(producer.start())
            except BaseException:
                await producer.stop()
                raise
            self._producer = producer
        self._publishing += 1
        try:
            sent = await self._bounded(
                self._producer.send_and_wait(topic, payload, key=key, headers=headers)
            )
            self._own.add((sent.topic, sent.partition, sent.offset))
        finally:
            self._publishing -= 1
            if not self._publishing and self._held:
                held, self._held = self._held, []
                for records, at in held:
                    self._accept(records, at)

    async def _bounded(self, work: Any) -> Any:
        return await asyncio.wait_for(work, self.timeout)

    async def _shutdown(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            await asyncio.gather(self._reader, return_exceptions=True)
        clients = [self._producer, self._consumer, self._probe]
        stops = [c.stop() for c in clients if c is not None]
        if self._admin is not None:
            stops.append(self._admin.close())
        await asyncio.wait_for(asyncio.gather(*stops, return_exceptions=True), 3 * self.timeout)
