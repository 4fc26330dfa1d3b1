"""AMQP 0-9-1 (RabbitMQ): the protocol's registry description (see
:mod:`pytest_asyncapi.brokers.registry`).

``capture`` (aiormq, one connection, one private queue), ``provisioning`` (container, local
rabbitmq-server, ``connection.start`` probe), and here :func:`capture_plan`: what the capture
binds, read from the channels' ``amqp`` bindings. Importing this package imports only the
standard library.

A channel's destination is the routing key: the channel address (``bindings.amqp.queue.name``
for an ``is: queue`` channel). Messages through a fanout or headers exchange, where the routing
key means nothing, take the address of that exchange's channel as their destination.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pytest_asyncapi.brokers.amqp import provisioning
from pytest_asyncapi.brokers.registry import ContainerRecipe, LocalRecipe, ProtocolDescription

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pytest_asyncapi.brokers.base import CaptureAdapter
    from pytest_asyncapi.brokers.endpoints import Address
    from pytest_asyncapi.brokers.publishing import PublishHelpers
    from pytest_asyncapi.plugin.settings import Settings
    from pytest_asyncapi.routing import Route
    from pytest_asyncapi.spec.model import Channel

DEFAULT_EXCHANGE = "amq.topic"
"""What a capture without a plan binds (``#``) and publishes to: RabbitMQ's built-in topic
exchange (``asyncapi-contract record``, the conformance suite)."""

EXCHANGE_TYPES = ("topic", "direct", "fanout", "headers")


@dataclass
class ExchangeCapture:
    """One exchange the capture queue is bound to."""

    name: str
    type: str | None
    """As the binding declares it (``None``: not declared)."""
    durable: bool = False
    auto_delete: bool = False
    keys: list[str] = field(default_factory=list)
    """Binding keys: ``#`` on a topic exchange (every routing key, so undeclared ones are
    seen), the channels' routing keys on a direct one, ``""`` on fanout and headers."""
    destination: str | None = None
    """Fanout/headers: the destination of every message through it (its channel's address)."""


@dataclass
class CapturePlan:
    """What the capture binds, where the adapter publishes, and what it cannot see."""

    exchanges: list[ExchangeCapture] = field(default_factory=list)
    publish_to: list[tuple[str, str]] = field(default_factory=list)
    """``(destination regex, exchange)``: the exchange a publish on a destination goes to
    (``""``, the default exchange, for queue channels: the routing key names the queue)."""
    notes: list[str] = field(default_factory=list)
    """Channels (or parts of them) the capture cannot see: their messages stay unchecked."""


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _exchange(plan: CapturePlan, name: str, declared: dict[str, Any]) -> ExchangeCapture:
    found = next((e for e in plan.exchanges if e.name == name), None)
    if found is None:
        kind = declared.get("type")
        found = ExchangeCapture(
            name=name,
            type=kind if kind in EXCHANGE_TYPES else None,
            durable=declared.get("durable") is True,
            auto_delete=declared.get("autoDelete") is True,
        )
        plan.exchanges.append(found)
    return found


def channel_exchange(channel: Channel) -> str:
    """The exchange a publish on ``channel`` goes to: the binding's ``exchange.name``, or
    ``""`` (the default exchange, the routing key naming a queue) for a queue channel or a
    binding that names no exchange."""
    amqp = _mapping(channel.bindings.get("amqp"))
    name = _mapping(amqp.get("exchange")).get("name")
    if amqp.get("is") == "queue" or not isinstance(name, str):
        return ""
    return name


