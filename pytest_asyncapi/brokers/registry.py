"""The protocol registry: one :class:`ProtocolDescription` per protocol the plugin speaks.

Every module that needs to know something about a protocol (its URL schemes, the variable a
service reads, how a container or a local broker of it starts, how it is probed, which adapter
captures it, how a channel address becomes a destination, whether its messages have keys) asks
:func:`describe`; nothing else branches on protocol names. An unknown protocol is a
:class:`UnknownProtocol` error naming the known ones, never a fallback to some other protocol.

Each protocol lives in its own folder (``brokers/nats/``, ``brokers/kafka/``) whose
``__init__`` exposes ``DESCRIPTION``; :data:`REGISTRY` names the folders, one line each.
Importing this module, or a description, imports only the standard library: the heavy parts
(nats-py, aiokafka, testcontainers) are imported by the description's callables when called.
"""

from __future__ import annotations

import importlib
import signal
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import ssl
    from collections.abc import Callable, Mapping, Sequence
    from pathlib import Path

    from testcontainers.core.container import DockerContainer

    from pytest_asyncapi.brokers.base import CaptureAdapter
    from pytest_asyncapi.brokers.endpoints import Address
    from pytest_asyncapi.brokers.publishing import PublishHelpers
    from pytest_asyncapi.options import Option
    from pytest_asyncapi.plugin.settings import Settings
    from pytest_asyncapi.routing import Route
    from pytest_asyncapi.spec.model import Channel

REGISTRY: tuple[tuple[str, str], ...] = (
    ("nats", "pytest_asyncapi.brokers.nats"),
    ("kafka", "pytest_asyncapi.brokers.kafka"),
    ("mqtt", "pytest_asyncapi.brokers.mqtt"),
    ("amqp", "pytest_asyncapi.brokers.amqp"),
)
"""``(protocol, module exposing DESCRIPTION)``, in the order every listing uses."""


class UnknownProtocol(ValueError):
    """A protocol name no registry entry describes."""

    def __init__(self, protocol: object, what: str = "broker protocol") -> None:
        self.protocol = protocol
        super().__init__(f"unknown {what} {protocol!r}: known protocols are {', '.join(names())}")


@dataclass(frozen=True)
class ContainerRecipe:
    """How a broker of the protocol runs in a container (``brokers/containers.py``)."""

    image: str
    """The pinned default image (``--asyncapi-image`` replaces it)."""
    image_hint: str
    """What an image must be, for the "did not become ready" hint."""
    prepare: Callable[[DockerContainer, bool], tuple[str, int] | None]
    """Configure the container before it starts (``jetstream`` as second argument); returns
    the host and port chosen before the start, or ``None`` when the port is mapped by Docker."""
    mapped_port: int | None = None
    """The container port Docker maps (read after the start) when ``prepare`` chose none."""
    check_ready: Callable[[Address, str], None] | None = None
    """An extra check once the probe passed (address, image); raises ``BrokerError``."""


@dataclass(frozen=True)
class LocalRecipe:
    """How a broker of the protocol runs as a local process (``brokers/local_binary.py``)."""

    find: Callable[[], str | None]
    """The broker executable, or ``None`` when this machine has none."""
    not_found: str
    """Where ``find`` looked, for the error when it found nothing."""
    install_hint: str
    """How to get the binary."""
    command: Callable[[Path, int, Path, bool, Path | None], list[str]]
    """``(binary, port, workdir, jetstream, config)`` -> the command line (loopback only)."""
    stop_signal: int = signal.SIGTERM
    """What stops the broker (its watchdog sends it; SIGKILL follows 5 s later)."""


