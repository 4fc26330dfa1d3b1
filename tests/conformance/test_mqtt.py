"""MQTT passes the conformance suite: on a local mosquitto (Debian's package) and through a real
Docker engine (an image built here from the same binary, laid out like eclipse-mosquitto).

The independent client is aiomqtt (:mod:`tests.support.mqtt_clients`); the adapter drives
paho-mqtt's own client directly, on one MQTT 5 connection. Beyond the suite: a retained
message is reported as such, a 3.1.1 publisher is captured (without headers), what the broker
retained before the capture started is not replayed, and repeated user properties keep their
order.
"""

from __future__ import annotations

import subprocess
import tempfile
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pytest_asyncapi.brokers.containers import ContainerBroker, docker_problem, start_container
from pytest_asyncapi.brokers.local_binary import start_local
from pytest_asyncapi.brokers.mqtt.capture import MqttCapture
from tests.support.conformance import (
    AdapterFactory,
    CaptureAdapterConformance,
    Names,
    RawClientFactory,
    closing_factory,
)
from tests.support.mqtt_clients import AiomqttClient

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from pytest_asyncapi.brokers.base import CaptureAdapter
    from pytest_asyncapi.brokers.endpoints import ProvisionedBroker


def mqtt_names() -> Names:
    p = "t" + uuid.uuid4().hex[:12]
    return Names(
        declared=(f"{p}/orders", f"{p}/lights/+/measured"),
        concrete=(f"{p}/orders", f"{p}/lights/42/measured"),
        undeclared=f"{p}/unknown",
        # a topic that a literal name, two `+` filters and a `#` filter all match: one copy
        overlapping=(f"{p}/+/sales", f"{p}/eu/+", f"{p}/eu/sales", f"{p}/#"),
        overlapped=f"{p}/eu/sales",
    )


@pytest.fixture(scope="module")
def local_mosquitto() -> Iterator[ProvisionedBroker]:
    broker = start_local("mqtt")
    yield broker
    broker.stop()


IMAGE = "pytest-asyncapi/mosquitto-local:test"
"""Built by ``.ci/docker.sh`` from tests/images/mosquitto.Dockerfile; built here when absent."""
IMAGES = Path(__file__).resolve().parents[1] / "images"


class MqttFixtures(CaptureAdapterConformance):
    """Fixtures shared by both MQTT runs; a subclass provides ``mqtt_url`` and ``killable``."""

    @pytest.fixture
    def adapter_factory(self, mqtt_url: str) -> Iterator[AdapterFactory]:
        yield from closing_factory(lambda: MqttCapture(mqtt_url))

    @pytest.fixture
    def raw_client_factory(self, mqtt_url: str) -> Iterator[RawClientFactory]:
        yield from closing_factory(lambda: AiomqttClient(mqtt_url))

    @pytest.fixture
    def names(self) -> Names:
        return mqtt_names()


class TestMqttLocal(MqttFixtures):
    @pytest.fixture
    def mqtt_url(self, local_mosquitto: ProvisionedBroker) -> str:
        return local_mosquitto.endpoint.url

    @pytest.fixture
    def killable(self) -> Iterator[tuple[CaptureAdapter, Callable[[], None]]]:
        broker = start_local("mqtt")
        adapter = MqttCapture(broker.endpoint.url)
        yield adapter, broker.kill
        adapter.close()
        broker.stop()


# -- through a real Docker engine --------------------------------------------------------


@pytest.fixture(scope="session")
def mosquitto_image() -> str:
    """The image `.ci/docker.sh` builds; built here the same way when it is absent."""
    problem = docker_problem()
    if problem is not None:
        pytest.fail(f"{problem}: run `.ci/docker.sh .venv` (.ci/run installs and starts Docker)")
    if subprocess.run(["docker", "image", "inspect", IMAGE], capture_output=True).returncode:
        with tempfile.TemporaryDirectory() as context:
            script = IMAGES / "mosquitto-context.sh"
            subprocess.run(["bash", str(script), context], check=True, capture_output=True)
            dockerfile = IMAGES / "mosquitto.Dockerfile"
            subprocess.run(
                ["docker", "build", "-q", "-t", IMAGE, "-f", str(dockerfile), context],
                check=True,
                capture_output=True,
                timeout=300,
            )
    return IMAGE


