"""Kafka's own plugin option: the partitions of the topics the plugin creates.

Registered through the registry (``DESCRIPTION.options``); read into :class:`KafkaOptions`,
which the plugin's ``Settings`` keeps under ``protocol_options["kafka"]``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pytest_asyncapi import options
from pytest_asyncapi.options import Option

_PARTITIONS = Option(
    "--asyncapi-kafka-partitions",
    "asyncapi_kafka_partitions",
    "partitions of the Kafka topics created for declared channels, unless the channel's "
    "Kafka binding says (default 3)",
    default=3,
    metavar="N",
)
OPTIONS = (_PARTITIONS,)


@dataclass(frozen=True)
class KafkaOptions:
    """The checked Kafka options of one pytest run."""

    partitions: int = 3


def read(get: Any) -> KafkaOptions:
    """The Kafka options from ``get`` (see :mod:`pytest_asyncapi.options`)."""
    return KafkaOptions(int(options.number(get(_PARTITIONS), _PARTITIONS.flag, 1, 10_000)))
