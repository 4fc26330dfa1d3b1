"""Valid messages for testing consumers: a message's examples, and a hypothesis strategy of
generated payloads its schema accepts (for property-based tests of a consumer)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pytest_asyncapi.schemas.binary import BinarySchema
from pytest_asyncapi.schemas.compile import compile_schema
from pytest_asyncapi.spec.loader import load_spec

if TYPE_CHECKING:
    from pathlib import Path

    from hypothesis.strategies import SearchStrategy

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


def payload_strategy(message: Message) -> SearchStrategy[Any]:
    """Generated payloads that ``message``'s payload schema accepts (needs hypothesis)."""
    if message.payload is None:
        raise GenerationError(f"message {message.display_name!r} declares no payload schema")
    compiled = compile_schema(message.payload)
    if compiled.reason is not None:
        raise GenerationError(f"message {message.display_name!r}: {compiled.reason}")
    try:
        if isinstance(compiled, BinarySchema):  # Avro / Protobuf values, ready to encode
            from pytest_asyncapi.schemas.binary_strategies import binary_strategy

            return binary_strategy(compiled)
        from pytest_asyncapi.schemas.strategies import value_strategy
    except ImportError:  # pragma: no cover - depends on the installed extras
        raise GenerationError(
            "generating payloads needs hypothesis: pip install 'pytest-asyncapi[compat]'"
        ) from None
    return value_strategy(message.payload)


def payloads(spec: str | Path, channel: str, message: str | None = None) -> SearchStrategy[Any]:
    """A strategy of valid payloads for a message of a document, for ``@given``::

    @given(payloads("asyncapi.yaml", "userDelete"))
    def test_consumer_accepts_every_valid_command(payload): ...
    """
    return payload_strategy(find_message(load_spec(spec), channel, message))