@pytest.fixture(scope="module")
def mosquitto_container(mosquitto_image: str) -> Iterator[ContainerBroker]:
    broker = start_container("mqtt", image=mosquitto_image)
    yield broker
    broker.stop()


@pytest.mark.docker
class TestMqttDocker(MqttFixtures):
    @pytest.fixture
    def mqtt_url(self, mosquitto_container: ContainerBroker) -> str:
        return mosquitto_container.endpoint.url

    @pytest.fixture
    def killable(self, mosquitto_image: str) -> Iterator[tuple[CaptureAdapter, Callable[[], None]]]:
        broker = start_container("mqtt", image=mosquitto_image)
        adapter = MqttCapture(broker.endpoint.url)
        yield adapter, broker.kill
        adapter.close()
        broker.stop()


class TestMqttSpecifics:
    @pytest.fixture
    def mqtt_url(self, local_mosquitto: ProvisionedBroker) -> str:
        return local_mosquitto.endpoint.url

    @pytest.fixture
    def adapter(self, mqtt_url: str) -> Iterator[MqttCapture]:
        adapter = MqttCapture(mqtt_url)
        yield adapter
        adapter.close()

    @pytest.fixture
    def raw(self, mqtt_url: str) -> Iterator[AiomqttClient]:
        client = AiomqttClient(mqtt_url)
        yield client
        client.close()

    def test_retained_message_reported_as_such(
        self, adapter: MqttCapture, raw: AiomqttClient
    ) -> None:
        names = mqtt_names()
        adapter.start(names.declared)
        raw.publish([(names.concrete[0], b"kept", None)], retain=True)
        raw.publish([(names.concrete[0], b"passing", None)])
        records = adapter.drain()
        assert [(r.payload, r.retained) for r in records] == [(b"kept", True), (b"passing", False)]
        raw.publish([(names.concrete[0], b"", None)], retain=True)  # clears the retained one
        assert [(r.payload, r.retained) for r in adapter.drain()] == [(b"", True)]

    def test_earlier_retained_message_not_replayed(self, mqtt_url: str, raw: AiomqttClient) -> None:
        names = mqtt_names()
        raw.publish([(names.concrete[0], b"before the test", None)], retain=True)
        adapter = MqttCapture(mqtt_url)
        try:
            adapter.start(names.declared)
            raw.publish([(names.concrete[0], b"during", None)])
            assert [r.payload for r in adapter.drain()] == [b"during"]
        finally:
            adapter.close()
            raw.publish([(names.concrete[0], b"", None)], retain=True)

    def test_mqtt_311_publisher_captured_without_headers(
        self, adapter: MqttCapture, mqtt_url: str
    ) -> None:
        names = mqtt_names()
        adapter.start(names.declared)
        old = AiomqttClient(mqtt_url, version=3)
        try:
            old.publish([(names.concrete[1], b'{"lux":3}', None) for _ in range(3)])
        finally:
            old.close()
        records = adapter.drain()
        assert [(r.destination, r.payload, r.headers) for r in records] == [
            (names.concrete[1], b'{"lux":3}', None)
        ] * 3

    def test_repeated_user_properties_kept_in_wire_order(
        self, adapter: MqttCapture, raw: AiomqttClient
    ) -> None:
        from paho.mqtt.packettypes import PacketTypes
        from paho.mqtt.properties import Properties

        names = mqtt_names()
        adapter.start(names.declared)
        properties = Properties(PacketTypes.PUBLISH)
        properties.UserProperty = [("b", "1"), ("a", "2"), ("b", "3")]

        async def send() -> None:
            await raw._client.publish(names.concrete[0], b"{}", qos=1, properties=properties)

        raw.call(send())
        (record,) = adapter.drain()
        assert record.headers == (("b", b"1"), ("a", b"2"), ("b", b"3"))
        assert record.header("b") == b"1"
