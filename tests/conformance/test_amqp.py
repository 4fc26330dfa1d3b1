"""AMQP 0-9-1 passes the conformance suite: on a local RabbitMQ (Debian's package) and through
a real Docker engine (an image built here from the same install, laid out like ``rabbitmq``).

The independent client is pika (:mod:`tests.support.amqp_clients`), on RabbitMQ's built-in
``amq.topic`` exchange, which a capture without a plan binds with ``#``; the adapter drives
aiormq. A broker start takes seconds (Erlang), so each run shares one broker per module.
"""

from __future__ import annotations

import subprocess
import tempfile
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pytest_asyncapi.brokers.amqp.capture import AmqpCapture
from pytest_asyncapi.brokers.containers import ContainerBroker, docker_problem, start_container
from pytest_asyncapi.brokers.local_binary import start_local
from tests.support.amqp_clients import PikaClient
from tests.support.conformance import (
    AdapterFactory,
    CaptureAdapterConformance,
    Names,
    RawClientFactory,
    closing_factory,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from pytest_asyncapi.brokers.base import CaptureAdapter
    from pytest_asyncapi.brokers.endpoints import ProvisionedBroker


def amqp_names() -> Names:
    p = "t" + uuid.uuid4().hex[:12]
    return Names(
        declared=(f"{p}.orders", f"{p}.lights.*.measured"),
        concrete=(f"{p}.orders", f"{p}.lights.42.measured"),
        undeclared=f"{p}.unknown",
        # a routing key that a literal key, two `*` keys and a `#` key all match: one copy
        overlapping=(f"{p}.*.sales", f"{p}.eu.*", f"{p}.eu.sales", f"{p}.#"),
        overlapped=f"{p}.eu.sales",
    )


@pytest.fixture(scope="module")
def local_rabbitmq() -> Iterator[ProvisionedBroker]:
    broker = start_local("amqp", startup_timeout=60)
    yield broker
    broker.stop()


IMAGE = "pytest-asyncapi/rabbitmq-local:test"
"""Built by ``.ci/docker.sh`` from tests/images/rabbitmq.Dockerfile; built here when absent."""
IMAGES = Path(__file__).resolve().parents[1] / "images"


class AmqpFixtures(CaptureAdapterConformance):
    """Fixtures shared by both AMQP runs; a subclass provides ``amqp_url`` and ``killable``."""

    @pytest.fixture
    def adapter_factory(self, amqp_url: str) -> Iterator[AdapterFactory]:
        yield from closing_factory(lambda: AmqpCapture(amqp_url))

    @pytest.fixture
    def raw_client_factory(self, amqp_url: str) -> Iterator[RawClientFactory]:
        yield from closing_factory(lambda: PikaClient(amqp_url))

    @pytest.fixture
    def names(self) -> Names:
        return amqp_names()


class TestAmqpLocal(AmqpFixtures):
    @pytest.fixture
    def amqp_url(self, local_rabbitmq: ProvisionedBroker) -> str:
        return local_rabbitmq.endpoint.url

    @pytest.fixture
    def killable(self) -> Iterator[tuple[CaptureAdapter, Callable[[], None]]]:
        broker = start_local("amqp", startup_timeout=60)
        adapter = AmqpCapture(broker.endpoint.url)
        yield adapter, broker.kill
        adapter.close()
        broker.stop()


# -- through a real Docker engine --------------------------------------------------------


@pytest.fixture(scope="session")
def rabbitmq_image() -> str:
    """The image `.ci/docker.sh` builds; built here the same way when it is absent."""
    problem = docker_problem()
    if problem is not None:
        pytest.fail(f"{problem}: run `.ci/docker.sh .venv` (.ci/run installs and starts Docker)")
    if subprocess.run(["docker", "image", "inspect", IMAGE], capture_output=True).returncode:
        with tempfile.TemporaryDirectory() as context:
            script = IMAGES / "rabbitmq-context.sh"
            subprocess.run(["bash", str(script), context], check=True, capture_output=True)
            dockerfile = IMAGES / "rabbitmq.Dockerfile"
            subprocess.run(
                ["docker", "build", "-q", "-t", IMAGE, "-f", str(dockerfile), context],
                check=True,
                capture_output=True,
                timeout=600,
            )
    return IMAGE


@pytest.fixture(scope="module")
def rabbitmq_container(rabbitmq_image: str) -> Iterator[ContainerBroker]:
    broker = start_container("amqp", image=rabbitmq_image, startup_timeout=60)
    yield broker
    broker.stop()


@pytest.mark.docker
class TestAmqpDocker(AmqpFixtures):
    @pytest.fixture
    def amqp_url(self, rabbitmq_container: ContainerBroker) -> str:
        return rabbitmq_container.endpoint.url

    @pytest.fixture
    def killable(self, rabbitmq_image: str) -> Iterator[tuple[CaptureAdapter, Callable[[], None]]]:
        broker = start_container("amqp", image=rabbitmq_image, startup_timeout=60)
        adapter = AmqpCapture(broker.endpoint.url)
        yield adapter, broker.kill
        adapter.close()
        broker.stop()
