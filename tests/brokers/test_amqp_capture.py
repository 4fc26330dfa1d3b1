"""The AMQP adapter's binding rules on a real RabbitMQ: which exchanges the capture queue is
bound to and how, what a message's destination and headers become, that the service's own
queues keep their messages, and that what cannot be captured is said, not passed over."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import pika
import pytest

from pytest_asyncapi.brokers.amqp import capture_plan
from pytest_asyncapi.brokers.amqp.capture import AmqpCapture, header_bytes
from pytest_asyncapi.brokers.local_binary import start_local
from pytest_asyncapi.errors import BrokerError
from pytest_asyncapi.routing import build_routes
from pytest_asyncapi.spec.loader import load_spec
from tests.support.amqp_clients import PikaClient
from tests.support.conformance import Inbox

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from pytest_asyncapi.brokers.endpoints import ProvisionedBroker

SPEC = """
asyncapi: 3.0.0
info: {title: bindings, version: '1'}
channels:
  measured:
    address: 'PFX.lights.{lampId}.measured'
    parameters: {lampId: {}}
    bindings: {amqp: {is: routingKey, exchange: {name: PFX-events, type: topic}}}
  orders:
    address: 'PFX.orders'
    bindings: {amqp: {is: routingKey, exchange: {name: PFX-direct, type: direct}}}
  perCustomer:
    address: 'PFX.customer.{customerId}'
    parameters: {customerId: {}}
    bindings: {amqp: {is: routingKey, exchange: {name: PFX-direct, type: direct}}}
  broadcast:
    address: 'PFX.broadcast'
    bindings: {amqp: {is: routingKey, exchange: {name: PFX-fanout, type: fanout}}}
  tagged:
    address: 'PFX.tagged'
    bindings: {amqp: {is: routingKey, exchange: {name: PFX-headers, type: headers}}}
  jobs:
    address: 'PFX.jobs'
    bindings: {amqp: {is: queue, queue: {name: PFX-jobs-queue}}}
  untyped:
    address: 'PFX.untyped'
    bindings: {amqp: {is: routingKey, exchange: {name: PFX-untyped}}}
"""


@pytest.fixture(scope="module")
def broker() -> Iterator[ProvisionedBroker]:
    started = start_local("amqp", startup_timeout=60)
    yield started
    started.stop()


@pytest.fixture
def prefix() -> str:
    return "b" + uuid.uuid4().hex[:8]


@pytest.fixture
def adapter(broker: ProvisionedBroker, prefix: str, tmp_path: Path) -> Iterator[AmqpCapture]:
    path = tmp_path / "bindings.yaml"
    path.write_text(SPEC.replace("PFX", prefix))
    routes, _ = build_routes([load_spec(path)], "amqp")
    capture = AmqpCapture(broker.endpoint.url, plan=capture_plan(routes))
    capture.start([r.pattern for r in routes])
    yield capture
    capture.close()


@pytest.fixture
def client(broker: ProvisionedBroker) -> Iterator[PikaClient]:
    raw = PikaClient(broker.endpoint.url)
    yield raw
    raw.close()


def service_queue(client: PikaClient, exchange: str, key: str) -> Inbox:
    """A service's own named queue bound to ``exchange``, consumed by the service."""
    inbox = Inbox()
    name = f"{exchange}-service-{uuid.uuid4().hex[:6]}"

    def run() -> None:
        client.channel.queue_declare(name, auto_delete=True)
        client.channel.queue_bind(name, exchange, routing_key=key)
        client.consume(name, inbox)

    client.call(run)
    return inbox


def test_topic_exchange_bound_with_hash_undeclared_keys_captured_too(
    adapter: AmqpCapture, client: PikaClient, prefix: str
) -> None:
    events = f"{prefix}-events"
    client.publish([(f"{prefix}.lights.7.measured", b"{}", None)], exchange=events)
    client.publish([(f"{prefix}.lights.7.other", b"[]", None)], exchange=events)
    client.publish([(f"{prefix}.lights.7.measured", b"elsewhere", None)], exchange="amq.topic")
    records = adapter.drain()
    assert [(r.destination, r.payload) for r in records] == [
        (f"{prefix}.lights.7.measured", b"{}"),
        (f"{prefix}.lights.7.other", b"[]"),
    ]


def test_service_queue_keeps_its_messages(
    adapter: AmqpCapture, client: PikaClient, prefix: str
) -> None:
    events = f"{prefix}-events"
    inbox = service_queue(client, events, f"{prefix}.lights.*.measured")
    sent = [(f"{prefix}.lights.{i}.measured", b'{"n":%d}' % i, None) for i in range(5)]
    client.publish(sent, exchange=events)
    assert [r.payload for r in adapter.drain()] == [p for _, p, _ in sent]
    assert [p for _, p, _ in inbox.wait_for(5, 10)] == [p for _, p, _ in sent]


