"""The MQTT adapter's own rules: QoS from the document's bindings, clear refusals."""

from __future__ import annotations

import asyncio
import uuid
from typing import TYPE_CHECKING

import aiomqtt
import pytest

from pytest_asyncapi.brokers.local_binary import start_local
from pytest_asyncapi.brokers.mqtt import binding_qos
from pytest_asyncapi.brokers.mqtt.capture import MqttCapture
from pytest_asyncapi.errors import BrokerError
from pytest_asyncapi.routing import build_routes
from pytest_asyncapi.spec.loader import load_spec
from tests.support.mqtt_clients import host_port

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from pytest_asyncapi.brokers.endpoints import ProvisionedBroker

SPEC = """
asyncapi: 3.0.0
info: {title: qos, version: '1'}
channels:
  sensors:
    address: 'PFX/sensors/{sensorId}'
    parameters: {sensorId: {}}
  alarms:
    address: 'PFX/alarms'
  plain:
    address: 'PFX/plain'
operations:
  readSensors:
    action: send
    channel: {$ref: '#/channels/sensors'}
    bindings: {mqtt: {qos: 0}}
  raiseAlarms:
    action: send
    channel: {$ref: '#/channels/alarms'}
    bindings: {mqtt: {qos: 2}}
  sendPlain:
    action: send
    channel: {$ref: '#/channels/plain'}
"""


@pytest.fixture(scope="module")
def broker() -> Iterator[ProvisionedBroker]:
    with_broker = start_local("mqtt")
    yield with_broker
    with_broker.stop()


def test_publish_uses_the_qos_of_the_bindings(broker: ProvisionedBroker, tmp_path: Path) -> None:
    p = "q" + uuid.uuid4().hex[:8]
    path = tmp_path / "qos.yaml"
    path.write_text(SPEC.replace("PFX", p))
    routes, _ = build_routes([load_spec(path)], "mqtt")
    adapter = MqttCapture(broker.endpoint.url, qos=binding_qos(routes))
    topics = [f"{p}/sensors/s-1", f"{p}/alarms", f"{p}/plain", f"{p}/undeclared"]
    assert [adapter.qos_for(t) for t in topics] == [0, 2, 1, 1]
    host, port = host_port(broker.endpoint.url)

    async def observe() -> list[tuple[str, int]]:
        async with aiomqtt.Client(host, port, protocol=aiomqtt.ProtocolVersion.V5) as client:
            await client.subscribe(f"{p}/#", qos=2)  # delivery QoS = the publisher's
            await asyncio.to_thread(adapter.start, [])
            for topic in topics:
                await asyncio.to_thread(adapter.publish, topic, b"{}")
            seen = []
            async for message in client.messages:
                seen.append((message.topic.value, message.qos))
                if len(seen) == len(topics):
                    return seen
        return []

    try:
        # as a set: a QoS 2 delivery is handed over at PUBREL, after later QoS 1 ones
        seen = asyncio.run(asyncio.wait_for(observe(), 20))
        assert sorted(seen) == sorted(zip(topics, [0, 2, 1, 1], strict=True))
    finally:
        adapter.close()


def test_no_reply_address_and_no_key(broker: ProvisionedBroker) -> None:
    adapter = MqttCapture(broker.endpoint.url)
    try:
        adapter.start([])
        with pytest.raises(BrokerError, match="MQTT has no reply address"):
            adapter.publish("a/b", b"{}", reply="c/d")
        with pytest.raises(BrokerError, match="MQTT messages have no key"):
            adapter.publish("a/b", b"{}", key=b"k")
    finally:
        adapter.close()


def test_nothing_listening_is_a_broker_error() -> None:
    from pytest_asyncapi.brokers.probes import free_port

    adapter = MqttCapture(f"mqtt://127.0.0.1:{free_port()}")
    with pytest.raises(BrokerError, match="cannot connect to the MQTT broker"):
        adapter.start([])
    adapter.close()
