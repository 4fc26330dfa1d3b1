"""The plugin's real path, end to end inside pytest, against a bare client that only receives.

Run: ``python benchmarks/bench_real_path.py [--protocol nats|kafka|mqtt|amqp|both|all]
[--count N] [--repeat 3]`` (NATS: ~20 s; Kafka: ~30 s; MQTT ~20 s; AMQP ~40 s).

Real path: a pytest run in a subprocess with ``--asyncapi`` on a local broker, whose one test
starts a publisher process that sends ``count`` valid ~200-byte JSON events to the declared
channel. The clock runs from the publisher's "go" (inside the test) to the moment the plugin
has drained the window and judged every message (a hook wrapper outside the plugin's own
``pytest_runtest_call`` reads it); the test's report must then count ``count`` valid
messages and nothing else, or the benchmark stops.

Baseline, same broker, same publisher: a bare client (nats-py subscriber; group-less aiokafka
consumer; aiomqtt subscriber at QoS 1; aio-pika consumer of an exclusive queue bound to the
exchange, no acks) that only counts, timed from "go" to its last message. The two alternate,
``repeat`` rounds each; the medians are compared. Kafka gets a fresh Tansu per round (its
memory storage slows as it fills, which would favour whichever mode runs first).

``--memory N``: one more real-path run of 10 tests of N messages each (10 N in one session),
printing the process's peak RSS after the 2nd and after the 10th test: flat means bounded.

The publishers (``--publish``) are never the bottleneck for NATS (a raw socket writing
pre-built PUB frames); for Kafka an aiokafka producer (batched sends) in its own process; for
MQTT paho-mqtt at QoS 1 (no in-flight limit, done when every PUBACK is in); for AMQP a raw
socket writing pre-built publish frames (pamqp) on a channel in confirm mode, done at the
last confirm, to the document's topic exchange.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SUBJECT = "bench.events"
TOPIC = "bench.events"
PARTITIONS = 3
EVENT_SIZE = 200
EXCHANGE = "bench"
"""The AMQP topic exchange of the bench document (the capture declares it, not durable)."""

SPEC = """\
asyncapi: 3.0.0
info: {{title: Real path bench, version: '1.0.0'}}
servers:
  local: {{host: 'localhost', protocol: {protocol}}}
defaultContentType: application/json
channels:
  events:
    address: {address}
    messages:
      Event: {{$ref: '#/components/messages/Event'}}
    bindings:
      kafka: {{topic: {address}, partitions: {partitions}}}
      amqp: {{is: routingKey, exchange: {{name: {exchange}, type: topic}}}}
operations:
  sendEvents:
    action: send
    channel: {{$ref: '#/channels/events'}}
components:
  messages:
    Event:
      payload:
        type: object
        required: [eventId, occurredAt, userId, kind, score]
        additionalProperties: false
        properties:
          eventId: {{type: string, format: uuid}}
          occurredAt: {{type: string, format: date-time}}
          userId: {{type: string, pattern: '^user-[0-9]{{8}}$'}}
          kind: {{type: string, enum: [signup, login, logout]}}
          email: {{type: string, format: email}}
          score: {{type: integer, minimum: 0}}
          note: {{type: string, maxLength: 120}}