def test_direct_exchange_declared_keys_and_a_note_for_parameterised_ones(
    adapter: AmqpCapture, client: PikaClient, prefix: str
) -> None:
    direct = f"{prefix}-direct"
    client.publish([(f"{prefix}.orders", b"order", None)], exchange=direct)
    client.publish([(f"{prefix}.customer.9", b"customer", None)], exchange=direct)
    assert [(r.destination, r.payload) for r in adapter.drain()] == [(f"{prefix}.orders", b"order")]
    (note,) = [n for n in adapter.notes() if "perCustomer" in n]
    assert f"direct exchange '{direct}' has no wildcards" in note
    assert "not captured (unchecked)" in note


def test_fanout_and_headers_messages_take_their_channel_address(
    adapter: AmqpCapture, client: PikaClient, prefix: str
) -> None:
    client.publish([("", b"to all", None)], exchange=f"{prefix}-fanout")
    client.publish([("any.key", b"tagged", {"kind": "a"})], exchange=f"{prefix}-headers")
    records = adapter.drain()
    assert [(r.destination, r.payload) for r in records] == [
        (f"{prefix}.broadcast", b"to all"),
        (f"{prefix}.tagged", b"tagged"),
    ]
    assert records[1].headers == (("kind", b"a"),)


def test_header_table_values_become_bytes(
    adapter: AmqpCapture, client: PikaClient, prefix: str
) -> None:
    table = {"s": "text", "i": 42, "t": True, "f": False, "a": [1, "x"], "m": {"k": "v"}}
    client.publish([("", b"{}", table)], exchange=f"{prefix}-fanout")
    (record,) = adapter.drain()
    assert dict(record.headers or ()) == {
        "s": b"text",
        "i": b"42",
        "t": b"true",
        "f": b"false",
        "a": b'[1,"x"]',
        "m": b'{"k":"v"}',
    }
    assert header_bytes(b"raw") == b"raw"
    assert header_bytes(None) == b""


def test_queue_channel_is_reported_not_captured_and_its_queue_untouched(
    adapter: AmqpCapture, client: PikaClient, prefix: str
) -> None:
    queue = f"{prefix}-jobs-queue"
    inbox = Inbox()

    def run() -> None:
        client.channel.queue_declare(queue, auto_delete=True)
        client.consume(queue, inbox)

    client.call(run)
    client.publish([(queue, b"job", None)], exchange="")
    assert adapter.drain() == []
    assert [p for _, p, _ in inbox.wait_for(1, 10)] == [b"job"]
    (note,) = [n for n in adapter.notes() if "'jobs'" in n]
    assert f"is a queue ({queue!r})" in note
    assert "not captured (unchecked)" in note


def test_missing_exchange_declared_as_the_binding_says(
    adapter: AmqpCapture, client: PikaClient, prefix: str
) -> None:
    # the fixture's capture declared it (topic, not durable, not auto-deleted): a service
    # declaring it the same way later succeeds, a different type is refused by the broker
    client.call(lambda: client.channel.exchange_declare(f"{prefix}-events", "topic"))
    with pytest.raises(pika.exceptions.ChannelClosedByBroker, match="PRECONDITION_FAILED"):
        client.call(lambda: client.channel.exchange_declare(f"{prefix}-events", "direct"))
    (untyped,) = [n for n in adapter.notes() if f"'{prefix}-untyped'" in n]
    assert "does not exist and its binding declares no type" in untyped


def test_publish_goes_to_the_channel_exchange_and_is_not_captured(
    adapter: AmqpCapture, client: PikaClient, prefix: str
) -> None:
    inbox = service_queue(client, f"{prefix}-events", "#")
    adapter.publish(f"{prefix}.lights.3.measured", b"mine", {"x": "1"})
    assert adapter.exchange_for(f"{prefix}.lights.3.measured") == f"{prefix}-events"
    assert adapter.exchange_for(f"{prefix}.jobs") == ""
    assert adapter.drain() == []
    ((destination, payload, headers),) = inbox.wait_for(1, 10)
    assert (destination, payload, headers) == (f"{prefix}.lights.3.measured", b"mine", {"x": "1"})


def test_no_reply_address_and_no_key(adapter: AmqpCapture) -> None:
    with pytest.raises(BrokerError, match="declare a reply channel"):
        adapter.publish("a.b", b"{}", reply="c.d")
    with pytest.raises(BrokerError, match="AMQP messages have no key"):
        adapter.publish("a.b", b"{}", key=b"k")


def test_nothing_listening_is_a_broker_error() -> None:
    from pytest_asyncapi.brokers.probes import free_port

    capture = AmqpCapture(f"amqp://127.0.0.1:{free_port()}")
    with pytest.raises(BrokerError, match="cannot connect to the AMQP broker"):
        capture.start([])
    capture.close()
