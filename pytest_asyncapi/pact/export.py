"""A v4 pact from a document: the provider's messages on some channels as interactions.

Contents are each message's first example, cut to the properties its schema requires (what a
consumer may rely on); matching rules come from the schema — ``regex`` for anchored patterns
and string enums, ``date``/``datetime``/``time`` for those formats, ``integer``/``number``/
``boolean``/``null`` for those types, ``type`` with ``min``/``max`` for arrays, ``type`` for
anything else — so that reading the pact back gives expectations the document satisfies.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pytest_asyncapi.compat.matching import destination
from pytest_asyncapi.errors import SpecError
from pytest_asyncapi.pact.dates import escape
from pytest_asyncapi.pact.expectations import json_type
from pytest_asyncapi.pact.paths import Token, render
from pytest_asyncapi.schemas.dialects import Dialect, dialect_for

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pytest_asyncapi.spec.model import Message, Spec

_FORMATS = {"date": "date", "date-time": "datetime", "time": "time"}
_TYPES = {"integer": "integer", "number": "number", "boolean": "boolean", "null": "null"}
Rules = dict[str, dict[str, Any]]


def export_pact(
    spec: Spec, channels: Sequence[str], *, consumer: str, provider: str
) -> tuple[dict[str, Any], list[str]]:
    """The v4 pact of the messages ``spec`` sends on ``channels`` (all when empty), and the
    messages left out because their payload schema is not JSON Schema (and why)."""
    chosen = [spec.channel(c) for c in channels] if channels else list(spec.channels)
    interactions = []
    skipped = []
    for channel in chosen:
        where = destination(spec, channel)
        for message in spec.sent_messages(channel):
            fmt = message.payload.schema_format if message.payload else None
            if message.payload is not None and not isinstance(dialect_for(fmt), Dialect):
                skipped.append(
                    f"{channel.id}/{message.display_name}: schema format {fmt} has no "
                    "Pact matching rules (JSON Schema payloads only)"
                )
                continue
            interactions.append(_interaction(spec, message, where))
    if not interactions:
        raise SpecError(
            "the document sends no message on "
            + (", ".join(channels) if channels else "any channel"),
            file=spec.source,
            hint="pact-export writes the messages the provider sends; pick channels it sends on",
        )
    pact = {
        "consumer": {"name": consumer},
        "provider": {"name": provider},
        "interactions": interactions,
        "metadata": {
            "pactSpecification": {"version": "4.0"},
            "pytest-asyncapi": {"document": str(spec.source), "documentVersion": spec.version},
        },
    }
    return pact, skipped


def _interaction(spec: Spec, message: Message, where: str | None) -> dict[str, Any]:
    example = next((e.payload for e in message.examples if e.has_payload), None)
    if message.payload is None or example is None:
        raise SpecError(
            f"message {message.display_name!r} has no payload example to write as contents",
            file=spec.source,
            pointer=message.pointer,
            hint="add an example with a payload to the message",
        )
    rules: Rules = {}
    content = _walk(message.payload.schema, example, (), rules)
    content_type = message.content_type or spec.default_content_type or "application/json"
    metadata: dict[str, Any] = {"contentType": content_type}
    if where is not None:
        metadata["destination"] = where
    return {
        "type": "Asynchronous/Messages",
        "description": message.title or message.display_name,
        "pending": False,
        "providerStates": [],
        "contents": {"content": content, "contentType": content_type, "encoded": False},
        "matchingRules": {"body": rules},
        "metadata": metadata,
    }


def _put(rules: Rules, path: tuple[Token, ...], *matchers: dict[str, Any]) -> None:
    rules[render(path)] = {"combine": "AND", "matchers": list(matchers)}


def _types(schema: dict[str, Any]) -> list[str]:
    kind = schema.get("type")
    return [kind] if isinstance(kind, str) else [k for k in kind or () if isinstance(k, str)]


def _walk(schema: Any, value: Any, path: tuple[Token, ...], rules: Rules) -> Any:
    """The contents for ``value`` (required parts only) and, into ``rules``, their matchers."""
    if not isinstance(schema, dict):
        _put(rules, path, {"match": "type"})
        return value
    if isinstance(value, dict):
        properties = schema.get("properties") or {}
        required = [k for k in schema.get("required") or () if k in value]
        _put(rules, path, {"match": "type"})
        return {k: _walk(properties.get(k), value[k], (*path, k), rules) for k in required}
    if isinstance(value, list):
        matcher: dict[str, Any] = {"match": "type"}
        if isinstance(schema.get("minItems"), int):
            matcher["min"] = schema["minItems"]
        if isinstance(schema.get("maxItems"), int):
            matcher["max"] = schema["maxItems"]
        _put(rules, path, matcher)
        if not value:
            return []
        return [_walk(schema.get("items"), value[0], (*path, "[*]"), rules)]
    _put(rules, path, _leaf(schema, value))
    return value


def _leaf(schema: dict[str, Any], value: Any) -> dict[str, Any]:
    if "const" in schema:
        return {"match": "equality"}
    enum = schema.get("enum")
    if isinstance(enum, list) and enum and all(isinstance(e, str) for e in enum):
        return {"match": "regex", "regex": "^(?:" + "|".join(escape(e) for e in enum) + ")$"}
    pattern = schema.get("pattern")
    if isinstance(pattern, str) and pattern.startswith("^") and pattern.endswith("$"):
        return {"match": "regex", "regex": pattern}
    fmt = schema.get("format")
    if isinstance(fmt, str) and fmt in _FORMATS and isinstance(value, str):
        return {"match": _FORMATS[fmt]}
    types = _types(schema)
    if len(types) == 1 and types[0] in _TYPES:
        return {"match": _TYPES[types[0]]}
    if json_type(value) == "number" and isinstance(value, int) and "integer" in types:
        return {"match": "integer"}
    return {"match": "type"}
