"""Kafka capture beyond the shared suite, on a local Tansu: groups undisturbed, exact windows
over keyed partitions, topic patterns and new topics, records kept whole, errors; the observer
(each list of records, in the capture thread) and a window counted while the test runs."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections import Counter
from typing import TYPE_CHECKING, Any

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from pytest_asyncapi.brokers.kafka.capture import KafkaCapture
from pytest_asyncapi.brokers.kafka.topics import TopicSelector, bootstrap_servers
from pytest_asyncapi.brokers.local_binary import start_local
from pytest_asyncapi.check.recorder import Recorder
from pytest_asyncapi.errors import BrokerError
from pytest_asyncapi.routing import Router, build_routes
from pytest_asyncapi.spec.loader import load_spec
from tests.support.kafka_clients import AiokafkaClient

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from pytest_asyncapi.brokers.endpoints import ProvisionedBroker
    from pytest_asyncapi.captured import Captured


@pytest.fixture(scope="module")
def broker() -> Iterator[ProvisionedBroker]:
    started = start_local("kafka")
    yield started
    started.stop()


@pytest.fixture
def url(broker: ProvisionedBroker) -> str:
    return broker.endpoint.url


@pytest.fixture
def client(url: str) -> Iterator[AiokafkaClient]:
    made = AiokafkaClient(url.split("://", 1)[1])
    yield made
    made.close()


@pytest.fixture
def capture(url: str) -> Iterator[KafkaCapture]:
    adapter = KafkaCapture(url)
    yield adapter
    adapter.close()


@pytest.fixture
def p() -> str:
    return "k" + uuid.uuid4().hex[:10]


def admin_call(client: AiokafkaClient, what: str, *args: Any) -> Any:
    async def run() -> Any:
        admin = AIOKafkaAdminClient(bootstrap_servers=client.servers)
        await admin.start()
        try:
            return await getattr(admin, what)(*args)
        finally:
            await admin.close()

    return client.call(run())


def partition_counts(client: AiokafkaClient, *topics: str) -> dict[str, int]:
    described = admin_call(client, "describe_topics", list(topics))
    return {t["topic"]: len(t["partitions"]) for t in described}


# -- the application's consumer group is not disturbed ----------------------------------


def test_application_group_receives_everything_while_captured(
    capture: KafkaCapture, client: AiokafkaClient, p: str
) -> None:
    topic = f"{p}.orders"
    groups_before = {g[0] for g in admin_call(client, "list_consumer_groups")}
    capture.start([topic])
    member = client.group_member(topic, group=f"{p}-app")
    sent = [(topic, b"order-%d" % i, None, b"customer-%d" % (i % 7)) for i in range(300)]
    client.publish_keyed(sent)
    captured = capture.drain()
    assert sorted(r.payload for r in captured) == sorted(m[1] for m in sent)
    received = member.wait_for(len(sent), 30)
    assert sorted(payload for _, payload, _ in received) == sorted(m[1] for m in sent)
    groups_after = {g[0] for g in admin_call(client, "list_consumer_groups")}
    assert groups_after <= groups_before | {f"{p}-app"}  # the capture made no group
    (described,) = admin_call(client, "describe_consumer_groups", [f"{p}-app"])
    (group,) = described.groups
    assert group[1:3] == (f"{p}-app", "Stable")
    assert len(group[5]) == 1  # the application's member alone


# -- exact windows ------------------------------------------------------------------------


def test_keyed_three_partition_topic_over_20_windows_exactly(
    capture: KafkaCapture, client: AiokafkaClient, p: str
) -> None:
    topic = f"{p}.payments"
    capture.start([topic])
    assert partition_counts(client, topic) == {topic: 3}
    seen: list[tuple[int, int]] = []
    for window in range(20):
        count = (window * 11) % 37 + 1
        batch = [
            (topic, b"w%d-%d" % (window, i), {"window": str(window)}, b"key-%d" % (i % 5))
            for i in range(count)
        ]
        acked = client.publish_keyed(batch)
        records = capture.drain()
        assert Counter((r.payload, r.key) for r in records) == Counter(
            (payload, key) for _, payload, _, key in batch
        ), f"window {window}"
        assert {(r.partition, r.offset) for r in records} == {(pt, o) for _, pt, o in acked}
        assert all(r.headers == (("window", str(window).encode()),) for r in records)
        seen.extend((r.partition or 0, r.offset or 0) for r in records)
    assert len(seen) == len(set(seen))
    for partition in {pt for pt, _ in seen}:
        offsets = sorted(o for pt, o in seen if pt == partition)
        assert offsets == list(range(offsets[0], offsets[0] + len(offsets)))  # no gap
    assert len({pt for pt, _ in seen}) == 3  # the keys spread over every partition
    assert capture.drain() == []


def test_records_published_before_start_are_not_captured(
    url: str, client: AiokafkaClient, p: str
) -> None:
    topic = f"{p}.before"
    # several records in one batch: Tansu's ListOffsets answers short of such a batch's end
    client.publish([(topic, b"old-%d" % i, None) for i in range(5)])
    adapter = KafkaCapture(url)
    try:
        adapter.start([topic])
        client.publish([(topic, b"new", None)])
        assert [r.payload for r in adapter.drain()] == [b"new"]
    finally:
        adapter.close()


def test_drain_is_bounded_under_continuous_traffic(capture: KafkaCapture, url: str, p: str) -> None:
    topic = f"{p}.busy"
    capture.start([topic])
    stop = threading.Event()
    acked: list[tuple[int, int]] = []

    async def flood() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=url.split("://", 1)[1], linger_ms=2)
        await producer.start()
        try:
            while not stop.is_set():
                sent = await producer.send_and_wait(topic, b"x")
                acked.append((sent.partition, sent.offset))
        finally:
            await producer.stop()

    thread = threading.Thread(target=asyncio.run, args=(flood(),))
    thread.start()
    try:
        records = capture.take(10)
        assert records
        began = time.monotonic()
        records += capture.drain()
        elapsed = time.monotonic() - began
    finally:
        stop.set()
        thread.join(10)
    records += capture.drain()
    assert elapsed < 1.0
    assert sorted((r.partition, r.offset) for r in records) == sorted(acked)


# -- which topics ---------------------------------------------------------------------------


def test_pattern_captures_a_topic_created_after_start(
    url: str, client: AiokafkaClient, p: str
) -> None:
    template = f"smartylighting.{p}.event.{{streetlightId}}.lighting.measured"
    adapter = KafkaCapture(url, undeclared=False)
    try:
        adapter.start([template])
        born = f"smartylighting.{p}.event.light-7.lighting.measured"
        client.publish([(born, b'{"lumens":3}', None)])
        client.publish([(f"smartylighting.{p}.event.a.b.lighting.measured", b"no", None)])
        client.publish([(f"{p}.elsewhere", b"no", None)])
        assert [(r.destination, r.payload) for r in adapter.drain()] == [(born, b'{"lumens":3}')]
    finally:
        adapter.close()


def test_undeclared_and_internal_topics(
    capture: KafkaCapture, client: AiokafkaClient, p: str
) -> None:
    capture.start([f"{p}.declared", f"__{p}.declared_internal"])
    client.publish([(f"{p}.stray", b"stray", None)])
    client.publish([(f"__{p}.internal", b"internal", None)])
    client.publish([(f"__{p}.declared_internal", b"wanted", None)])
    assert sorted((r.destination, r.payload) for r in capture.drain()) == [
        (f"__{p}.declared_internal", b"wanted"),
        (f"{p}.stray", b"stray"),
    ]


def test_take_sees_a_topic_created_while_it_waits(
    capture: KafkaCapture, client: AiokafkaClient, p: str
) -> None:
    capture.start([])
    result: list[Any] = []
    waiter = threading.Thread(target=lambda: result.append(capture.take(20)))
    waiter.start()
    client.publish([(f"{p}.fresh", b"hello", None)])
    waiter.join(25)
    assert [(r.destination, r.payload) for r in result[0]] == [(f"{p}.fresh", b"hello")]


def test_declared_topics_are_created_with_the_configured_partitions(
    url: str, client: AiokafkaClient, p: str
) -> None:
    admin_call(client, "create_topics", [NewTopic(f"{p}.existing", 2, 1)])
    adapter = KafkaCapture(url, partitions=5)
    try:
        adapter.start([f"{p}.new", f"{p}.existing", f"{p}.{{id}}.templated"])
    finally:
        adapter.close()
    assert partition_counts(client, f"{p}.new", f"{p}.existing") == {
        f"{p}.new": 5,
        f"{p}.existing": 2,
    }
    names = {t[0] if isinstance(t, tuple) else t for t in admin_call(client, "list_topics")}
    assert not any("templated" in name for name in names)


# -- records kept whole ------------------------------------------------------------------


def test_key_headers_partition_offset_timestamp_kept(
    capture: KafkaCapture, client: AiokafkaClient, p: str
) -> None:
    topic = f"{p}.whole"
    capture.start([topic])

    async def send() -> Any:
        producer = AIOKafkaProducer(bootstrap_servers=client.servers)
        await producer.start()
        try:
            headers = [
                ("trace", b"\xff\x00raw"),
                ("dup", b"first"),
                ("dup", b"last"),
                ("nil", None),
            ]
            first = await producer.send_and_wait(
                topic, b'{"a":1}', key=b"k-1", headers=headers, partition=1, timestamp_ms=1234567
            )
            await producer.send_and_wait(topic, None, key=b"gone", partition=1)
            return first
        finally:
            await producer.stop()

    before = time.time()
    acked = client.call(send())
    first, tombstone = capture.drain()
    assert (first.destination, first.payload, first.key) == (topic, b'{"a":1}', b"k-1")
    assert first.headers == (  # wire order, a repeated name kept twice
        ("trace", b"\xff\x00raw"),
        ("dup", b"first"),
        ("dup", b"last"),
        ("nil", b""),
    )
    assert (first.partition, first.offset, first.timestamp_ms) == (1, acked.offset, 1234567)
    assert before <= first.time <= time.time()
    assert (tombstone.payload, tombstone.key, tombstone.headers) == (b"", b"gone", None)
    assert tombstone.seq == first.seq + 1


# -- publish ------------------------------------------------------------------------------


def test_own_publish_not_captured_others_on_the_same_topic_are(
    capture: KafkaCapture, client: AiokafkaClient, p: str
) -> None:
    declared, fresh = f"{p}.declared", f"{p}.fresh"
    capture.start([declared])
    inbox = client.subscribe(declared)
    capture.publish(declared, b"mine", {"h": "v"}, key=b"my-key")
    client.publish([(declared, b"theirs", None)])
    capture.publish(fresh, b"mine-on-a-new-topic")  # auto-created by this very publish
    client.publish([(fresh, b"theirs-on-the-new-topic", None)])
    assert sorted(r.payload for r in capture.drain()) == [b"theirs", b"theirs-on-the-new-topic"]
    assert [(payload, headers) for _, payload, headers in inbox.wait_for(2, 10)] == [
        (b"mine", {"h": "v"}),
        (b"theirs", None),
    ]


def test_publish_and_capture_from_an_asyncio_test(url: str, p: str) -> None:
    async def body() -> list[bytes]:
        adapter = KafkaCapture(url)  # sync calls made while this loop runs
        try:
            adapter.start([f"{p}.a"])
            other = AiokafkaClient(url.split("://", 1)[1])
            try:
                await asyncio.to_thread(other.publish, [(f"{p}.a", b"from-async", None)])
            finally:
                other.close()
            return [r.payload for r in adapter.drain()]
        finally:
            adapter.close()

    assert asyncio.run(body()) == [b"from-async"]


# -- errors ---------------------------------------------------------------------------------


def test_misuse_is_a_clear_error(capture: KafkaCapture, p: str) -> None:
    with pytest.raises(BrokerError, match=r"drain\(\) before start\(\)"):
        capture.drain()
    capture.start([f"{p}.x"])
    with pytest.raises(BrokerError, match="already called"):
        capture.start([f"{p}.y"])
    with pytest.raises(BrokerError, match="topic template") as caught:
        capture.publish(f"{p}.{{id}}", b"x")
    assert "fill in the channel parameters" in (caught.value.hint or "")


def test_illegal_topic_or_partition_count_is_a_clear_error(url: str) -> None:
    with pytest.raises(BrokerError, match="must be at least 1"):
        KafkaCapture(url, partitions=0)
    adapter = KafkaCapture(url)
    try:
        with pytest.raises(BrokerError, match=r"cannot create Kafka topic\(s\) 'user/signedup'"):
            adapter.start(["user/signedup", "fine"])
    finally:
        adapter.close()


def test_unreachable_broker_fails_fast_with_a_hint() -> None:
    from pytest_asyncapi.brokers.probes import free_port

    began = time.monotonic()
    with pytest.raises(BrokerError, match="connect failed") as caught:
        KafkaCapture(f"kafka://127.0.0.1:{free_port()}")
    assert time.monotonic() - began < 5
    assert "Kafka broker is listening" in (caught.value.hint or "")


@pytest.mark.parametrize(
    ("url", "servers"),
    [
        ("kafka://a:1", ["a:1"]),
        ("kafka://a:1,b:2", ["a:1", "b:2"]),
        ("a:1, b:2", ["a:1", "b:2"]),
        ("KAFKA://[::1]:9092", ["::1:9092"]),
    ],
)
def test_bootstrap_servers(url: str, servers: list[str]) -> None:
    assert bootstrap_servers(url) == servers


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("nats://a:1", "scheme 'nats'"),
        ("kafka://a", "not a host:port"),
        ("kafka://a:x", "bad port"),
        ("kafka://a:1/path", "not a host:port"),
    ],
)
def test_bad_bootstrap_url(url: str, message: str) -> None:
    with pytest.raises(BrokerError, match=message):
        bootstrap_servers(url)


def test_topic_selector() -> None:
    chosen = TopicSelector.of(["orders", "lights.{id}.measured", "__declared", "orders"])
    assert chosen.literal == ("orders", "__declared")
    assert chosen.wants("lights.7.measured")
    assert chosen.wants("anything-else")
    assert chosen.wants("__declared")
    assert not chosen.wants("__consumer_offsets")
    assert not chosen.wants("_schemas")
    assert not chosen.wants("internal", internal=True)
    only = TopicSelector.of(["lights.{id}.measured"], undeclared=False)
    assert only.wants("lights.x.measured")
    assert not only.wants("lights.x.y.measured")
    assert not only.wants("orders")


def test_the_observer_sees_every_record_in_the_capture_thread(
    capture: KafkaCapture, client: AiokafkaClient, p: str
) -> None:
    topic = f"{p}.observed"
    seen: list[tuple[str, list[int]]] = []

    def observe(records: list[Captured]) -> None:
        seen.append((threading.current_thread().name, [r.seq for r in records]))

    capture.observer = observe
    capture.start([topic])
    client.publish([(topic, b"m%d" % i, None) for i in range(50)])
    records = capture.drain()
    assert len(records) == 50
    assert {name for name, _ in seen} == {"asyncapi-kafka"}
    # observed before the drain could hand them out: every record, in capture order
    assert [seq for _, seqs in seen for seq in seqs] == [r.seq for r in records]


AHEAD_SPEC = """\
asyncapi: 3.0.0
info: {{title: ahead, version: '1'}}
channels:
  events:
    address: {topic}
    messages:
      Event:
        payload: {{type: object, required: [n], properties: {{n: {{type: integer}}}}}}
