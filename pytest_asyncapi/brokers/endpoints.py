"""Where a broker is and what was provisioned: endpoints, the broker option, the handle."""

from __future__ import annotations

import abc
import urllib.parse
from dataclasses import dataclass

from pytest_asyncapi.brokers import registry
from pytest_asyncapi.masking import mask

Protocol = str
"""A registered protocol's name (:func:`pytest_asyncapi.brokers.registry.names`)."""
MODES = ("auto", "container", "local")


@dataclass(frozen=True)
class Address:
    """One server of an endpoint (``userinfo`` is kept as written for URLs that carry
    credentials; ``tls`` marks a server given with a TLS scheme such as NATS ``tls://``)."""

    host: str
    port: int
    userinfo: str = ""
    tls: bool = False

    @property
    def hostport(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


@dataclass(frozen=True)
class BrokerEndpoint:
    """A reachable broker: ``url`` is its canonical URL (``nats://h:p[,nats://h:p]``,
    ``kafka://h:p[,h:p]``, …)."""

    protocol: str
    url: str
    source: str  # "url" | "container" | "local"

    @property
    def addresses(self) -> list[Address]:
        return split_url(self.url)[1]

    @property
    def servers(self) -> list[str]:
        """The servers as the protocol's client takes them (NATS: ``nats://`` URLs for
        ``nats.connect``; Kafka: ``host:port`` bootstrap servers)."""
        server = registry.describe(self.protocol).server
        return [server(a) for a in self.addresses]


def endpoint(protocol: str, host: str, port: int, source: str) -> BrokerEndpoint:
    """The endpoint of one server on ``host:port``."""
    return BrokerEndpoint(protocol, f"{protocol}://{Address(host, port).hostport}", source)


def split_url(url: str) -> tuple[str, list[Address]]:
    """``(protocol, addresses)`` of a broker URL; ``ValueError`` says what is wrong with it."""
    scheme, sep, rest = url.strip().partition("://")
    scheme = scheme.lower()
    described = registry.by_scheme(scheme)
    if not sep or described is None:
        raise ValueError(mask(f"{url!r} is not a broker URL: expected {registry.url_forms()}"))
    tls = scheme in described.tls_schemes
    addresses = []
    for part in rest.split(","):
        part, part_tls = part.strip(), tls
        for prefix in [f"{s}://" for s in described.schemes]:
            if part.lower().startswith(prefix):
                part, part_tls = part[len(prefix) :], prefix[:-3] in described.tls_schemes
        address = _address(url, described, part)
        addresses.append(Address(address.host, address.port, address.userinfo, part_tls))
    return described.name, addresses


def _address(url: str, described: registry.ProtocolDescription, part: str) -> Address:
    parsed = urllib.parse.urlsplit(f"//{part}")
    try:
        port = parsed.port
    except ValueError:
        port = -1
    if not parsed.hostname or port == -1 or parsed.path or parsed.query or "://" in part:
        raise ValueError(
            mask(f"{url!r}: {part!r} is not host:port (expected {registry.url_forms()})")
        )
    userinfo = parsed.netloc.rpartition("@")[0]
    if userinfo and not described.url_credentials:
        raise ValueError(
            mask(f"{url!r}: {described.schemes[0]}:// URLs take no credentials (got {part!r})")
        )
    return Address(parsed.hostname, port or described.default_port, userinfo)


def canonical_url(url: str) -> str:
    """``url`` with every server written out in full (``ValueError`` when malformed)."""
    protocol, addresses = split_url(url)
    return registry.describe(protocol).canonical_url(addresses)


def parse_broker_option(value: str) -> tuple[str, str | None]:
    """``("auto"|"container"|"local", None)`` or ``("url", canonical URL)``.

    Raises ``ValueError`` listing the valid choices.
    """
    text = value.strip()
    if text.lower() in MODES:
        return text.lower(), None
    choices = f"expected one of {', '.join(MODES)}, or a broker URL ({registry.url_forms()})"
    if "://" not in text:
        raise ValueError(f"invalid broker choice {value!r}: {choices}")
    try:
        return "url", canonical_url(text)
    except ValueError as exc:
        raise ValueError(f"invalid broker choice: {exc}; {choices}") from None


class ProvisionedBroker(abc.ABC):
    """A broker this session uses. ``description`` says what it is (for the report header);
    ``fallbacks`` says why the earlier ways of ``auto`` were not taken."""

    endpoint: BrokerEndpoint
    description: str
    fallbacks: tuple[str, ...] = ()

    @abc.abstractmethod
    def stop(self) -> None:
        """Stop the broker and clean up; calling it again does nothing."""

    @abc.abstractmethod
    def kill(self) -> None:
        """Kill the broker at once (no graceful shutdown); ``stop`` still cleans up."""

    @abc.abstractmethod
    def log_tail(self, lines: int = 20) -> str:
        """The broker's last log lines ("" when it has no log)."""

    def __enter__(self) -> ProvisionedBroker:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


class UrlBroker(ProvisionedBroker):
    """A broker someone else runs: nothing to stop, no log to read."""

    def __init__(self, endpoint: BrokerEndpoint) -> None:
        self.endpoint = endpoint
        self.description = f"given URL {mask(endpoint.url)}"

    def stop(self) -> None:
        return None

    def kill(self) -> None:
        return None

    def log_tail(self, lines: int = 20) -> str:
        return ""
