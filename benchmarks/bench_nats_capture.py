"""NATS capture throughput against a bare nats-py subscriber, in the same run.

Run: ``python benchmarks/bench_nats_capture.py [--count 200000] [--repeat 1]`` (~25 s).

A local nats-server; a publisher in another process (a raw socket writing pre-built PUB
frames, so it is never the bottleneck and does not share our GIL) sends ``count`` ~30-field
JSON events with 10 line items to one subject. Measured from "publisher go" to:

1. a bare nats-py subscriber has received every message (its callback only counts);
2. :class:`NatsCapture` (that subject declared, plus the catch-all ``>``, so every message is
   delivered twice and recorded once) has captured every message;
3. the same, and every payload has been decoded (``orjson.loads``) and validated with the
   compiled schema (``compile_schema(...).is_valid``) in the pytest thread.

Then (4) the cost of one ``drain()`` with no traffic (default settle), median of many.
Each mode runs ``repeat`` times, alternating; the median is reported. Read the ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import socket
import statistics
import subprocess
import sys
import time
from typing import TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:
    from collections.abc import Callable

SUBJECT = "orders.created"


# -- publisher process -----------------------------------------------------------------------


def publisher(url: str, count: int) -> None:
    """Connect, build the frames, wait for "go" on stdin, send them all, confirm with PING."""
    from bench_validator import big_event

    host, port = url.removeprefix("nats://").rsplit(":", 1)
    sock = socket.create_connection((host, int(port)))
    sock.recv(65536)  # INFO
    sock.sendall(b'CONNECT {"verbose":false,"pedantic":false}\r\nPING\r\n')
    assert sock.recv(64).endswith(b"PONG\r\n")
    _, event = big_event()
    chunks, frames = [], []
    for i in range(count):
        event["orderId"] = f"ORD-{i:08d}"
        payload = orjson.dumps(event)
        frames.append(b"PUB %s %d\r\n%s\r\n" % (SUBJECT.encode(), len(payload), payload))
        if len(frames) == 512:
            chunks.append(b"".join(frames))
            frames = []
    chunks.append(b"".join(frames))
    print(f"ready {len(payload)}", flush=True)
    sys.stdin.readline()
    for chunk in chunks:
        sock.sendall(chunk)
    sock.sendall(b"PING\r\n")
    while not sock.recv(64).endswith(b"PONG\r\n"):
        pass
    sock.close()


class Publisher:
    """The publisher process, started and ready, waiting for :meth:`go`."""

    def __init__(self, url: str, count: int) -> None:
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--publish", url, "--count", str(count)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        assert line.startswith("ready"), line
        self.payload_size = int(line.split()[1])

    def go(self) -> float:
        assert self.process.stdin is not None
        began = time.perf_counter()
        self.process.stdin.write("go\n")
        self.process.stdin.flush()
        return began

    def wait(self) -> None:
        assert self.process.wait(60) == 0


# -- receivers -------------------------------------------------------------------------------


def bare_nats_py(url: str, count: int, validate: bool = False) -> float:
    import nats

    is_valid, loads = _validator()

    async def run() -> float:
        nc = await nats.connect(url)
        done = asyncio.get_running_loop().create_future()
        received = 0

        async def on_message(msg: Any) -> None:
            nonlocal received
            received += 1
            if validate and not is_valid(loads(msg.data)):
                raise RuntimeError("invalid payload")
            if received == count:
                done.set_result(time.perf_counter())

        await nc.subscribe(
            SUBJECT, cb=on_message, pending_msgs_limit=count, pending_bytes_limit=1 << 31
        )
        await nc.flush()
        publisher = Publisher(url, count)
        began = publisher.go()
        ended = await asyncio.wait_for(done, 120)
        publisher.wait()
        await nc.close()
        return count / (ended - began)

    return asyncio.run(run())


def _validator() -> tuple[Callable[[Any], bool], Callable[[bytes], Any]]:
    from bench_validator import big_event

    from pytest_asyncapi.schemas.compile import compile_schema
    from pytest_asyncapi.spec.model import SchemaSpec

    compiled = compile_schema(SchemaSpec(big_event()[0], "", "/x"))
    # values from orjson.loads are plain JSON: the capture path validates them trusted
    return functools.partial(compiled.is_valid, trusted=True), orjson.loads


def validation_ceiling(seconds: float = 1.0) -> float:
    """``loads`` + ``is_valid`` per second on one thread, no broker at all."""
    from bench_validator import big_event

    is_valid, loads = _validator()
    payload = orjson.dumps(big_event()[1])
    done, began = 0, time.perf_counter()
    while time.perf_counter() - began < seconds:
        for _ in range(1000):
            is_valid(loads(payload))
        done += 1000
    return done / (time.perf_counter() - began)


def capture(url: str, count: int, validate: bool) -> float:
    from pytest_asyncapi.brokers.nats import NatsCapture

    is_valid, loads = _validator()
    adapter = NatsCapture(url)
    adapter.start([SUBJECT])
    publisher = Publisher(url, count)
    began = publisher.go()
    seen = valid = 0
    while seen < count:
        records = adapter.take(5.0)
        if not records:
            raise RuntimeError(f"capture stalled after {seen} of {count} messages")
        seen += len(records)
        if validate:
            for record in records:
                valid += is_valid(loads(record.payload))
    ended = time.perf_counter()
    publisher.wait()
    assert adapter.drain() == [], "more messages than were published"
    adapter.close()
    if validate and valid != count:
        raise RuntimeError(f"only {valid} of {count} payloads were valid")
    return count / (ended - began)


def drain_overhead(url: str, drains: int = 400) -> tuple[float, float]:
    from pytest_asyncapi.brokers.nats import NatsCapture

    adapter = NatsCapture(url)
    adapter.start([SUBJECT])
    times = []
    for _ in range(drains):
        began = time.perf_counter()
        adapter.drain()
        times.append(time.perf_counter() - began)
    adapter.close()
    return statistics.median(times) * 1e6, sorted(times)[int(drains * 0.95)] * 1e6


# -- main ------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--publish", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.publish:
        publisher(args.publish, args.count)
        return

    from pytest_asyncapi.brokers.provision import provision

    began = time.perf_counter()
    with provision("nats", "local") as broker:
        url = broker.endpoint.url
        modes = {
            "bare nats-py subscriber": lambda: bare_nats_py(url, args.count),
            "NatsCapture (declared + catch-all)": lambda: capture(url, args.count, False),
            "NatsCapture + orjson + is_valid": lambda: capture(url, args.count, True),
            "(ref) nats-py + orjson + is_valid": lambda: bare_nats_py(url, args.count, True),
        }
        rates: dict[str, list[float]] = {name: [] for name in modes}
        for _ in range(args.repeat):
            for name, run in modes.items():
                rates[name].append(run())
        median_us, p95_us = drain_overhead(url)
    ceiling = validation_ceiling()
    size = len(orjson.dumps(_event()))
    print(f"{args.count:,} messages of {size} bytes, median of {args.repeat} runs each")
    base = statistics.median(rates["bare nats-py subscriber"])
    for name, values in rates.items():
        rate = statistics.median(values)
        runs = ", ".join(f"{v:,.0f}" for v in values)
        print(f"  {name:36s} {rate:10,.0f} msg/s  {rate / base:5.2f}x   (runs: {runs})")
    name = "(ref) orjson.loads + is_valid, no broker"
    print(f"  {name:36s} {ceiling:10,.0f} /s      {ceiling / base:5.2f}x")
    print(f"  drain() with no traffic: median {median_us:,.0f} µs, p95 {p95_us:,.0f} µs")
    print(json.dumps({"total_seconds": round(time.perf_counter() - began, 1)}))


def _event() -> dict[str, Any]:
    from bench_validator import big_event

    return big_event()[1]


if __name__ == "__main__":
    main()
