"""The version-neutral model every other layer reads.

Both AsyncAPI 2.x and 3.x documents become these frozen objects. Schemas inside are the
resolved JSON values (``$ref`` replaced by their targets; a recursive schema is a cyclic
Python structure) and must be treated as read-only.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

JSON = Any
"""A JSON value as parsed: dict, list, str, int, float, bool or None."""


class Action(str, enum.Enum):
    """What the application does with an operation's messages, from its own point of view."""

    SEND = "send"
    RECEIVE = "receive"


@dataclass(frozen=True)
class SchemaSpec:
    """One schema as declared in a document (payload, headers, Kafka key, parameter).

    ``schema_format`` is the MIME type of the schema language (JSON Schema / AsyncAPI Schema
    unless the document says otherwise); ``pointer`` is where the schema sits in the document;
    ``origins`` maps ``id(node)`` of inlined nodes to the ``$ref`` that named them, so errors
    can say ``#/components/schemas/User`` instead of an anonymous path.
    """

    schema: JSON
    schema_format: str
    pointer: str
    origins: Mapping[int, str] = field(default_factory=dict, compare=False, repr=False)
    unresolved: str | None = None
    """Why the schema cannot be checked: a ``$ref`` in it (or in its message) is dangling."""

    @property
    def name(self) -> str:
        """The ``$ref`` that named this schema, else its document pointer."""
        return self.origins.get(id(self.schema), "#" + self.pointer)


@dataclass(frozen=True)
class MessageExample:
    """One entry of a message's ``examples``; absent parts are ``None`` with a flag."""

    name: str | None
    payload: JSON = None
    headers: JSON = None
    has_payload: bool = False
    has_headers: bool = False


@dataclass(frozen=True)
class Message:
    """A message a channel carries.

    ``key`` is the message's key in its 3.x channel ``messages`` map, or for 2.x the
    components key it came from, else its ``name``/``messageId``, else a positional name.
    """

    key: str
    name: str | None
    message_id: str | None
    title: str | None
    summary: str | None
    payload: SchemaSpec | None
    headers: SchemaSpec | None
    content_type: str | None
    correlation_id: Mapping[str, Any] | None
    examples: tuple[MessageExample, ...]
    bindings: Mapping[str, Any]
    key_schema: SchemaSpec | None
    """The record key's schema (the Kafka message binding's ``key``, AsyncAPI vocabulary)."""
    pointer: str

    @property
    def display_name(self) -> str:
        """The name users know this message by."""
        return self.name or self.message_id or self.key

    def known_as(self, label: str) -> bool:
        """Does ``label`` name this message (name, messageId or key)?"""
        return label in (self.key, self.name, self.message_id)


@dataclass(frozen=True)
class Parameter:
    """A channel address parameter: ``{name}`` in the address."""

    name: str
    schema: SchemaSpec | None
    enum: tuple[str, ...] | None
    default: str | None
    location: str | None
    description: str | None


@dataclass(frozen=True)
class Channel:
    """A channel. ``address`` is ``None`` when the document leaves it dynamic/unknown.

    ``id`` is the name the document uses for it: the 3.x channel key, or the 2.x channel key
    (which is also its address).
    """

    id: str
    address: str | None
    parameters: tuple[Parameter, ...]
    messages: tuple[Message, ...]
    bindings: Mapping[str, Any]
    servers: tuple[str, ...]
    pointer: str

    def parameter(self, name: str) -> Parameter | None:
        return next((p for p in self.parameters if p.name == name), None)

    def message(self, label: str) -> Message:
        """The message ``label`` names; raise ``KeyError`` with the known labels."""
        for message in self.messages:
            if message.known_as(label):
                return message
        known = ", ".join(m.display_name for m in self.messages) or "none"
        raise KeyError(f"channel {self.id!r} has no message {label!r} (it has: {known})")


