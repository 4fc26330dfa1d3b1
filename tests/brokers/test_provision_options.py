"""The broker option, broker URLs and endpoints: pure parsing, no network."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pytest_asyncapi.brokers.endpoints import Address, BrokerEndpoint, split_url
from pytest_asyncapi.brokers.kafka.provisioning import check_advertised
from pytest_asyncapi.brokers.provision import parse_broker_option, provision
from pytest_asyncapi.errors import BrokerError


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("auto", ("auto", None)),
        (" Container ", ("container", None)),
        ("LOCAL", ("local", None)),
        ("nats://127.0.0.1:4222", ("url", "nats://127.0.0.1:4222")),
        ("nats://a:1,nats://b:2", ("url", "nats://a:1,nats://b:2")),
        ("nats://a:1, b:2", ("url", "nats://a:1,nats://b:2")),
        ("nats://localhost", ("url", "nats://localhost:4222")),
        ("nats://user:secret@h:4223", ("url", "nats://user:secret@h:4223")),
        ("kafka://h1:9092,h2:9093", ("url", "kafka://h1:9092,h2:9093")),
        ("kafka://h1,kafka://h2:1", ("url", "kafka://h1:9092,h2:1")),
        ("KAFKA://[::1]:19092", ("url", "kafka://[::1]:19092")),
    ],
)
def test_valid_broker_choices(value: str, expected: tuple[str, str | None]) -> None:
    assert parse_broker_option(value) == expected


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("docker", "invalid broker choice 'docker'"),
        ("", "invalid broker choice ''"),
        ("localhost:9092", "invalid broker choice 'localhost:9092'"),
        ("stomp://h:61613", "'stomp://h:61613' is not a broker URL"),
        ("nats://h:notaport", "'h:notaport' is not host:port"),
        ("nats://h:70000", "'h:70000' is not host:port"),
        ("nats://", "'' is not host:port"),
        ("nats://h:1,", "'' is not host:port"),
        ("kafka://h:1/path", "'h:1/path' is not host:port"),
        ("kafka://h:1,nats://h:2", "'nats://h:2' is not host:port"),
        ("kafka://u:p@h:1", "kafka:// URLs take no credentials"),
    ],
)
def test_invalid_broker_choices_list_the_valid_ones(value: str, says: str) -> None:
    with pytest.raises(ValueError, match="expected one of auto, container, local") as info:
        parse_broker_option(value)
    assert says in str(info.value)
    assert "nats://host:port" in str(info.value)
    assert "kafka://host:port" in str(info.value)


def test_endpoint_servers_per_protocol() -> None:
    nats = BrokerEndpoint("nats", "nats://u:p@a:1,nats://[::1]:2", "url")
    assert nats.servers == ["nats://u:p@a:1", "nats://[::1]:2"]
    kafka = BrokerEndpoint("kafka", "kafka://a:1,b:2", "url")
    assert kafka.servers == ["a:1", "b:2"]
    assert [a.port for a in kafka.addresses] == [1, 2]
    assert split_url("kafka://a:1")[0] == "kafka"


def test_url_of_the_other_protocol_is_refused() -> None:
    with pytest.raises(BrokerError, match=r"'nats://127\.0\.0\.1:4222' is for nats") as info:
        provision("kafka", "nats://127.0.0.1:4222")
    assert info.value.hint == "pass a kafka://host:port URL"


def test_unknown_protocol() -> None:
    with pytest.raises(ValueError, match=r"unknown broker protocol 'stomp'"):
        provision("stomp", "auto")


def test_importing_provision_imports_no_client() -> None:
    heavy = ["testcontainers", "docker", "nats", "aiokafka"]
    code = (
        "import sys, pytest_asyncapi.brokers.provision\n"
        f"print([m for m in {heavy!r} if m in sys.modules])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_wrong_advertised_listener_is_refused() -> None:
    with pytest.raises(BrokerError, match=r"advertises 127\.0\.0\.1:9092"):
        check_advertised(Address("127.0.0.1", 40000), [Address("127.0.0.1", 9092)], "some/kafka")


def test_a_broker_config_file_with_a_container_is_refused_naming_the_file(tmp_path: Path) -> None:
    config = tmp_path / "nats.conf"
    config.write_text("port: 4222\n")
    with pytest.raises(BrokerError) as raised:
        provision("nats", "container", config=config)
    assert str(config) in str(raised.value)
    assert "does not apply to a container" in str(raised.value)
    assert "--asyncapi-broker local" in (raised.value.hint or "")
