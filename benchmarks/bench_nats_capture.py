"""NATS capture against a bare nats-py subscriber, in the same run, alternating rounds.

Run: ``python benchmarks/bench_nats_capture.py [--count 100000] [--repeat 3]`` (~1 min).

A local nats-server; a publisher in another process (a raw socket writing pre-built PUB
frames, so it is never the bottleneck and does not share our GIL) sends ``count`` ~30-field
JSON events with 10 line items to one subject. Measured from "publisher go" to:

1. a bare nats-py subscriber has received every message (its callback only counts);
2. :class:`NatsCapture` alone (one ``>`` subscription) has handed out every record;
3. the plugin's path: a :class:`~pytest_asyncapi.check.recorder.Recorder` window over the capture,
   closed by ``end_test`` — an exact drain, then every message judged against a document that
   declares the subject with the event's schema (all must be valid);
4. and 1 and 2 again with ``large-count`` messages of 1 MB (the copies a reader makes show).

Then the cost of one ``drain()`` with no traffic (default settle), median of many. Each
round runs every mode once, in order; the median of ``repeat`` rounds is reported with its
ratio to the bare subscriber of the same message size. Read the ratios, not the rates.
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
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:
    from collections.abc import Callable

SUBJECT = "orders.created"


# -- publisher process -----------------------------------------------------------------------


def publisher(url: str, count: int, size: int | None = None) -> None:
    """Connect, build the frames, wait for "go" on stdin, send them all, confirm with PING.

    ``size``: payloads of about that many bytes (one JSON string field) instead of the event."""
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
        payload = orjson.dumps({"n": i, "blob": "x" * size} if size else event)
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

    def __init__(self, url: str, count: int, size: int | None = None) -> None:
        extra = ["--size", str(size)] if size else []
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--publish", url, "--count", str(count), *extra],
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


def bare_nats_py(url: str, count: int, validate: bool = False, size: int | None = None) -> float:
    """A bare nats-py subscriber whose callback only counts (``validate``: loads + is_valid)."""
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
        publisher = Publisher(url, count, size)
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


def capture(url: str, count: int, validate: bool, size: int | None = None) -> float:
    """:class:`NatsCapture` alone (``validate``: plus loads + is_valid in the pytest thread)."""
    from pytest_asyncapi.brokers.nats.capture import NatsCapture

    is_valid, loads = _validator()
    adapter = NatsCapture(url)
    adapter.start([SUBJECT])
    publisher = Publisher(url, count, size)
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


def capture_and_judge(url: str, count: int, spec_path: Path) -> float:
    """The plugin's path: a :class:`Recorder` window over :class:`NatsCapture`, from the
    publisher's go until ``end_test`` has drained exactly and judged every message."""
    from pytest_asyncapi.brokers.nats.capture import NatsCapture
    from pytest_asyncapi.check.recorder import Recorder
    from pytest_asyncapi.routing import Router, build_routes, machinery
    from pytest_asyncapi.spec.loader import load_spec

    spec = load_spec(spec_path)
    router = Router(build_routes([spec], "nats")[0], machinery=machinery("nats"))
    recorder = Recorder([spec], NatsCapture(url), router)
    recorder.start()
    recorder.begin_test("bench")
    publisher = Publisher(url, count)
    began = publisher.go()
    publisher.wait()  # the test body: the service has published everything
    outcome = recorder.end_test()
    ended = time.perf_counter()
    recorder.adapter.close()
    # valid messages are counted by the fast path; only the others get verdict objects
    valid = sum(outcome.valid.values()) + sum(v.outcome.value == "valid" for v in outcome.verdicts)
    if valid != count:
        raise RuntimeError(f"{valid} valid and {len(outcome.verdicts)} verdicts, {count} sent")
    return count / (ended - began)


def bench_spec(folder: Path) -> Path:
    """A document declaring the benchmark's subject with the event's schema."""
    from bench_validator import big_event

    path = folder / "bench.json"
    document = {
        "asyncapi": "3.0.0",
        "info": {"title": "bench", "version": "1"},
        "channels": {
            "orders": {
                "address": SUBJECT,
                "messages": {"created": {"payload": big_event()[0]}},
            }
        },
        "operations": {"publish": {"action": "send", "channel": {"$ref": "#/channels/orders"}}},
    }
    path.write_text(json.dumps(document))
    return path


def drain_overhead(url: str, drains: int = 400) -> tuple[float, float]:
    from pytest_asyncapi.brokers.nats.capture import NatsCapture

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
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--large-count", type=int, default=50)  # < 64 MB: max_pending
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--publish", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.publish:
        publisher(args.publish, args.count, args.size)
        return

    from pytest_asyncapi.brokers.provision import provision

    began = time.perf_counter()
    large = 1_000_000 - 64  # under the server's default max_payload of 1 MiB, framing included
    with tempfile.TemporaryDirectory() as folder, provision("nats", "local") as broker:
        url = broker.endpoint.url
        spec = bench_spec(Path(folder))
        modes = {
            BARE: lambda: bare_nats_py(url, args.count),
            "NatsCapture, capture alone": lambda: capture(url, args.count, False),
            "NatsCapture + Recorder (capture + judge)": lambda: capture_and_judge(
                url, args.count, spec
            ),
            BARE_LARGE: lambda: bare_nats_py(url, args.large_count, size=large),
            "NatsCapture alone, 1 MB messages": lambda: capture(
                url, args.large_count, False, size=large
            ),
        }
        rates: dict[str, list[float]] = {name: [] for name in modes}
        for _ in range(args.repeat):  # alternating: one run of every mode per round
            for name, run in modes.items():
                rates[name].append(run())
        median_us, p95_us = drain_overhead(url)
    size = len(orjson.dumps(_event()))
    print(
        f"{args.count:,} messages of {size} bytes and {args.large_count} of 1 MB; "
        f"median of {args.repeat} alternating rounds"
    )
    figures: dict[str, Any] = {}
    for name, values in rates.items():
        rate = statistics.median(values)
        base = statistics.median(rates[BARE_LARGE if "1 MB" in name else BARE])
        runs = ", ".join(f"{v:,.0f}" for v in values)
        print(f"  {name:44s} {rate:10,.0f} msg/s  {rate / base:5.2f}x   (runs: {runs})")
        figures[name] = {"msg_per_s": round(rate), "ratio": round(rate / base, 2)}
    print(f"  drain() with no traffic: median {median_us:,.0f} µs, p95 {p95_us:,.0f} µs")
    figures["drain_us"] = {"median": round(median_us), "p95": round(p95_us)}
    figures["total_seconds"] = round(time.perf_counter() - began, 1)
    print(json.dumps(figures))


BARE = "bare nats-py subscriber"
BARE_LARGE = "bare nats-py subscriber, 1 MB messages"


def _event() -> dict[str, Any]:
    from bench_validator import big_event

    return big_event()[1]


if __name__ == "__main__":
    main()
