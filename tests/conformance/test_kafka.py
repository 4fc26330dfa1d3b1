"""Kafka passes the conformance suite: on a local Tansu and through a real Docker engine.

The independent client is aiokafka used plainly (:mod:`tests.support.kafka_clients`). Three
suite tests are restated for Kafka's guarantees (see their docstrings): Kafka orders records
per partition, not across topics or partitions, and keeps header values as bytes.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pytest_asyncapi.brokers.containers import ContainerBroker, docker_problem, start_container
from pytest_asyncapi.brokers.kafka.capture import KafkaCapture
from pytest_asyncapi.brokers.local_binary import find_binary, start_local
from tests.support.conformance import (
    AdapterFactory,
    CaptureAdapterConformance,
    Names,
    RawClientFactory,
    closing_factory,
)
from tests.support.kafka_clients import AiokafkaClient

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from pytest_asyncapi.brokers.base import CaptureAdapter
    from pytest_asyncapi.brokers.endpoints import ProvisionedBroker

IMAGE = "pytest-asyncapi/tansu-local:test"
"""Built by ``.ci/docker.sh`` from tests/images/tansu.Dockerfile; built here when absent."""


def kafka_names() -> Names:
    p = "t" + uuid.uuid4().hex[:12]
    return Names(
        declared=(f"{p}.orders", f"{p}.lights.{{lightId}}.measured"),
        concrete=(f"{p}.orders", f"{p}.lights.42.measured"),
        undeclared=f"{p}.unknown",
        # a topic that a literal name and two templates all match is still read once
        overlapping=(f"{p}.{{region}}.sales", f"{p}.eu.{{kind}}", f"{p}.eu.sales"),
        overlapped=f"{p}.eu.sales",
    )


class KafkaFixtures(CaptureAdapterConformance):
    """Fixtures shared by both Kafka runs; a subclass provides ``kafka_url`` and ``killable``."""

    @pytest.fixture
    def adapter_factory(self, kafka_url: str) -> Iterator[AdapterFactory]:
        yield from closing_factory(lambda: KafkaCapture(kafka_url))

    @pytest.fixture
    def raw_client_factory(self, kafka_url: str) -> Iterator[RawClientFactory]:
        yield from closing_factory(lambda: AiokafkaClient(kafka_url.split("://", 1)[1]))

    @pytest.fixture
    def names(self) -> Names:
        return kafka_names()

    def test_drain_returns_everything_published_before_it(
        self, adapter_factory: AdapterFactory, raw_client_factory: RawClientFactory, names: Names
    ) -> None:
        """The suite's version asks for each publisher's order across destinations; Kafka
        keeps order within a partition only, so here it is checked per destination."""
        adapter = adapter_factory()
        adapter.start(names.declared)
        publishers = [raw_client_factory(), raw_client_factory()]
        sent: dict[tuple[int, str], list[bytes]] = {}
        for who, raw in enumerate(publishers):
            batch = []
            for i in range(500):
                destination = names.concrete[i % len(names.concrete)]
                payload = b'{"publisher":%d,"n":%d}' % (who, i)
                sent.setdefault((who, destination), []).append(payload)
                batch.append((destination, payload, None))
            raw.publish(batch)
        records = adapter.drain()
        assert len(records) == 1000
        for (who, destination), payloads in sent.items():
            prefix = b'{"publisher":%d' % who
            assert [
                r.payload
                for r in records
                if r.destination == destination and r.payload.startswith(prefix)
            ] == payloads
        assert [r.seq for r in records] == sorted({r.seq for r in records})

    def test_headers_preserved(
        self, adapter_factory: AdapterFactory, raw_client_factory: RawClientFactory, names: Names
    ) -> None:
        """The suite's version compares header values as ``str``; Kafka header values are
        bytes, and the adapter keeps them so (the contract decodes them as UTF-8)."""
        adapter = adapter_factory()
        adapter.start(names.declared)
        raw = raw_client_factory()
        headers = {"content-type": "application/json", "X-Trace-Id": "abc 123"}
        raw.publish([(names.concrete[0], b"{}", headers), (names.concrete[0], b"[]", None)])
        records = adapter.drain()
        assert len(records) == 2
        assert records[0].headers == tuple((k, v.encode()) for k, v in headers.items())
        assert not records[1].headers
        inbox = raw.subscribe(names.concrete[0])
        adapter.publish(names.concrete[0], b"out", {"X-From": "adapter"})
        (_, payload, got) = inbox.wait_for(1, 5)[0]
        assert payload == b"out"
        assert got == {"X-From": "adapter"}

    def test_own_publish_not_captured_but_delivered(
        self, adapter_factory: AdapterFactory, raw_client_factory: RawClientFactory, names: Names
    ) -> None:
        """The suite's version expects the adapter's unkeyed records in publish order; on a
        topic of several partitions they spread over them, so Kafka gives no such order."""
        adapter = adapter_factory()
        adapter.start(names.declared)
        raw = raw_client_factory()
        inbox = raw.subscribe(names.concrete[0])
        for i in range(3):
            adapter.publish(names.concrete[0], b"mine-%d" % i)
        assert adapter.drain() == []
        received = inbox.wait_for(3, 5)
        assert sorted((d, p) for d, p, _ in received) == [
            (names.concrete[0], b"mine-%d" % i) for i in range(3)
        ]


@pytest.fixture(scope="module")
def local_tansu() -> Iterator[ProvisionedBroker]:
    broker = start_local("kafka")
    yield broker
    broker.stop()


class TestKafkaLocal(KafkaFixtures):
    @pytest.fixture
    def kafka_url(self, local_tansu: ProvisionedBroker) -> str:
        return local_tansu.endpoint.url

    @pytest.fixture
    def killable(self) -> Iterator[tuple[CaptureAdapter, Callable[[], None]]]:
        broker = start_local("kafka")
        adapter = KafkaCapture(broker.endpoint.url)
        yield adapter, broker.kill
        adapter.close()
        broker.stop()


# -- through a real Docker engine --------------------------------------------------------


@pytest.fixture(scope="session")
def tansu_image() -> str:
    """The image `.ci/docker.sh` builds; built here the same way when it is absent."""
    problem = docker_problem()
    if problem is not None:
        pytest.fail(f"{problem}: run `.ci/docker.sh .venv` (.ci/run installs and starts Docker)")
    if subprocess.run(["docker", "image", "inspect", IMAGE], capture_output=True).returncode:
        dockerfile = Path(__file__).resolve().parents[1] / "images" / "tansu.Dockerfile"
        with tempfile.TemporaryDirectory() as context:
            shutil.copy(find_binary("kafka"), Path(context) / "tansu")
            subprocess.run(
                ["docker", "build", "-q", "-t", IMAGE, "-f", str(dockerfile), context],
                check=True,
                capture_output=True,
                timeout=300,
            )
    return IMAGE


@pytest.fixture(scope="module")
def tansu_container(tansu_image: str) -> Iterator[ContainerBroker]:
    broker = start_container("kafka", image=tansu_image)
    yield broker
    broker.stop()


@pytest.mark.docker
class TestKafkaDocker(KafkaFixtures):
    @pytest.fixture
    def kafka_url(self, tansu_container: ContainerBroker) -> str:
        return tansu_container.endpoint.url

    @pytest.fixture
    def killable(self, tansu_image: str) -> Iterator[tuple[CaptureAdapter, Callable[[], None]]]:
        broker = start_container("kafka", image=tansu_image)
        adapter = KafkaCapture(broker.endpoint.url)
        yield adapter, broker.kill
        adapter.close()
        broker.stop()
