"""MQTT: the protocol's registry description (see :mod:`pytest_asyncapi.brokers.registry`).

``capture`` (paho-mqtt, one MQTT 5 connection), ``provisioning`` (container, local mosquitto,
CONNECT/CONNACK probe). Importing this package imports only the standard library.
"""

from __future__ import annotations

import signal
from typing import TYPE_CHECKING

from pytest_asyncapi.brokers.mqtt import provisioning
from pytest_asyncapi.brokers.registry import ContainerRecipe, LocalRecipe, ProtocolDescription

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pytest_asyncapi.brokers.base import CaptureAdapter
    from pytest_asyncapi.brokers.endpoints import Address
    from pytest_asyncapi.brokers.publishing import PublishHelpers
    from pytest_asyncapi.plugin.settings import Settings
    from pytest_asyncapi.routing import Route
    from pytest_asyncapi.spec.model import Channel, Spec


def _canonical_url(addresses: list[Address]) -> str:
    return "mqtt://" + addresses[0].hostport


def _subscription_pattern(destination: str) -> str:
    """Each topic level holding a ``{param}`` becomes ``+``."""
    from pytest_asyncapi.spec.building import ADDRESS_PARAMETER

    levels = destination.split("/")
    return "/".join("+" if ADDRESS_PARAMETER.search(level) else level for level in levels)


def binding_qos(routes: Sequence[Route]) -> tuple[tuple[str, int], ...]:
    """``(topic regex, qos)`` for every channel one of whose operations has an MQTT binding
    with a ``qos`` of 0, 1 or 2: what the adapter publishes on that channel's topics with."""
    return tuple(
        (route.regex.pattern, qos)
        for route in routes
        if (qos := channel_qos(route.spec, route.channel)) is not None
    )


def channel_qos(spec: Spec, channel: Channel) -> int | None:
    """The ``qos`` (0, 1 or 2) of the first operation on ``channel`` whose MQTT binding has
    one, else ``None``."""
    for operation in spec.operations_on(channel):
        mqtt = operation.bindings.get("mqtt")
        qos = mqtt.get("qos") if isinstance(mqtt, dict) else None
        if qos in (0, 1, 2) and not isinstance(qos, bool):
            return int(qos)
    return None


def _session_capture(url: str, settings: Settings, routes: Sequence[Route]) -> CaptureAdapter:
    from pytest_asyncapi.brokers.mqtt.capture import MqttCapture

    return MqttCapture(url, connect_timeout=settings.startup_timeout, qos=binding_qos(routes))


def _record_capture(url: str) -> CaptureAdapter:
    from pytest_asyncapi.brokers.mqtt.capture import MqttCapture

    return MqttCapture(url)


def _publish_helpers() -> PublishHelpers:
    from pytest_asyncapi.brokers.mqtt.codegen import HELPERS

    return HELPERS


DESCRIPTION = ProtocolDescription(
    name="mqtt",
    label="MQTT",
    schemes=("mqtt",),
    tls_schemes=(),
    document_protocols=("mqtt", "mqtt5"),
    default_port=1883,
    url_form="mqtt://host:port",
    url_credentials=False,
    env_var="MQTT_URL",
    env_value=lambda url, servers: url,
    server=lambda address: address.hostport,
    canonical_url=_canonical_url,
    probe=provisioning.connack,
    container=ContainerRecipe(
        image="eclipse-mosquitto:2.0.20",
        image_hint="MQTT: eclipse-mosquitto (with /mosquitto-no-auth.conf)",
        prepare=provisioning.prepare_container,
        mapped_port=provisioning.PORT,
    ),
    local=LocalRecipe(
        find=provisioning.find_binary,
        not_found="mosquitto not found on PATH nor at /usr/sbin/mosquitto",
        install_hint="apt-get install mosquitto (Debian/Ubuntu), brew install mosquitto, "
        "or put mosquitto on PATH",
        command=provisioning.command,
        # mosquitto looks at SIGTERM only between 100 ms waits; it keeps nothing (persistence
        # false), so SIGKILL loses nothing
        stop_signal=signal.SIGKILL,
    ),
    session_capture=_session_capture,
    preload=("pytest_asyncapi.brokers.mqtt.capture", "paho.mqtt.client"),
    record_capture=_record_capture,
    binding_field="topic",
    address_destination=lambda address, slash_to_dot: address,
    subscription_pattern=_subscription_pattern,
    parameter_value=r"[^/]+",
    machinery=("asyncapi-capture/",),
    has_keys=False,
    headers="MQTT 5 user properties: (name, bytes) pairs in wire order, repeated names kept; "
    "None for a message without any (every MQTT 3.1.1 message)",
    publish_helpers=_publish_helpers,
)
