"""Kafka bootstrap URLs, and which topics the capture consumer reads.

Declared destinations are topic names or templates with ``{param}`` tokens; a template
becomes the same regular expression :mod:`pytest_asyncapi.routing` uses to attribute records,
so a topic is captured exactly when a channel would claim it. Every other topic is captured
too (the Kafka catch-all) unless it is one of the broker's own (``__consumer_offsets``,
``_schemas``, ``__*``, ``_confluent*``) or ``undeclared`` is off.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from pytest_asyncapi.errors import BrokerError
from pytest_asyncapi.routing import destination_regex
from pytest_asyncapi.spec.building import ADDRESS_PARAMETER

if TYPE_CHECKING:
    import re
    from collections.abc import Sequence

__all__ = ["INTERNAL_PREFIXES", "TopicSelector", "bootstrap_servers"]

INTERNAL_PREFIXES = ("__", "_schemas", "_confluent")
"""Topic name prefixes of brokers' and registries' own machinery, not captured by default."""

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
                patterns.append(destination_regex(destination))
            else:
                literal.append(destination)
        return cls(tuple(literal), tuple(patterns), undeclared)

    def wants(self, topic: str, *, internal: bool = False) -> bool:
        if topic in self.literal or any(p.fullmatch(topic) for p in self.patterns):
            return True
        return self.undeclared and not internal and not topic.startswith(INTERNAL_PREFIXES)