operations:
  sendEvent: {{action: send, channel: {{$ref: '#/channels/events'}}}}
"""


def test_a_window_is_counted_in_the_capture_thread_while_the_test_runs(
    url: str, client: AiokafkaClient, p: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    topic = f"{p}.ahead"
    path = tmp_path / "ahead.yaml"
    path.write_text(AHEAD_SPEC.format(topic=topic))
    spec = load_spec(path)
    recorder = Recorder([spec], KafkaCapture(url), Router(build_routes([spec], "kafka")[0]))
    counted: list[tuple[str, int]] = []
    count = recorder.planner.count

    def counting(records: list[Captured]) -> Any:
        counted.append((threading.current_thread().name, len(records)))
        return count(records)

    monkeypatch.setattr(recorder.planner, "count", counting)
    try:
        recorder.start()
        recorder.begin_test("t")
        client.publish([(topic, b'{"n": %d}' % i, None) for i in range(100)])
        client.publish([(topic, b'{"n": "one"}', None)])
        outcome = recorder.end_test()
    finally:
        recorder.adapter.close()
    assert outcome.valid == {(str(spec.source), "events", "Event", topic): 100}
    assert [v.outcome.value for v in outcome.verdicts] == ["invalid"]
    assert sum(n for _, n in counted) == 101
    assert {name for name, _ in counted} == {"asyncapi-kafka"}  # none left for the window