def capture_plan(routes: Sequence[Route]) -> CapturePlan:
    """The capture's bindings from the channels' ``amqp`` bindings (0.2.0 / 0.3.0)."""
    from pytest_asyncapi.spec.building import ADDRESS_PARAMETER

    plan = CapturePlan()
    for route in routes:
        channel = f"channel {route.channel.id!r}"
        declared = _mapping(_mapping(route.channel.bindings.get("amqp")).get("exchange"))
        name = channel_exchange(route.channel)
        if not name:
            plan.publish_to.append((route.regex.pattern, ""))
            plan.notes.append(
                f"AMQP: {channel} is a queue ({route.destination!r}) or names no exchange: "
                "messages sent to a queue through the default exchange cannot be copied "
                "without taking them from its consumers, so they are not captured (unchecked)"
            )
            continue
        plan.publish_to.append((route.regex.pattern, name))
        exchange = _exchange(plan, name, declared)
        parameterised = bool(ADDRESS_PARAMETER.search(route.destination))
        if exchange.type in ("fanout", "headers"):
            exchange.keys = [""]
            if not parameterised and exchange.destination is None:
                exchange.destination = route.destination
        elif exchange.type == "topic":
            exchange.keys = ["#"]
        elif exchange.type == "direct" and parameterised:
            plan.notes.append(
                f"AMQP: {channel}: direct exchange {name!r} has no wildcards, so routing keys "
                f"of {route.destination!r} are not captured (unchecked); declare the exchange "
                "as topic, or one channel per routing key"
            )
        else:  # direct, or a type the binding does not say: the routing key, and `#`
            keys = [route.pattern] if exchange.type == "direct" else ["#", route.pattern]
            exchange.keys += [k for k in keys if k not in exchange.keys]
    return plan


def _canonical_url(addresses: list[Address]) -> str:
    address = addresses[0]
    scheme = "amqps" if address.tls else "amqp"
    userinfo = f"{address.userinfo}@" if address.userinfo else ""
    return f"{scheme}://{userinfo}{address.hostport}"


def _subscription_pattern(destination: str) -> str:
    """Each routing-key word holding a ``{param}`` becomes ``*`` (a topic binding key)."""
    from pytest_asyncapi.spec.building import ADDRESS_PARAMETER

    words = destination.split(".")
    return ".".join("*" if ADDRESS_PARAMETER.search(word) else word for word in words)


def _session_capture(url: str, settings: Settings, routes: Sequence[Route]) -> CaptureAdapter:
    from pytest_asyncapi.brokers.amqp.capture import AmqpCapture

    return AmqpCapture(url, plan=capture_plan(routes), connect_timeout=settings.startup_timeout)


def _record_capture(url: str) -> CaptureAdapter:
    from pytest_asyncapi.brokers.amqp.capture import AmqpCapture

    return AmqpCapture(url)


def _publish_helpers() -> PublishHelpers:
    from pytest_asyncapi.brokers.amqp.codegen import HELPERS

    return HELPERS


DESCRIPTION = ProtocolDescription(
    name="amqp",
    label="AMQP",
    schemes=("amqp", "amqps"),
    tls_schemes=("amqps",),
    document_protocols=("amqp", "amqps"),
    default_port=5672,
    url_form="amqp[s]://[user:password@]host:port",
    url_credentials=True,
    env_var="AMQP_URL",
    env_value=lambda url, servers: url,
    server=lambda address: address.hostport,
    canonical_url=_canonical_url,
    probe=provisioning.connection_start,
    container=ContainerRecipe(
        image="rabbitmq:3.13.7",
        image_hint="AMQP: rabbitmq (guest may log in from outside the container)",
        prepare=provisioning.prepare_container,
        mapped_port=provisioning.PORT,
    ),
    local=LocalRecipe(
        find=provisioning.find_binary,
        not_found="rabbitmq-server not found at /usr/lib/rabbitmq/bin/rabbitmq-server nor on PATH",
        install_hint="apt-get install rabbitmq-server (Debian/Ubuntu), brew install rabbitmq, "
        "or put rabbitmq-server on PATH",
        command=provisioning.command,
    ),
    session_capture=_session_capture,
    preload=("pytest_asyncapi.brokers.amqp.capture", "aiormq"),
    record_capture=_record_capture,
    binding_field="queue.name",
    address_destination=lambda address, slash_to_dot: address,
    subscription_pattern=_subscription_pattern,
    parameter_value=r"[^.]+",
    machinery=(),
    has_keys=False,
    headers="the AMQP headers table: (name, bytes) pairs in table order (strings as UTF-8, "
    "numbers and booleans as text, arrays and tables as JSON); a table has no repeated "
    "names; None for a message without one",
    publish_helpers=_publish_helpers,
)