@dataclass(frozen=True)
class ProtocolDescription:
    """Everything the plugin needs to know about one broker protocol."""

    name: str
    """The protocol's name (``--asyncapi-protocol``, the URL scheme, the binding key)."""
    label: str
    """The name as text shows it (``NATS``, ``Kafka``)."""
    schemes: tuple[str, ...]
    """URL schemes that mean this protocol; the first is the canonical one."""
    tls_schemes: tuple[str, ...]
    """Those of :attr:`schemes` that mean TLS."""
    document_protocols: tuple[str, ...]
    """``servers.*.protocol`` values of AsyncAPI documents that mean this protocol."""
    default_port: int
    url_form: str
    """The URL forms, for error messages."""
    url_credentials: bool
    """Whether the URL may carry ``user:password@``."""
    env_var: str
    """The variable the broker address is handed to services in (``--asyncapi-broker-env``)."""
    env_value: Callable[[str, list[str]], str]
    """``(canonical url, servers)`` -> the value of :attr:`env_var`."""
    server: Callable[[Address], str]
    """One address as the protocol's client takes it (``BrokerEndpoint.servers``)."""
    canonical_url: Callable[[list[Address]], str]
    """The addresses written out as one canonical broker URL."""
    probe: Callable[[Address, float, ssl.SSLContext | None], object]
    """A protocol-level readiness round trip; raises ``probes.ProbeError`` or ``OSError``."""
    container: ContainerRecipe
    local: LocalRecipe
    session_capture: Callable[[str, Settings, Sequence[Route]], CaptureAdapter]
    """The capture adapter for a plugin session on the broker at the URL."""
    record_capture: Callable[[str], CaptureAdapter]
    """The capture adapter for ``asyncapi-contract record`` (it changes nothing on the broker)."""
    binding_field: str
    """The channel-binding field that names the real destination (``bindings.<name>.<field>``;
    a dotted path names a nested field: AMQP ``queue.name``)."""
    address_destination: Callable[[str | None, bool], str | None]
    """``(channel address, slash_to_dot)`` -> destination template, when no binding or
    override names one (``None``: a dynamic address)."""
    subscription_pattern: Callable[[str], str]
    """A destination template (``{param}`` kept) -> what the adapter subscribes to."""
    parameter_value: str = r"[^./]+"
    """The regular expression one ``{param}`` value of a concrete destination matches."""
    machinery: tuple[str, ...] = ()
    """Destination prefixes of the broker's own traffic (never reported as undeclared)."""
    has_keys: bool = False
    """Messages carry a key (checked against the message's key schema)."""
    headers: str = ""
    """What the protocol's headers are, as captured (documentation)."""
    reply_inbox: str | None = None
    """A request's reply goes to a fresh destination under this prefix when no reply channel
    names one (and the publish carries it as its native reply address); ``None``: the
    protocol has no native reply address and needs a reply channel."""
    preload: tuple[str, ...] = ()
    """Modules the session's capture and :attr:`prepare_session` import (the client library):
    imported in a thread while a plugin session's broker starts (``brokers/preload.py``)."""
    provision_options: Callable[[Settings], Mapping[str, Any]] = field(default=lambda settings: {})
    """Extra keyword arguments for ``provision`` in a plugin session."""
    prepare_session: Callable[[str, Settings], None] = field(default=lambda url, settings: None)
    """Runs once the session's broker is up, before capture (checks, declarations)."""
    options: tuple[Option, ...] = ()
    """The plugin options only this protocol has (``--asyncapi-nats-creds``, …)."""
    read_options: Callable[[Any], object] | None = None
    """Reads and checks :attr:`options` (see :mod:`pytest_asyncapi.options`); the result is
    ``Settings.protocol_options[name]``."""
    publish_helpers: Callable[[], PublishHelpers] | None = None
    """What codegen writes the protocol's publish helpers with (imported when called, from
    the protocol's ``codegen.py``); ``None``: the protocol has none yet."""


_loaded: dict[str, ProtocolDescription] = {}


def names() -> tuple[str, ...]:
    """The registered protocols, in registry order."""
    return tuple(name for name, _ in REGISTRY)


def describe(protocol: str) -> ProtocolDescription:
    """The description of ``protocol``; :class:`UnknownProtocol` when none is registered."""
    found = _loaded.get(protocol)
    if found is not None:
        return found
    module = dict(REGISTRY).get(protocol) if isinstance(protocol, str) else None
    if module is None:
        raise UnknownProtocol(protocol)
    description: ProtocolDescription = importlib.import_module(module).DESCRIPTION
    if description.name != protocol:
        raise RuntimeError(f"{module}.DESCRIPTION describes {description.name!r}, not {protocol!r}")
    _loaded[protocol] = description
    return description


def descriptions() -> tuple[ProtocolDescription, ...]:
    """Every registered description, in registry order."""
    return tuple(describe(name) for name in names())


def is_known(protocol: str) -> bool:
    return protocol in dict(REGISTRY)


def by_scheme(scheme: str) -> ProtocolDescription | None:
    """The protocol a URL scheme (lower case) means, else ``None``."""
    return next((d for d in descriptions() if scheme in d.schemes), None)


def schemes() -> dict[str, str]:
    """URL scheme -> the protocol it means, for every registered protocol."""
    return {scheme: d.name for d in descriptions() for scheme in d.schemes}


def by_document_protocol(protocol: str) -> ProtocolDescription | None:
    """The protocol a document's ``servers.*.protocol`` value means, else ``None``."""
    return next((d for d in descriptions() if protocol in d.document_protocols), None)


def url_forms() -> str:
    """Every protocol's URL forms, for error messages."""
    return " or ".join(d.url_form for d in descriptions())


def destination_protocol(channel: Channel, declared: Sequence[str]) -> ProtocolDescription | None:
    """For comparing documents (``compat``): the protocol whose rule names ``channel``'s
    destination — the one the channel has a binding for or the document's servers declare
    (``declared``); when several apply, the later registry entry wins. ``None``: none applies."""
    found = None
    for description in descriptions():
        if description.name in channel.bindings or description.name in declared:
            found = description
    return found
