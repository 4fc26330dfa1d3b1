"""Where a channel lives on the broker, compared across documents, and message pairing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_asyncapi.brokers.registry import destination_protocol
from pytest_asyncapi.routing import channel_destination
from pytest_asyncapi.spec.building import ADDRESS_PARAMETER

if TYPE_CHECKING:
    from collections.abc import Iterable

    from pytest_asyncapi.spec.model import Channel, Message, Spec


def destination(spec: Spec, channel: Channel) -> str | None:
    """The channel's destination by the rule of the protocol its bindings or the document's
    servers name (Kafka: its topic; NATS: its subject binding, else its address), else its
    address (:func:`~pytest_asyncapi.brokers.registry.destination_protocol`)."""
    protocol = destination_protocol(channel, spec.protocols)
    if protocol is None:
        return channel.address
    return channel_destination(channel, protocol.name, slash_to_dot=False, overrides={})


def shape(destination: str) -> str:
    """The destination with every ``{param}`` as ``{}``: templates compare structurally."""
    return ADDRESS_PARAMETER.sub("{}", destination)


def channels_at(spec: Spec, where: str) -> list[Channel]:
    """Channels of ``spec`` whose destination has the same shape as ``where``."""
    wanted = shape(where)
    found = []
    for channel in spec.channels:
        mine = destination(spec, channel)
        if mine is not None and shape(mine) == wanted:
            found.append(channel)
    return found


def labels(message: Message) -> list[str]:
    """Names a message is known by, most specific first."""
    return [x for x in (message.name, message.message_id, message.key) if x]


def same_message(message: Message, candidates: Iterable[Message]) -> Message | None:
    """The candidate known by one of ``message``'s names."""
    for label in labels(message):
        for candidate in candidates:
            if candidate.known_as(label):
                return candidate
    return None


def content_type(spec: Spec, message: Message) -> str | None:
    return message.content_type or spec.default_content_type
