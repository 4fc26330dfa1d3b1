"""Valid messages for testing consumers: a message's examples."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pytest_asyncapi.spec.model import Message, Spec


class GenerationError(ValueError):
    """A payload cannot be generated for this message (and why)."""


def example_payloads(message: Message) -> list[Any]:
    """The payloads of the message's examples, in document order."""
    return [e.payload for e in message.examples if e.has_payload]


def find_message(spec: Spec, channel: str, message: str | None = None) -> Message:
    """The message ``message`` names on ``channel`` (the only one when ``None``)."""
    found = spec.channel(channel)
    if message is not None:
        return found.message(message)
    if len(found.messages) != 1:
        names = ", ".join(m.display_name for m in found.messages) or "none"
        raise GenerationError(f"channel {channel!r} carries {names}: name the message")
    return found.messages[0]
