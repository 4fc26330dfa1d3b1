"""Kafka bootstrap URLs, which topics the capture consumer reads, and creating declared ones.

Declared destinations are topic names or templates with ``{param}`` tokens; a template
becomes the same regular expression :mod:`pytest_asyncapi.routing` uses to attribute records,
so a topic is captured exactly when a channel would claim it. Every other topic is captured
too (the Kafka catch-all) unless it is one of the broker's own (``__consumer_offsets``,
``_schemas``, ``__*``, ``_confluent*``) or ``undeclared`` is off.
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from pytest_asyncapi.brokers.kafka import DESCRIPTION
from pytest_asyncapi.errors import BrokerError
from pytest_asyncapi.routing import destination_regex
from pytest_asyncapi.spec.building import ADDRESS_PARAMETER

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import Any

__all__ = ["INTERNAL_PREFIXES", "TopicSelector", "bootstrap_servers", "create_missing"]

INTERNAL_PREFIXES = ("__", "_schemas", "_confluent")
"""Topic name prefixes of brokers' and registries' own machinery, not captured by default."""

LEGAL_TOPIC = re.compile(r"[a-zA-Z0-9._-]{1,249}")
_URL_HINT = "use kafka://host:port[,host:port] (or host:port[,host:port])"


def bootstrap_servers(url: str) -> list[str]:
    """``kafka://h1:p1,h2:p2`` (scheme optional) as ``["h1:p1", "h2:p2"]``."""
    rest = url.strip()
    if "://" in rest:
        scheme, _, rest = rest.partition("://")
        if scheme.lower() != "kafka":
            raise BrokerError(f"not a Kafka URL: {url!r} (scheme {scheme!r})", hint=_URL_HINT)
    servers = []
    for one in rest.split(","):
        one = one.strip().rstrip("/")
        parts = urlsplit("kafka://" + one)
        try:
            port = parts.port
        except ValueError as exc:
            raise BrokerError(f"bad port in Kafka URL {url!r}: {exc}", hint=_URL_HINT) from None
        if not parts.hostname or port is None or parts.path:
            raise BrokerError(f"not a host:port in Kafka URL {url!r}: {one!r}", hint=_URL_HINT)
        servers.append(f"{parts.hostname}:{port}")
    return servers


@dataclass(frozen=True)
class TopicSelector:
    """Which topics to read: the declared ones, and (``undeclared``) every other non-internal."""

    literal: tuple[str, ...]
    """Declared topic names without parameters (these can be created up front)."""
    patterns: tuple[re.Pattern[str], ...]
    undeclared: bool = True

    @classmethod
    def of(cls, destinations: Sequence[str], *, undeclared: bool = True) -> TopicSelector:
        literal: list[str] = []
        patterns: list[re.Pattern[str]] = []
        for destination in dict.fromkeys(destinations):
            if ADDRESS_PARAMETER.search(destination):
                patterns.append(destination_regex(destination, DESCRIPTION.parameter_value))
            else:
                literal.append(destination)
        return cls(tuple(literal), tuple(patterns), undeclared)

    def wants(self, topic: str, *, internal: bool = False) -> bool:
        if topic in self.literal or any(p.fullmatch(topic) for p in self.patterns):
            return True
        return self.undeclared and not internal and not topic.startswith(INTERNAL_PREFIXES)


async def create_missing(
    admin: Any,
    topics: Sequence[str],
    *,
    partitions: int,
    replication_factor: int,
    timeout: float,
    topic_partitions: Mapping[str, int] | None = None,
) -> None:
    """Create those of ``topics`` that do not exist (through an aiokafka admin client) and
    return once each new partition has a leader; bounded by ``timeout``. ``topic_partitions``
    overrides ``partitions`` per topic (the Kafka channel binding's ``partitions``)."""
    from aiokafka.admin import NewTopic

    illegal = [t for t in topics if not LEGAL_TOPIC.fullmatch(t) or t in (".", "..")]
    if illegal:
        raise BrokerError(
            f"cannot create Kafka topic(s) {', '.join(map(repr, illegal))}: a topic name is "
            "1 to 249 letters, digits, '.', '_' or '-'",
            hint="give the channel a Kafka binding `topic`, or map its address to a topic",
        )
    described = await asyncio.wait_for(admin.describe_topics(), timeout)
    missing = [t for t in topics if t not in {d["topic"] for d in described}]
    if not missing:
        return
    counts = topic_partitions or {}
    request = [NewTopic(t, counts.get(t, partitions), replication_factor) for t in missing]
    response = await asyncio.wait_for(admin.create_topics(request), timeout)
    failed = [
        f"{name}: {message or f'error {code}'}"
        for name, code, message in (e[:3] for e in response.topic_errors)
        if code not in (0, 36)  # 36: TOPIC_ALREADY_EXISTS (created meanwhile)
    ]
    if failed:
        raise BrokerError(
            f"the Kafka broker refused to create topic(s): {'; '.join(failed)}",
            hint="create them yourself, or pass create_topics=False",
        )
    deadline = time.monotonic() + timeout
    while True:
        described = await asyncio.wait_for(admin.describe_topics(missing), timeout)
        if all(
            d["error_code"] == 0
            and d["partitions"]
            and all(p["leader"] >= 0 for p in d["partitions"])
            for d in described
        ):
            return
        if time.monotonic() > deadline:
            raise asyncio.TimeoutError(f"new topics {missing} have no leader after {timeout} s")
        await asyncio.sleep(0.02)
