"""Channel address -> broker destination, and back.

A channel's address becomes a broker subscription pattern (NATS: ``{param}`` tokens become
``*`` wildcards) and a regular expression that recognises concrete destinations and pulls out
the parameter values. A per-channel override wins over all; then the channel binding's field
the protocol's registry description names (NATS ``subject``, Kafka ``topic``); then the
protocol's address rule (NATS keeps the address as written, ``user/signedup`` is a valid
subject, and ``slash_to_dot`` maps ``/`` to ``.``). Every protocol rule is asked of
:mod:`pytest_asyncapi.brokers.registry`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pytest_asyncapi.brokers import registry
from pytest_asyncapi.spec.building import ADDRESS_PARAMETER, mapping, text

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from pytest_asyncapi.spec.model import Channel, Spec

PARAMETER_VALUE = r"[^./]+"


def declared_protocol(specs: Sequence[Spec]) -> str | None:
    """The one capture protocol the specs' servers declare, else ``None`` (none or several)."""
    supported = {
        found.name
        for spec in specs
        for p in spec.protocols
        if p and (found := registry.by_document_protocol(p)) is not None
    }
    return supported.pop() if len(supported) == 1 else None


def declared_protocol_names(specs: Sequence[Spec]) -> str:
    """What the specs' servers declare, for an error message."""
    return ", ".join(sorted({p for spec in specs for p in spec.protocols if p})) or "none"


@dataclass(frozen=True)
class Route:
    """Where one channel of one spec lives on the broker."""

    spec: Spec
    channel: Channel
    destination: str
    """The concrete destination template (address after mapping), ``{param}`` kept."""
    pattern: str
    """What the adapter subscribes to (NATS wildcards; a Kafka topic)."""
    regex: re.Pattern[str]

    def parameters(self, destination: str) -> dict[str, str] | None:
        """Parameter values if ``destination`` belongs to this channel, else ``None``."""
        found = self.regex.fullmatch(destination)
        if found is None:
            return None
        names = ADDRESS_PARAMETER.findall(self.destination)
        return dict(zip(names, found.groups(), strict=True))

    def concrete(self, parameters: Mapping[str, str]) -> str:
        """The destination with ``parameters`` filled in; ``KeyError`` names a missing one."""
        missing = [n for n in ADDRESS_PARAMETER.findall(self.destination) if n not in parameters]
        if missing:
            raise KeyError(
                f"channel {self.channel.id!r} needs parameter(s) {', '.join(missing)} "
                f"for its address {self.destination!r}"
            )
        return ADDRESS_PARAMETER.sub(lambda m: str(parameters[m.group(1)]), self.destination)


def channel_destination(
    channel: Channel, protocol: str, *, slash_to_dot: bool, overrides: Mapping[str, str]
) -> str | None:
    """The destination template of ``channel`` on ``protocol`` (``None``: dynamic address)."""
    if channel.id in overrides:
        return overrides[channel.id]
    bound = binding_destination(channel, protocol)
    if bound:
        return bound
    return registry.describe(protocol).address_destination(channel.address, slash_to_dot)


def binding_destination(channel: Channel, protocol: str) -> str | None:
    """The destination the channel's binding for ``protocol`` names, if any (the field is the
    description's ``binding_field``, a dotted path for a nested one: FastStream's 2.6
    documents key channels ``orders.accepted:Publisher`` and put the subject in
    ``bindings.nats.subject``)."""
    value: object = channel.bindings.get(protocol)
    for name in registry.describe(protocol).binding_field.split("."):
        value = mapping(value).get(name)
    return text(value) or None


def subscription_pattern(destination: str, protocol: str) -> str:
    """What the adapter subscribes to for a destination template (NATS: each token holding a
    ``{param}`` becomes ``*``; Kafka: the template as is)."""
    return registry.describe(protocol).subscription_pattern(destination)


def destination_regex(destination: str, value: str = PARAMETER_VALUE) -> re.Pattern[str]:
    """Recognises concrete destinations of a template; ``value``: what one parameter matches."""
    parts = ADDRESS_PARAMETER.split(destination)
    # split() alternates literal text and parameter names
    pattern = "".join(
        re.escape(part) if index % 2 == 0 else f"({value})" for index, part in enumerate(parts)
    )
    return re.compile(pattern)


def build_routes(
    specs: Sequence[Spec],
    protocol: str,
    *,
    slash_to_dot: bool = False,
    overrides: Mapping[str, str] | None = None,
) -> tuple[list[Route], list[tuple[Spec, Channel]]]:
    """Routes for every channel with a known address, and the channels without one."""
    routes: list[Route] = []
    dynamic: list[tuple[Spec, Channel]] = []
    value = registry.describe(protocol).parameter_value
    for spec in specs:
        for channel in spec.channels:
            destination = channel_destination(
                channel, protocol, slash_to_dot=slash_to_dot, overrides=overrides or {}
            )
            if destination is None:
                dynamic.append((spec, channel))
                continue
            routes.append(
                Route(
                    spec=spec,
                    channel=channel,
                    destination=destination,
                    pattern=subscription_pattern(destination, protocol),
                    regex=destination_regex(destination, value),
                )
            )
    return routes, dynamic


ROUTER_CACHE_LIMIT = 50_000
"""Destinations remembered by a :class:`Router`; past it the cache starts over (bounded memory
when a service publishes to endlessly many distinct destinations)."""


JETSTREAM_DELIVERY = "$JS.ACK."
"""Reply-subject prefix of a JetStream consumer's delivery: a stored message handed out again
(on the consumer's inbox, under its original subject). It was judged when it was published."""


def machinery(protocol: str) -> tuple[str, ...]:
    """The destination prefixes of ``protocol``'s own traffic (NATS: ``_INBOX.``, ``$JS.``, …;
    a message on one of them that answers a captured request is a reply, judged by
    :mod:`pytest_asyncapi.check.replies`)."""
    return registry.describe(protocol).machinery


class Router:
    """Finds the routes a concrete destination belongs to (cached per destination)."""

    def __init__(self, routes: Sequence[Route], *, machinery: tuple[str, ...] = ()) -> None:
        self.routes = list(routes)
        self.machinery = machinery
        self._cache: dict[str, list[tuple[Route, dict[str, str]]]] = {}

    def match(self, destination: str) -> list[tuple[Route, dict[str, str]]]:
        found = self._cache.get(destination)
        if found is None:
            found = []
            for route in self.routes:
                values = route.parameters(destination)
                if values is not None:
                    found.append((route, values))
            if len(self._cache) >= ROUTER_CACHE_LIMIT:
                self._cache.clear()
            self._cache[destination] = found
        return found

    def is_machinery(self, destination: str) -> bool:
        """The broker's own traffic (e.g. NATS ``$JS.``): never reported as undeclared."""
        return destination.startswith(self.machinery)

    @staticmethod
    def is_redelivery(reply: str | None) -> bool:
        """A JetStream consumer delivery of a stored message (not a new publish)."""
        return reply is not None and reply.startswith(JETSTREAM_DELIVERY)

    def patterns(self) -> list[str]:
        """Distinct subscription patterns, in declaration order."""
        return list(dict.fromkeys(r.pattern for r in self.routes))


def consumer_routes(spec: Spec, protocol: str, slash_to_dot: bool) -> list[Route]:
    """Routes of the channels on which a consumer's document says it receives messages."""
    routes, _ = build_routes([spec], protocol, slash_to_dot=slash_to_dot)
    return [r for r in routes if spec.received_messages(r.channel)]
