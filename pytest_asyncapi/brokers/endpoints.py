"""Where a broker is and what was provisioned: endpoints, the broker option, the handle."""

from __future__ import annotations

import abc
import urllib.parse
from dataclasses import dataclass
from typing import Literal

from pytest_asyncapi.masking import mask

Protocol = Literal["nats", "kafka"]
PROTOCOLS: tuple[Protocol, ...] = ("nats", "kafka")
MODES = ("auto", "container", "local")
DEFAULT_PORTS: dict[str, int] = {"nats": 4222, "kafka": 9092}
URL_FORMS = (
    "nats://host:port[,nats://host:port] (tls://host:port for TLS) or kafka://host:port[,host:port]"
)


@dataclass(frozen=True)
class Address:
    """One server of an endpoint (``userinfo`` is kept as written for NATS URLs that carry
    credentials; ``tls`` marks a NATS ``tls://`` server)."""

    host: str
    port: int
    userinfo: str = ""
    tls: bool = False

    @property
    def nats_url(self) -> str:
        scheme = "tls" if self.tls else "nats"
        return f"{scheme}://{self.userinfo + '@' if self.userinfo else ''}{self.hostport}"

    @property
    def hostport(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


@dataclass(frozen=True)
class BrokerEndpoint:
    """A reachable broker: ``url`` is ``nats://h:p[,nats://h:p]`` or ``kafka://h:p[,h:p]``."""

    protocol: str
    url: str
    source: str  # "url" | "container" | "local"

    @property
    def addresses(self) -> list[Address]:
        return split_url(self.url)[1]

    @property
    def servers(self) -> list[str]:
        """NATS: ``nats://`` URLs for ``nats.connect``; Kafka: ``host:port`` bootstrap servers."""
        if self.protocol == "kafka":
            return [a.hostport for a in self.addresses]
        return [a.nats_url for a in self.addresses]


def endpoint(protocol: str, host: str, port: int, source: str) -> BrokerEndpoint:
    """The endpoint of one server on ``host:port``."""
    return BrokerEndpoint(protocol, f"{protocol}://{Address(host, port).hostport}", source)


def split_url(url: str) -> tuple[str, list[Address]]:
    """``(protocol, addresses)`` of a broker URL; ``ValueError`` says what is wrong with it."""
    scheme, sep, rest = url.strip().partition("://")
    scheme = scheme.lower()
    tls = scheme == "tls"
    scheme = "nats" if tls else scheme
    if not sep or scheme not in PROTOCOLS:
        raise ValueError(mask(f"{url!r} is not a broker URL: expected {URL_FORMS}"))
    addresses = []
    for part in rest.split(","):
        part, part_tls = part.strip(), tls
        for prefix in (f"{scheme}://", "tls://") if scheme == "nats" else (f"{scheme}://",):
            if part.lower().startswith(prefix):
                part, part_tls = part[len(prefix) :], prefix == "tls://"
        address = _address(url, scheme, part)
        addresses.append(Address(address.host, address.port, address.userinfo, part_tls))
    return scheme, addresses


def _address(url: str, scheme: str, part: str) -> Address:
    parsed = urllib.parse.urlsplit(f"//{part}")
    try:
        port = parsed.port
    except ValueError:
        port = -1
    if not parsed.hostname or port == -1 or parsed.path or parsed.query or "://" in part:
        raise ValueError(mask(f"{url!r}: {part!r} is not host:port (expected {URL_FORMS})"))
    userinfo = parsed.netloc.rpartition("@")[0]
    if userinfo and scheme == "kafka":
        raise ValueError(mask(f"{url!r}: kafka:// URLs take no credentials (got {part!r})"))
    return Address(parsed.hostname, port or DEFAULT_PORTS[scheme], userinfo)


def canonical_url(url: str) -> str:
    """``url`` with every server written out in full (``ValueError`` when malformed)."""
    scheme, addresses = split_url(url)
    if scheme == "kafka":
        return "kafka://" + ",".join(a.hostport for a in addresses)
    return ",".join(a.nats_url for a in addresses)


def parse_broker_option(value: str) -> tuple[str, str | None]:
    """``("auto"|"container"|"local", None)`` or ``("url", canonical URL)``.

    Raises ``ValueError`` listing the valid choices.
    """
    text = value.strip()
    if text.lower() in MODES:
        return text.lower(), None
    choices = f"expected one of {', '.join(MODES)}, or a broker URL ({URL_FORMS})"
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