"""


def event(i: int) -> bytes:
    """A valid event of exactly :data:`EVENT_SIZE` bytes (its ``note`` pads it)."""
    import orjson

    body = {
        "eventId": "123e4567-e89b-12d3-a456-426614174000",
        "occurredAt": "2026-05-01T10:00:00.123Z",
        "userId": f"user-{i % 100_000_000:08d}",
        "kind": "signup",
        "email": "ada@example.com",
        "score": i,
        "note": "",
    }
    pad = EVENT_SIZE - len(orjson.dumps(body))
    body["note"] = "x" * pad
    encoded = orjson.dumps(body)
    assert len(encoded) == EVENT_SIZE, len(encoded)
    return encoded


# -- publisher processes -----------------------------------------------------------------------


def publish_nats(url: str, count: int) -> None:
    """Build every PUB frame, say "ready", wait for "go", send them, confirm with PING."""
    host, port = url.removeprefix("nats://").rsplit(":", 1)
    sock = socket.create_connection((host, int(port)))
    sock.recv(65536)  # INFO
    sock.sendall(b'CONNECT {"verbose":false,"pedantic":false}\r\nPING\r\n')
    assert sock.recv(64).endswith(b"PONG\r\n")
    chunks, frames = [], []
    for i in range(count):
        payload = event(i)
        frames.append(b"PUB %s %d\r\n%s\r\n" % (SUBJECT.encode(), len(payload), payload))
        if len(frames) == 512:
            chunks.append(b"".join(frames))
            frames = []
    chunks.append(b"".join(frames))
    print("ready", flush=True)
    sys.stdin.readline()
    for chunk in chunks:
        sock.sendall(chunk)
    sock.sendall(b"PING\r\n")
    while not sock.recv(64).endswith(b"PONG\r\n"):
        pass
    sock.close()


def publish_kafka(servers: str, count: int) -> None:
    """Connect a producer, say "ready", wait for "go", send every record, flush."""
    from aiokafka import AIOKafkaProducer

    payloads = [event(i) for i in range(count)]
    keys = [b"user-%d" % (i % 97) for i in range(count)]

    async def run() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=servers, linger_ms=5, max_batch_size=1 << 20)
        await producer.start()
        print("ready", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        pending = []
        for payload, key in zip(payloads, keys, strict=True):
            pending.append(await producer.send(TOPIC, payload, key=key))
            if len(pending) == 5000:
                await asyncio.gather(*pending)
                pending = []
        await asyncio.gather(*pending)
        await producer.stop()

    asyncio.run(run())


def publish_mqtt(url: str, count: int) -> None:
    """Connect paho-mqtt, say "ready", wait for "go", publish at QoS 1, wait for every PUBACK."""
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    host, port = url.split("://", 1)[1].rsplit(":", 1)
    payloads = [event(i) for i in range(count)]
    client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    client.max_inflight_messages_set(0)  # unlimited (a limit costs paho O(in flight) per ack)
    client.max_queued_messages_set(0)
    client.connect(host, int(port))
    client.loop_start()
    print("ready", flush=True)
    sys.stdin.readline()
    infos = [client.publish(SUBJECT, payload, qos=1) for payload in payloads]
    for info in infos:
        info.wait_for_publish(60)
    client.disconnect()
    client.loop_stop()


def publish_amqp(url: str, count: int) -> None:
    """A raw AMQP 0-9-1 socket (frames built with pamqp): handshake, a channel in confirm
    mode, every publish frame built; say "ready", wait for "go", send them, read the acks."""
    from pamqp import commands, frame
    from pamqp.body import ContentBody
    from pamqp.exceptions import UnmarshalingException
    from pamqp.header import ContentHeader, ProtocolHeader

    host, port = url.split("://", 1)[1].rsplit(":", 1)
    sock = socket.create_connection((host, int(port)))
    buffer = b""

    def read() -> Any:
        nonlocal buffer
        while True:
            try:
                used, _, value = frame.unmarshal(buffer)
            except UnmarshalingException:  # an incomplete frame: read more
                buffer += sock.recv(1 << 16)
                continue
            buffer = buffer[used:]
            return value

    sock.sendall(frame.marshal(ProtocolHeader(), 0))
    read()  # Connection.Start
    sock.sendall(frame.marshal(commands.Connection.StartOk(response="\0guest\0guest"), 0))
    tune = read()
    sock.sendall(frame.marshal(commands.Connection.TuneOk(tune.channel_max, tune.frame_max, 0), 0))
    sock.sendall(frame.marshal(commands.Connection.Open(), 0))
    read()  # OpenOk
    sock.sendall(frame.marshal(commands.Channel.Open(), 1))
    read()
    sock.sendall(frame.marshal(commands.Confirm.Select(), 1))
    read()
    sock.sendall(
        frame.marshal(commands.Exchange.Declare(exchange=EXCHANGE, exchange_type="topic"), 1)
    )
    read()
    publish = frame.marshal(commands.Basic.Publish(exchange=EXCHANGE, routing_key=SUBJECT), 1)
    chunks, frames = [], []
    for i in range(count):
        payload = event(i)
        frames += [
            publish,
            frame.marshal(ContentHeader(0, len(payload), commands.Basic.Properties()), 1),
            frame.marshal(ContentBody(payload), 1),
        ]
        if len(frames) >= 1536:
            chunks.append(b"".join(frames))
            frames = []
    chunks.append(b"".join(frames))
    print("ready", flush=True)
    sys.stdin.readline()
    for chunk in chunks:
        sock.sendall(chunk)
    confirmed = 0
    while confirmed < count:
        ack = read()
        if not isinstance(ack, commands.Basic.Ack):
            raise RuntimeError(f"expected a confirm, got {ack!r}")
        confirmed = ack.delivery_tag
    sock.close()


class Publisher:
    """A publisher process, connected and ready, waiting for :meth:`go`."""

    def __init__(self, protocol: str, url: str, count: int) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                str(HERE / "bench_real_path.py"),
                "--publish",
                protocol,
                url,
                "--count",
                str(count),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        assert line.startswith("ready"), f"publisher did not start: {line!r}"

    def go(self) -> float:
        assert self.process.stdin is not None
        began = time.perf_counter()
        self.process.stdin.write("go\n")
        self.process.stdin.flush()
        return began

    def wait(self) -> None:
        assert self.process.wait(300) == 0, "the publisher failed"


# -- bare clients ------------------------------------------------------------------------------


def bare_nats(url: str, count: int) -> float:
    """Seconds from "go" until a bare nats-py subscriber has received ``count`` messages."""
    import nats

    async def run() -> float:
        nc = await nats.connect(url)
        done = asyncio.get_running_loop().create_future()
        received = 0

        async def on_message(msg: Any) -> None:
            nonlocal received
            received += 1
            if received == count:
                done.set_result(time.perf_counter())

        await nc.subscribe(
            SUBJECT, cb=on_message, pending_msgs_limit=count + 1, pending_bytes_limit=1 << 32
        )
        await nc.flush()
        publisher = Publisher("nats", url, count)
        began = publisher.go()
        ended: float = await asyncio.wait_for(done, 300)
        publisher.wait()
        await nc.close()
        return ended - began

    return asyncio.run(run())


def bare_mqtt(url: str, count: int) -> float:
    """Seconds from "go" until a bare aiomqtt subscriber (QoS 1) has received ``count``."""
    import aiomqtt

    host, port = url.split("://", 1)[1].rsplit(":", 1)

    async def run() -> float:
        async with aiomqtt.Client(
            host, int(port), protocol=aiomqtt.ProtocolVersion.V5, max_queued_incoming_messages=0
        ) as client:
            await client.subscribe(SUBJECT, qos=1)
            publisher = await asyncio.to_thread(Publisher, "mqtt", url, count)
            began = publisher.go()
            received = 0
            async for _ in client.messages:
                received += 1
                if received == count:
                    break
            ended = time.perf_counter()
            await asyncio.to_thread(publisher.wait)
        return ended - began

    return asyncio.run(run())


def bare_amqp(url: str, count: int) -> float:
    """Seconds from "go" until a bare aio-pika consumer (an exclusive queue bound to the
    exchange with ``#``, no acks) has received ``count`` messages."""
    import aio_pika

    async def run() -> float:
        connection = await aio_pika.connect(url)
        channel = await connection.channel()
        exchange = await channel.declare_exchange(EXCHANGE, aio_pika.ExchangeType.TOPIC)
        queue = await channel.declare_queue(exclusive=True, auto_delete=True)
        await queue.bind(exchange, "#")
        done = asyncio.get_running_loop().create_future()
        received = 0

        async def on_message(message: Any) -> None:
            nonlocal received
            received += 1
            if received == count:
                done.set_result(time.perf_counter())

        await queue.consume(on_message, no_ack=True)
        publisher = await asyncio.to_thread(Publisher, "amqp", url, count)
        began = publisher.go()
        ended: float = await asyncio.wait_for(done, 300)
        await asyncio.to_thread(publisher.wait)
        await connection.close()
        return ended - began

    return asyncio.run(run())


def bare_kafka(url: str, count: int) -> float:
    """Seconds from "go" until a bare group-less aiokafka consumer has read ``count`` records."""
    from aiokafka import AIOKafkaConsumer, TopicPartition
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic

    servers = url.split("://", 1)[1]

    async def run() -> float:
        admin = AIOKafkaAdminClient(bootstrap_servers=servers)
        await admin.start()
        await admin.create_topics([NewTopic(TOPIC, PARTITIONS, 1)])
        await admin.close()
        consumer = AIOKafkaConsumer(bootstrap_servers=servers, group_id=None)
        await consumer.start()
        partitions = [TopicPartition(TOPIC, p) for p in range(PARTITIONS)]
        consumer.assign(partitions)
        await consumer.seek_to_end(*partitions)
        for tp in partitions:
            await consumer.position(tp)
        publisher = await asyncio.to_thread(Publisher, "kafka", servers, count)
        began = publisher.go()
        seen = 0
        while seen < count:
            batch = await consumer.getmany(timeout_ms=200)
            seen += sum(len(records) for records in batch.values())
        ended = time.perf_counter()
        await asyncio.to_thread(publisher.wait)
        await consumer.stop()
        return ended - began

    return asyncio.run(run())


# -- the real path -----------------------------------------------------------------------------

CONFTEST = '''
import json, os, resource, time

import pytest
from pytest_asyncapi.check.recorder import Recorder


def peak_rss_mb():
    """This process's own peak: ru_maxrss would start at the parent's (Linux keeps it across
    the vfork + exec of subprocess), so a large benchmark parent hid the child's figure."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


RESULTS = []
ENDING = []
_end_test = Recorder.end_test


def _timed(recorder):
    began = time.perf_counter()
    try:
        return _end_test(recorder)
    finally:
        ENDING.append(time.perf_counter() - began)


Recorder.end_test = _timed  # measured only: the plugin's drain and judging after the test


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_call(item):
    """Outside the plugin's wrapper: when it returns, the window is drained and judged."""
    try:
        return (yield)
    finally:
        item.user_properties.append(("ended", time.perf_counter()))


def pytest_runtest_logreport(report):
    if report.when != "call":
        return
    record = getattr(report, "asyncapi", None)
    props = dict(report.user_properties)
    RESULTS.append({
        "outcome": report.outcome,
        "seconds": props.get("ended", 0.0) - props.get("began", 0.0),
        "publish_seconds": props.get("published", 0.0) - props.get("began", 0.0),
        "end_seconds": ENDING[-1] if ENDING else 0.0,
        "counts": record["counts"] if record else None,
        "undeclared": record["undeclared"] if record else None,
        "peak_rss_mb": peak_rss_mb(),
    })


def pytest_sessionfinish(session):
    with open(os.environ["BENCH_OUT"], "w") as out:
        json.dump(RESULTS, out)
'''

TEST = """
import time
import pytest
from bench_real_path import Publisher

@pytest.mark.parametrize("round", range({tests}))
def test_publish(asyncapi_broker, record_property, round):
    publisher = Publisher({protocol!r}, {target}, {count})
    record_property("began", publisher.go())
    publisher.wait()
    record_property("published", time.perf_counter())
"""


@dataclass
class RealRun:
    seconds: list[float]
    """Per test: publisher "go" -> every message of the window judged."""
    peak_rss_mb: list[float]
    publish_seconds: list[float]
    """Per test: publisher "go" -> the publisher done (capture runs meanwhile)."""
    end_seconds: list[float]
    """Per test: the plugin's drain and judging of the window, after the test body."""


def real_path(protocol: str, url: str, count: int, tests: int = 1) -> RealRun:
    """Run the pytest subprocess; check each test counted ``count`` valid messages only."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        address = TOPIC if protocol == "kafka" else SUBJECT
        (folder / "spec.yaml").write_text(
            SPEC.format(
                protocol=protocol, address=address, partitions=PARTITIONS, exchange=EXCHANGE
            )
        )
        (folder / "conftest.py").write_text(CONFTEST)
        target = "asyncapi_broker.servers" if protocol == "kafka" else "asyncapi_broker.url"
        (folder / "test_real_path.py").write_text(
            TEST.format(tests=tests, protocol=protocol, target=target, count=count)
        )
        out = folder / "results.json"
        env = {
            **{k: v for k, v in os.environ.items() if k not in ("NATS_URL", "ASYNCAPI_BROKER")},
            "BENCH_OUT": str(out),
            "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]),
        }
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                "-p",
                "no:xdist",
                "--asyncapi",
                "spec.yaml",
                "--asyncapi-broker",
                url,
            ],
            cwd=folder,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0 or not out.exists():
            output = done.stdout[-3000:] + done.stderr[-3000:]
            raise SystemExit(f"real-path pytest run failed:\n{output}")
        results = json.loads(out.read_text())
    for result in results:
        counts = {(c[3]): c[4] for c in result["counts"] or []}
        if result["outcome"] != "passed" or counts != {"valid": count} or result["undeclared"]:
            raise SystemExit(f"the real path did not judge {count} valid messages: {result}")
    return RealRun(
        [r["seconds"] for r in results],
        [r["peak_rss_mb"] for r in results],
        [r["publish_seconds"] for r in results],
        [r["end_seconds"] for r in results],
    )


# -- rounds ------------------------------------------------------------------------------------


@dataclass
class Comparison:
    protocol: str
    count: int
    real: list[float]
    bare: list[float]
    publish: list[float]
    ending: list[float]

    @property
    def real_rate(self) -> float:
        return self.count / statistics.median(self.real)

    @property
    def bare_rate(self) -> float:
        return self.count / statistics.median(self.bare)

    @property
    def ratio(self) -> float:
        return self.real_rate / self.bare_rate

    def lines(self) -> list[str]:
        per_real = statistics.median(self.real) / self.count * 1e6
        per_bare = statistics.median(self.bare) / self.count * 1e6
        return [
            f"{self.protocol}: {self.count:,} events of {EVENT_SIZE} bytes, "
            f"median of {len(self.real)} alternating rounds",
            f"  plugin real path (publish -> drain -> judge) {self.real_rate:12,.0f} msg/s "
            f"{per_real:6.2f} µs/msg  (runs: {', '.join(f'{s:.2f}s' for s in self.real)})",
            f"  bare client, receive only                  {self.bare_rate:12,.0f} msg/s "
            f"{per_bare:6.2f} µs/msg  (runs: {', '.join(f'{s:.2f}s' for s in self.bare)})",
            f"  real path split: publishing (capture meanwhile) "
            f"{statistics.median(self.publish) / self.count * 1e6:.2f} µs/msg, then drain + "
            f"judge {statistics.median(self.ending) / self.count * 1e6:.2f} µs/msg, the rest "
            "(the test's start, hooks) is the difference",
            f"  ratio {self.ratio:.2f}x",
        ]


def compare(protocol: str, count: int, repeat: int) -> Comparison:
    """Alternating rounds of the real path and the bare client, on the same kind of broker."""
    from pytest_asyncapi.brokers.local_binary import start_local

    runs: list[RealRun] = []
    bare: list[float] = []
    if protocol != "kafka":
        broker = start_local(protocol, startup_timeout=60)
        try:
            url = broker.endpoint.url
            for _ in range(repeat):
                runs.append(real_path(protocol, url, count))
                bare.append(fresh_bare(protocol, url, count))
        finally:
            broker.stop()
    else:
        for _ in range(repeat):
            for mode in ("real", "bare"):
                broker = start_local("kafka")
                try:
                    url = broker.endpoint.url
                    if mode == "real":
                        runs.append(real_path("kafka", url, count))
                    else:
                        bare.append(fresh_bare("kafka", url, count))
                finally:
                    broker.stop()
    return Comparison(
        protocol,
        count,
        [r.seconds[0] for r in runs],
        bare,
        [r.publish_seconds[0] for r in runs],
        [r.end_seconds[0] for r in runs],
    )


def memory(count: int) -> RealRun:
    """10 tests of ``count`` messages each in one NATS session."""
    from pytest_asyncapi.brokers.local_binary import start_local

    broker = start_local("nats")
    try:
        return real_path("nats", broker.endpoint.url, count, tests=10)
    finally:
        broker.stop()


BARE = {"nats": bare_nats, "kafka": bare_kafka, "mqtt": bare_mqtt, "amqp": bare_amqp}


def fresh_bare(protocol: str, url: str, count: int) -> float:
    """The bare client's seconds, measured in a fresh interpreter as the real path's pytest is:
    run in this process, its figure moved with what the process had done before (a large
    heap from earlier benchmark rows: 160-240 k msg/s for the same NATS client)."""
    done = subprocess.run(
        [
            sys.executable,
            str(HERE / "bench_real_path.py"),
            *("--bare", protocol, url, "--count", str(count)),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"the bare {protocol} client failed:\n{done.stderr[-3000:]}")
    return float(done.stdout.split()[-1])


PUBLISH = {"nats": publish_nats, "kafka": publish_kafka, "mqtt": publish_mqtt, "amqp": publish_amqp}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--protocol", choices=("nats", "kafka", "mqtt", "amqp", "both", "all"), default="both"
    )
    parser.add_argument("--count", type=int, default=None, help="NATS 200 k, the others 50 k")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--memory", type=int, default=0, metavar="N")
    parser.add_argument("--publish", nargs=2, metavar=("PROTOCOL", "URL"), help=argparse.SUPPRESS)
    parser.add_argument("--bare", nargs=2, metavar=("PROTOCOL", "URL"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare:
        protocol, url = args.bare
        print(BARE[protocol](url, args.count))
        return
    if args.publish:
        protocol, url = args.publish
        PUBLISH[protocol](url, args.count)
        return
    protocols = {"both": ("nats", "kafka"), "all": ("nats", "kafka", "mqtt", "amqp")}.get(
        args.protocol, (args.protocol,)
    )
    for protocol in protocols:
        count = args.count or (200_000 if protocol == "nats" else 50_000)
        for line in compare(protocol, count, args.repeat).lines():
            print(line)
    if args.memory:
        run = memory(args.memory)
        print(
            f"memory: 10 tests x {args.memory:,} NATS messages: peak RSS after test 2 "
            f"{run.peak_rss_mb[1]:.0f} MB, after test 10 {run.peak_rss_mb[-1]:.0f} MB"
        )


if __name__ == "__main__":
    main()
