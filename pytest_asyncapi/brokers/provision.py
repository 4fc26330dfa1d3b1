"""Get a broker for the session: a given URL, a container, or a local binary.

``auto`` tries a container (when a Docker engine answers), then a local binary, and when
both fail raises one ``BrokerError`` naming every way tried and why it failed. Importing this
module imports no broker client, Docker or testcontainers code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_asyncapi.brokers import containers, local_binary, probes, registry
from pytest_asyncapi.brokers.endpoints import (
    BrokerEndpoint,
    Protocol,
    ProvisionedBroker,
    UrlBroker,
    canonical_url,
    parse_broker_option,
    split_url,
)
from pytest_asyncapi.errors import BrokerError

if TYPE_CHECKING:
    import ssl
    from pathlib import Path

__all__ = [
    "BrokerEndpoint",
    "Protocol",
    "ProvisionedBroker",
    "connect_url",
    "parse_broker_option",
    "provision",
]

URL_TIMEOUT = 2.0


def provision(
    protocol: str,
    mode: str,
    *,
    image: str | None = None,
    startup_timeout: float = 20.0,
    jetstream: bool = False,
    config: Path | None = None,
    tls: ssl.SSLContext | None = None,
) -> ProvisionedBroker:
    """A ready broker for ``protocol`` (a registered one: :func:`registry.names`).

    ``mode``: "auto" | "container" | "local" | a broker URL. ``image`` replaces the default
    container image; ``jetstream`` (NATS) starts the server with JetStream enabled;
    ``config`` is a server config file for the local broker (NATS: ``--asyncapi-nats-config``;
    ``auto`` then goes straight to the local binary), ``tls`` what its readiness probe needs
    (TLS-first).
    """
    registry.describe(protocol)  # an unknown protocol: UnknownProtocol (a ValueError)
    kind, url = parse_broker_option(mode)
    if url is not None:
        return connect_url(protocol, url)
    if config is not None:
        if kind == "container":
            raise BrokerError(
                f"the broker config file {config} (--asyncapi-nats-config) is for the local "
                "broker; it does not apply to a container",
                hint="use --asyncapi-broker local (or auto), or bake the config into the image",
            )
        return local_binary.start_local(
            protocol,
            startup_timeout=startup_timeout,
            jetstream=jetstream,
            config=config,
            tls=tls,
        )
    if kind == "container":
        return containers.start_container(
            protocol, image=image, startup_timeout=startup_timeout, jetstream=jetstream
        )
    if kind == "local":
        return local_binary.start_local(
            protocol, startup_timeout=startup_timeout, jetstream=jetstream
        )
    return _auto(protocol, image, startup_timeout, jetstream)


def _auto(
    protocol: str, image: str | None, startup_timeout: float, jetstream: bool
) -> ProvisionedBroker:
    failures = []
    problem = containers.docker_problem()
    if problem is None:
        try:
            return containers.start_container(
                protocol, image=image, startup_timeout=startup_timeout, jetstream=jetstream
            )
        except BrokerError as exc:
            problem = _reason(exc)
    failures.append(f"container: {problem}")
    try:
        broker = local_binary.start_local(
            protocol, startup_timeout=startup_timeout, jetstream=jetstream
        )
    except BrokerError as exc:
        failures.append(f"local: {_reason(exc)}")
        log_tail = exc.log_tail
    else:
        broker.fallbacks = tuple(failures)
        return broker
    failures.append(f"url: none given — pass --asyncapi-broker {protocol}://host:port")
    raise BrokerError(
        f"no {protocol} broker: every way was tried and failed\n    " + "\n    ".join(failures),
        hint="fix one of the ways above; --asyncapi-broker chooses one explicitly",
        log_tail=log_tail,
    )


def _reason(exc: BrokerError) -> str:
    return exc.problem + (f" — {exc.hint}" if exc.hint else "")


def connect_url(protocol: str, url: str) -> UrlBroker:
    """A broker the user runs, at ``url``; checks the scheme and that something answers."""
    url = canonical_url(url)
    scheme, addresses = split_url(url)
    if scheme != protocol:
        raise BrokerError(
            f"the broker URL {url!r} is for {scheme}, but this session needs {protocol}",
            hint=f"pass a {protocol}://host:port URL",
        )
    reasons = []
    for address in addresses:
        problem = probes.tcp_answers(address, URL_TIMEOUT)
        if problem is None:
            return UrlBroker(BrokerEndpoint(protocol, url, "url"))
        reasons.append(f"{address.hostport} ({problem})")
    raise BrokerError(
        f"nothing answers at {', '.join(reasons)}",
        hint="start the broker, or check the URL given by --asyncapi-broker / ASYNCAPI_BROKER",
    )
