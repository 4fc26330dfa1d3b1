"""Brokers in containers, through the real Docker engine and the images .ci/docker.sh builds."""

from __future__ import annotations

import asyncio
import socket
from typing import TYPE_CHECKING

import pytest

from pytest_asyncapi.brokers import containers
from pytest_asyncapi.brokers.kafka.provisioning import kafka_brokers
from pytest_asyncapi.brokers.nats.provisioning import nats_info
from pytest_asyncapi.brokers.provision import provision
from pytest_asyncapi.errors import BrokerError

if TYPE_CHECKING:
    from collections.abc import Iterator

    from pytest_asyncapi.brokers.endpoints import Address, ProvisionedBroker

pytestmark = pytest.mark.docker

NATS_IMAGE = "pytest-asyncapi/nats-local:test"
TANSU_IMAGE = "pytest-asyncapi/tansu-local:test"
_SETUP = "run `.ci/docker.sh .venv` (it starts dockerd and builds the local broker images)"


@pytest.fixture(scope="module", autouse=True)
def docker_engine() -> None:
    """The engine answers and has the local images; otherwise fail (never skip) with the fix."""
    problem = containers.docker_problem()
    if problem is not None:
        pytest.fail(f"{problem}: {_SETUP}", pytrace=False)
    from testcontainers.core.docker_client import DockerClient

    client = DockerClient().client
    try:
        missing = [tag for tag in (NATS_IMAGE, TANSU_IMAGE) if not client.images.list(name=tag)]
    finally:
        client.close()
    if missing:
        pytest.fail(f"images {missing} are not built: {_SETUP}", pytrace=False)


@pytest.fixture
def container_nats() -> Iterator[ProvisionedBroker]:
    with provision("nats", "container", image=NATS_IMAGE) as broker:
        yield broker


def _refused(address: Address) -> bool:
    try:
        with socket.create_connection((address.host, address.port), timeout=1) as sock:
            return sock.recv(1) == b""  # docker-proxy may accept, then close at once
    except ConnectionRefusedError:
        return True


def test_container_nats(container_nats: ProvisionedBroker) -> None:
    endpoint = container_nats.endpoint
    assert (endpoint.protocol, endpoint.source) == ("nats", "container")
    (address,) = endpoint.addresses
    assert address.host == "127.0.0.1"
    assert nats_info(address, 2.0)["port"] == 4222  # the port inside the container
    assert NATS_IMAGE in container_nats.description
    assert "Server is ready" in container_nats.log_tail()
    container_nats.stop()
    container_nats.stop()
    container_nats.kill()  # nothing left to kill
    assert _refused(address)
    assert "Server is ready" in container_nats.log_tail(100)


def test_container_nats_with_jetstream() -> None:
    with provision("nats", "container", image=NATS_IMAGE, jetstream=True) as broker:
        assert nats_info(broker.endpoint.addresses[0], 2.0).get("jetstream") is True


@pytest.mark.asyncio
async def test_container_tansu_round_trip_with_aiokafka() -> None:
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

    with provision("kafka", "container", image=TANSU_IMAGE) as broker:
        (address,) = broker.endpoint.addresses
        # the advertised listener names the mapped host port, so clients can follow it
        assert kafka_brokers(address, 2.0) == [address]
        producer = AIOKafkaProducer(bootstrap_servers=broker.endpoint.servers)
        await producer.start()
        try:
            await producer.send_and_wait("in-container", b"v", key=b"k")
        finally:
            await producer.stop()
        consumer = AIOKafkaConsumer(
            "in-container",
            bootstrap_servers=broker.endpoint.servers,
            group_id=None,
            auto_offset_reset="earliest",
        )
        await consumer.start()
        try:
            record = await asyncio.wait_for(consumer.getone(), timeout=10)
        finally:
            await consumer.stop()
        assert (record.key, record.value) == (b"k", b"v")


def test_auto_prefers_a_container_when_docker_answers() -> None:
    with provision("kafka", "auto", image=TANSU_IMAGE) as broker:
        assert broker.endpoint.source == "container"
        assert broker.fallbacks == ()


def test_kill_closes_the_mapped_port(container_nats: ProvisionedBroker) -> None:
    (address,) = container_nats.endpoint.addresses
    container_nats.kill()
    assert _refused(address)
    assert "Server is ready" in container_nats.log_tail()


def test_container_readiness_timeout_quotes_its_log() -> None:
    # A NATS server is no Kafka broker: the Kafka probe never succeeds.
    with pytest.raises(BrokerError, match="did not become ready: not ready after 1 s") as info:
        provision("kafka", "container", image=NATS_IMAGE, startup_timeout=1)
    assert "Server is ready" in (info.value.log_tail or "")


def test_missing_image_is_a_clear_error() -> None:
    with pytest.raises(BrokerError, match="container pytest-asyncapi/absent:none could not be"):
        provision("nats", "container", image="pytest-asyncapi/absent:none")


def test_auto_falls_back_to_local_when_the_container_fails() -> None:
    with provision("nats", "auto", image="pytest-asyncapi/absent:none") as broker:
        assert broker.endpoint.source == "local"
        (fallback,) = broker.fallbacks
        assert fallback.startswith("container: container pytest-asyncapi/absent:none could not")