@dataclass(frozen=True)
class Reply:
    """A 3.x ``operation.reply``: where the answer to the operation's messages goes.

    ``channel_id`` is the reply channel (a static address, or ``None``); ``address`` is the
    runtime expression of ``address.location`` (e.g. ``$message.header#/replyTo``) that names
    the reply's destination per request; ``messages`` are the messages a reply may be (the
    reply channel's when the document lists none).
    """

    channel_id: str | None
    address: str | None
    messages: tuple[Message, ...]
    pointer: str


@dataclass(frozen=True)
class Operation:
    """An operation; ``action`` is always from the application's point of view.

    ``reply`` is set for request/reply: a ``receive`` operation with a reply answers requests,
    a ``send`` operation with a reply asks and receives the answer.
    """

    id: str
    action: Action
    channel_id: str
    messages: tuple[Message, ...]
    bindings: Mapping[str, Any]
    summary: str | None
    pointer: str
    reply: Reply | None = None


@dataclass(frozen=True)
class Server:
    """A server entry. 2.x gives ``url``; 3.x gives ``host`` and ``pathname``."""

    name: str
    protocol: str
    protocol_version: str | None
    url: str | None
    host: str | None
    pathname: str | None
    bindings: Mapping[str, Any]


WARNING_RULES = frozenset({"unused-parameter", "binding-address-mismatch"})
"""Finding rules that only fail ``--strict`` runs; every other rule is an error."""


@dataclass(frozen=True)
class Finding:
    """A problem found in a document by the document checks.

    ``rule`` is a stable id (``official-schema``, ``duplicate-operation-id``,
    ``undeclared-parameter``, ``unused-parameter``, ``invalid-example`` …).
    """

    rule: str
    message: str
    file: str
    pointer: str
    line: int | None = None

    @property
    def severity(self) -> str:
        """``warning`` for rules that flag untidiness, ``error`` for real defects."""
        return "warning" if self.rule in WARNING_RULES else "error"

    def render(self) -> str:
        where = self.file + (f":{self.line}" if self.line is not None else "")
        return f"{where}: {self.severity} [{self.rule}] {self.message} (at {self.pointer or '/'})"


@dataclass(frozen=True)
class Spec:
    """A loaded AsyncAPI document."""

    source: Path
    asyncapi_version: str
    title: str
    version: str
    default_content_type: str | None
    servers: tuple[Server, ...]
    channels: tuple[Channel, ...]
    operations: tuple[Operation, ...]
    findings: tuple[Finding, ...] = ()
    document: JSON = field(default=None, compare=False, repr=False)

    @property
    def major(self) -> int:
        return int(self.asyncapi_version.split(".", 1)[0])

    def channel(self, name: str) -> Channel:
        """The channel the document names ``name`` (3.x id or 2.x key); also by address."""
        for channel in self.channels:
            if channel.id == name:
                return channel
        for channel in self.channels:
            if channel.address == name:
                return channel
        known = ", ".join(c.id for c in self.channels) or "none"
        raise KeyError(f"{self.source}: no channel {name!r} (channels: {known})")

    def operations_on(self, channel: Channel) -> tuple[Operation, ...]:
        return tuple(op for op in self.operations if op.channel_id == channel.id)

    def sent_messages(self, channel: Channel) -> tuple[Message, ...]:
        """Messages the application sends on ``channel`` (deduplicated, in order)."""
        return _unique(
            m for op in self.operations_on(channel) if op.action is Action.SEND for m in op.messages
        )

    def received_messages(self, channel: Channel) -> tuple[Message, ...]:
        """Messages the application receives on ``channel`` (deduplicated, in order)."""
        return _unique(
            m
            for op in self.operations_on(channel)
            if op.action is Action.RECEIVE
            for m in op.messages
        )

    @property
    def protocols(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.protocol for s in self.servers))


def _unique(messages: Any) -> tuple[Message, ...]:
    seen: dict[int, Message] = {}
    for message in messages:
        seen.setdefault(id(message), message)
    return tuple(seen.values())
