"""Kafka capture throughput against a bare aiokafka group-less consumer, in the same run.

Run: ``python benchmarks/bench_kafka_capture.py [--count 50000] [--repeat 3]`` (~30 s).

A fresh local Tansu for every measured run (its memory storage slows down as it fills, which
would favour whichever mode runs first), with a 3-partition topic filled beforehand with
``count`` keyed ~30-field JSON events with 10 line items (not timed), so every reader faces
the same backlog. Timed, each reading every record from offset 0:

1. a bare aiokafka consumer (``group_id=None``, manual assignment) that only counts;
2. :class:`KafkaCapture`, started before the topic existed: one ``drain()`` finds the new
   topic, takes its end offsets and returns every record as a ``Captured``;
3. the same, then every payload decoded (``orjson.loads``) and validated with the compiled
   schema (``compile_schema(...).is_valid``) in the calling thread;
4. (reference) the bare consumer decoding and validating as it reads.

Then the cost of ``drain()`` with no traffic (median and p95 of many; a test costs two,
``begin_test`` and ``end_test``), on an empty broker and on one holding ``count`` records
(Tansu answers ListOffsets in time proportional to what it stores; Kafka does not).
Modes alternate; medians are reported. Read the ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import statistics
import time
import uuid
from typing import TYPE_CHECKING, Any, TypeVar

import orjson

if TYPE_CHECKING:
    from collections.abc import Callable

PARTITIONS = 3
_T = TypeVar("_T")


def _validator() -> tuple[Callable[[Any], bool], Callable[[bytes], Any]]:
    from bench_validator import big_event

    from pytest_asyncapi.schemas.compile import compile_schema
    from pytest_asyncapi.spec.model import SchemaSpec

    compiled = compile_schema(SchemaSpec(big_event()[0], "", "/x"))
    # values from orjson.loads are plain JSON: the capture path validates them trusted
    return functools.partial(compiled.is_valid, trusted=True), orjson.loads


def fill(servers: str, count: int) -> str:
    """A new topic holding ``count`` keyed events; returns its name."""
    from aiokafka import AIOKafkaProducer
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic
    from bench_validator import big_event

    topic = "bench." + uuid.uuid4().hex[:10]
    _, event = big_event()

    async def run() -> None:
        admin = AIOKafkaAdminClient(bootstrap_servers=servers)
        await admin.start()
        await admin.create_topics([NewTopic(topic, PARTITIONS, 1)])
        await admin.close()
        producer = AIOKafkaProducer(bootstrap_servers=servers, linger_ms=5)
        await producer.start()
        pending = []
        for i in range(count):
            event["orderId"] = f"ORD-{i:08d}"
            key = b"customer-%d" % (i % 97)
            pending.append(await producer.send(topic, orjson.dumps(event), key=key))
            if len(pending) == 2000:
                await asyncio.gather(*pending)
                pending = []
        await asyncio.gather(*pending)
        await producer.stop()

    asyncio.run(run())
    return topic


def bare_aiokafka(servers: str, count: int, validate: bool = False) -> float:
    from aiokafka import AIOKafkaConsumer, TopicPartition

    topic = fill(servers, count)
    is_valid, loads = _validator()

    async def run() -> float:
        consumer = AIOKafkaConsumer(bootstrap_servers=servers, group_id=None)
        await consumer.start()
        partitions = [TopicPartition(topic, p) for p in range(PARTITIONS)]
        consumer.assign(partitions)
        began = time.perf_counter()
        for tp in partitions:
            consumer.seek(tp, 0)
        seen = valid = 0
        while seen < count:
            batch = await consumer.getmany(timeout_ms=1000)
            for records in batch.values():
                seen += len(records)
                if validate:
                    for record in records:
                        valid += is_valid(loads(record.value))
        ended = time.perf_counter()
        await consumer.stop()
        if validate and valid != count:
            raise RuntimeError(f"only {valid} of {count} payloads were valid")
        return count / (ended - began)

    return asyncio.run(run())


def capture(url: str, count: int, validate: bool) -> float:
    from pytest_asyncapi.brokers.kafka.capture import KafkaCapture

    is_valid, loads = _validator()
    adapter = KafkaCapture(url)
    adapter.start([])
    fill(url.split("://", 1)[1], count)
    began = time.perf_counter()
    records = adapter.drain()
    valid = sum(is_valid(loads(r.payload)) for r in records) if validate else count
    ended = time.perf_counter()
    adapter.close()
    if len(records) != count or valid != count:
        raise RuntimeError(f"captured {len(records)}, {valid} valid, of {count}")
    return count / (ended - began)


def drain_overhead(url: str, drains: int = 400) -> tuple[float, float]:
    from pytest_asyncapi.brokers.kafka.capture import KafkaCapture

    adapter = KafkaCapture(url)
    adapter.start(["orders.events", "payments.events"])
    times = []
    for _ in range(drains):
        began = time.perf_counter()
        adapter.drain()
        times.append(time.perf_counter() - began)
    adapter.close()
    return statistics.median(times) * 1e3, sorted(times)[int(drains * 0.95)] * 1e3


def on_fresh_broker(run: Callable[[str], _T]) -> _T:
    from pytest_asyncapi.brokers.local_binary import start_local

    broker = start_local("kafka")
    try:
        return run(broker.endpoint.url)
    finally:
        broker.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    count = args.count

    def servers(url: str) -> str:
        return url.split("://", 1)[1]

    def loaded_overhead(url: str) -> tuple[float, float]:
        fill(servers(url), count)
        return drain_overhead(url)

    began = time.perf_counter()
    modes: dict[str, Callable[[str], float]] = {
        "bare aiokafka (group-less)": lambda url: bare_aiokafka(servers(url), count),
        "KafkaCapture drain": lambda url: capture(url, count, False),
        "KafkaCapture + orjson + is_valid": lambda url: capture(url, count, True),
        "(ref) aiokafka + orjson + is_valid": lambda url: bare_aiokafka(servers(url), count, True),
    }
    rates: dict[str, list[float]] = {name: [] for name in modes}
    for _ in range(args.repeat):
        for name, run in modes.items():
            rates[name].append(on_fresh_broker(run))
    empty = on_fresh_broker(drain_overhead)
    loaded = on_fresh_broker(loaded_overhead)
    size = len(orjson.dumps(_event()))
    print(f"{count:,} records of {size} bytes on {PARTITIONS} partitions, median of {args.repeat}")
    base = statistics.median(rates["bare aiokafka (group-less)"])
    for name, values in rates.items():
        rate = statistics.median(values)
        runs = ", ".join(f"{v:,.0f}" for v in values)
        print(f"  {name:36s} {rate:10,.0f} rec/s  {rate / base:5.2f}x   (runs: {runs})")
    for label, (median_ms, p95_ms) in (("empty broker", empty), (f"{count:,} stored", loaded)):
        print(
            f"  drain() with no traffic, {label}: median {median_ms:.2f} ms, p95 {p95_ms:.2f} ms"
            f" (a test: two drains)"
        )
    print(json.dumps({"total_seconds": round(time.perf_counter() - began, 1)}))


def _event() -> dict[str, Any]:
    from bench_validator import big_event

    return big_event()[1]


if __name__ == "__main__":
    main()
