"""The protocol registry: complete entries, one folder each, and a clear error for the rest."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_asyncapi.brokers import registry
from pytest_asyncapi.brokers.endpoints import canonical_url, endpoint, split_url
from pytest_asyncapi.brokers.kafka.options import KafkaOptions
from pytest_asyncapi.brokers.nats.options import NatsOptions
from pytest_asyncapi.brokers.registry import (
    ContainerRecipe,
    LocalRecipe,
    ProtocolDescription,
    UnknownProtocol,
)
from pytest_asyncapi.options import Option, SettingsError
from pytest_asyncapi.plugin.settings import all_options, read_settings
from pytest_asyncapi.routing import build_routes, channel_destination, subscription_pattern
from pytest_asyncapi.spec.model import Channel

ROOT = Path(__file__).resolve().parents[2]


def test_unknown_protocol_is_a_clear_error_naming_the_known_ones() -> None:
    with pytest.raises(UnknownProtocol) as info:
        registry.describe("stomp")
    known = "nats, kafka, mqtt, amqp"
    assert str(info.value) == f"unknown broker protocol 'stomp': known protocols are {known}"
    assert isinstance(info.value, ValueError)
    assert info.value.protocol == "stomp"


@pytest.mark.parametrize(
    "call",
    [
        lambda: build_routes([], "stomp"),
        lambda: subscription_pattern("a.{b}", "stomp"),
        lambda: endpoint("stomp", "h", 1, "url").servers,
    ],
    ids=["routes", "pattern", "servers"],
)
def test_no_module_falls_back_to_another_protocol(call: object) -> None:
    with pytest.raises(UnknownProtocol, match="known protocols are nats, kafka, mqtt, amqp"):
        call()  # type: ignore[operator]


def test_the_registry_lists_the_protocols_in_order() -> None:
    assert registry.names() == ("nats", "kafka", "mqtt", "amqp")
    assert [d.name for d in registry.descriptions()] == ["nats", "kafka", "mqtt", "amqp"]
    assert registry.schemes() == {
        "nats": "nats",
        "tls": "nats",
        "kafka": "kafka",
        "mqtt": "mqtt",
        "amqp": "amqp",
        "amqps": "amqp",
    }
    assert registry.by_document_protocol("kafka-secure") is registry.describe("kafka")
    assert registry.by_document_protocol("mqtt5") is registry.describe("mqtt")
    assert registry.by_document_protocol("amqps") is registry.describe("amqp")
    assert registry.by_document_protocol("stomp") is None
    assert registry.by_scheme("stomp") is None


@pytest.mark.parametrize("name", registry.names())
def test_every_entry_is_complete(name: str) -> None:
    described = registry.describe(name)
    assert isinstance(described, ProtocolDescription)
    assert described.name == name
    # its folder exposes it
    module = dict(registry.REGISTRY)[name]
    assert module == f"pytest_asyncapi.brokers.{name}"
    assert (ROOT / "pytest_asyncapi" / "brokers" / name / "__init__.py").is_file()
    for item in (described, described.container, described.local):
        for spec in dataclasses.fields(item):  # type: ignore[arg-type]
            value = getattr(item, spec.name)
            if spec.name in (
                "tls_schemes",
                "machinery",
                "mapped_port",
                "check_ready",
                "options",
                "read_options",
            ):
                continue  # may be empty: not every protocol has them
            if spec.name in ("has_keys", "url_credentials", "reply_inbox"):
                continue  # a choice either way
            assert value, f"{name}: {spec.name} is empty"
    assert isinstance(described.container, ContainerRecipe)
    assert isinstance(described.local, LocalRecipe)
    assert described.schemes[0] == name
    assert set(described.tls_schemes) <= set(described.schemes)
    assert name in described.document_protocols
    assert 0 < described.default_port < 65536
    assert (described.container.mapped_port is None) or described.container.mapped_port > 0
    # URL rules: the canonical scheme, the default port, the round trip
    protocol, (address,) = split_url(f"{name}://broker.example")
    assert protocol == name
    assert address.port == described.default_port
    url = canonical_url(f"{name}://broker.example:1234")
    assert split_url(url)[0] == name
    assert canonical_url(url) == url
    assert described.env_value(url, [described.server(address)])
    # a conformance subclass runs the one suite against it
    conformance = ROOT / "tests" / "conformance" / f"test_{name}.py"
    assert "CaptureAdapterConformance" in conformance.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", registry.names())
def test_routing_asks_the_entry(name: str) -> None:
    described = registry.describe(name)
    binding: object = "x.y"  # at the binding field, a dotted path naming a nested one
    for field in reversed(described.binding_field.split(".")):
        binding = {field: binding}
    channel = _channel("a/{b}", {name: binding})
    assert channel_destination(channel, name, slash_to_dot=False, overrides={}) == "x.y"
    plain = _channel("a.{b}", {})
    expected = described.address_destination("a.{b}", False)
    assert channel_destination(plain, name, slash_to_dot=False, overrides={}) == expected
    assert subscription_pattern("a.{b}", name) == described.subscription_pattern("a.{b}")


def test_the_registry_and_its_descriptions_import_nothing_heavy() -> None:
    heavy = [
        "nats",
        "aiokafka",
        "paho",
        "aiomqtt",
        "aiormq",
        "pamqp",
        "testcontainers",
        "docker",
        "yaml",
        "jsonschema",
        "orjson",
    ]
    code = (
        "import sys\n"
        "from pytest_asyncapi.brokers import registry\n"
        "registry.descriptions()\n"
        f"print([m for m in {heavy!r} if m in sys.modules])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def _channel(address: str, bindings: dict[str, object]) -> Channel:
    return Channel(
        id="c",
        address=address,
        parameters=(),
        messages=(),
        bindings=bindings,
        servers=(),
        pointer="",
    )


def test_protocol_options_come_from_the_registry_and_are_read_into_settings(tmp_path: Path) -> None:
    flags = [option.flag for option in all_options()]
    assert len(flags) == len(set(flags))  # no protocol shadows another's (or the plugin's) flag
    for described in registry.descriptions():
        assert bool(described.options) == (described.read_options is not None), described.name
        assert all(o.flag.startswith("--asyncapi-") for o in described.options)
    assert "--asyncapi-nats-creds" in flags
    assert "--asyncapi-kafka-partitions" in flags
    spec = tmp_path / "spec.yaml"
    spec.write_text("asyncapi: 3.0.0\n")
    given = {"asyncapi_specs": [str(spec)], "asyncapi_nats_streams": ["ORDERS=orders.>"]}
    given["asyncapi_kafka_partitions"] = "7"

    def get(option: Option) -> object:
        return given.get(option.ini, option.default)

    get.base = lambda option: (tmp_path, "from the test")  # type: ignore[attr-defined]
    get.explicit = lambda ini: ini in given  # type: ignore[attr-defined]
    settings = read_settings(get, tmp_path)
    assert settings is not None
    assert settings.protocol_options["nats"] == NatsOptions(streams={"ORDERS": ("orders.>",)})
    assert settings.protocol_options["kafka"] == KafkaOptions(partitions=7)
    given["asyncapi_nats_capture"] = "everything"
    with pytest.raises(SettingsError, match="--asyncapi-nats-capture: 'everything' is not valid"):
        read_settings(get, tmp_path)
