"""Check results, and the translation of jsonschema-rs errors into :class:`SchemaViolation`."""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson

from pytest_asyncapi import jsonpointer
from pytest_asyncapi.schemas.bundle import (
    Position,
    child_position,
    is_dropped,
    is_native_format,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    import jsonschema_rs

    from pytest_asyncapi.schemas.values import ValueProblem
    from pytest_asyncapi.spec.model import SchemaSpec

SCHEMA_EXCERPT = 200
VALUE_EXCERPT = 120
MESSAGE_LIMIT = 240


class Verdict(str, enum.Enum):
    """The outcome of checking one value."""

    VALID = "valid"
    INVALID = "invalid"
    UNCHECKED = "unchecked"


@dataclass(frozen=True)
class SchemaViolation:
    """One reason a value breaks its schema.

    ``pointer`` locates the bad value inside the checked value (``""`` is the whole value);
    ``keyword`` is the failing JSON Schema keyword (``false`` for a ``false`` schema, ``json``
    when the value is not JSON at all); ``schema_location`` names the failing subschema by the
    ``$ref`` it came from when there is one, else by its place in the document.
    """

    pointer: str
    keyword: str
    message: str
    schema_location: str
    schema_excerpt: str
    value_excerpt: str


@dataclass(frozen=True)
class CheckResult:
    """A verdict; the violations when invalid; ``reason`` says why when unchecked."""

    verdict: Verdict
    violations: tuple[SchemaViolation, ...] = ()
    reason: str | None = None


class _Full(Exception):
    pass


def excerpt(value: Any, limit: int) -> str:
    """Compact JSON of ``value``, cut to ``limit`` characters with ``…``; safe on cycles."""
    parts: list[str] = []
    size = 0

    def put(text: str) -> None:
        nonlocal size
        parts.append(text)
        size += len(text)
        if size > limit:
            raise _Full

    def emit(node: Any, open_ids: frozenset[int]) -> None:
        if isinstance(node, (dict, list, tuple)):
            if id(node) in open_ids:
                put("…")
                return
            inner = open_ids | {id(node)}
            is_dict = isinstance(node, dict)
            put("{" if is_dict else "[")
            items = node.items() if isinstance(node, dict) else enumerate(node)
            for index, (key, child) in enumerate(items):
                put("," if index else "")
                if is_dict:
                    put(json.dumps(str(key), ensure_ascii=False) + ":")
                emit(child, inner)
            put("}" if is_dict else "]")
        elif node is None or isinstance(node, (bool, int, float, str)):
            put(json.dumps(node, ensure_ascii=False))
        else:
            put(repr(node))

    try:
        emit(value, frozenset())
    except _Full:
        return "".join(parts)[: limit - 1] + "…"
    return "".join(parts)


def _short_message(message: str, instance: Any) -> str:
    if len(message) <= MESSAGE_LIMIT:
        return message
    try:
        rendered = orjson.dumps(instance, option=orjson.OPT_SORT_KEYS).decode()
    except TypeError:
        rendered = ""
    if len(rendered) > 40 and rendered in message:
        message = message.replace(rendered, excerpt(instance, 60))
    if len(message) > MESSAGE_LIMIT:
        message = message[: MESSAGE_LIMIT - 80] + " … " + message[-77:]
    return message


def _location(base: str, tokens: list[str | int]) -> str:
    rest = jsonpointer.join(tokens)
    return base + rest if "#" in base else base + "#" + rest


def _instance_at(value: Any, path: Sequence[str | int], fallback: Any) -> Any:
    node = value
    for token in path:
        if isinstance(node, (list, tuple)) and isinstance(token, str):
            token = int(token) if token.isascii() and token.isdigit() else len(node)
        try:
            node = node[token]
        except (KeyError, IndexError, TypeError):
            return fallback
    return node


def from_error(
    error: jsonschema_rs.ValidationError,
    spec: SchemaSpec,
    value: Any,
    recursive: frozenset[int],
    draft: str,
) -> SchemaViolation:
    """Translate one jsonschema-rs error, walking the original schema along its path."""
    node: Any = spec.schema
    position = Position.SCHEMA
    base = spec.origins.get(id(node), "#" + spec.pointer)
    tokens: list[str | int] = []
    keyword, failing = "false", node
    failing_at: tuple[str, list[str | int]] = (base, [])
    seen = {id(node): (base, list(tokens))}
    path = list(error.evaluation_path)
    for step, token in enumerate(path):
        if position is Position.SCHEMA:
            if token == "$ref" and id(node) in recursive:
                continue  # a bundled recursion: the original node is this one
            if not isinstance(token, str) or not isinstance(node, dict) or is_dropped(token, draft):
                break
            keyword, failing, failing_at = token, node, (base, list(tokens))
            if is_native_format(node, path[step : step + 2], draft):
                keyword = "format"
                break
        child = _instance_at(node, [token], _MISSING)
        if child is _MISSING:
            break
        position = child_position(position, token, child)
        node = child
        tokens.append(token)
        if position is Position.SCHEMA:
            if id(node) in spec.origins:
                base, tokens = spec.origins[id(node)], []
            elif id(node) in seen:  # back in a recursion: name the node where first met
                base, tokens = seen[id(node)][0], list(seen[id(node)][1])
            seen.setdefault(id(node), (base, list(tokens)))
    if error.kind.name == "falseSchema":
        keyword, failing, failing_at = "false", node, (base, tokens)
    pointer_tokens = list(error.instance_path)
    instance = _instance_at(value, pointer_tokens, error.instance)
    message = error.message
    if keyword == "format" and error.kind.name == "pattern":
        message = f'{json.dumps(instance, ensure_ascii=False)} is not a "{failing["format"]}"'
    return SchemaViolation(
        pointer=jsonpointer.join(pointer_tokens),
        keyword=keyword,
        message=_short_message(message, instance),
        schema_location=_location(*failing_at),
        schema_excerpt=excerpt(failing, SCHEMA_EXCERPT),
        value_excerpt=excerpt(instance, VALUE_EXCERPT),
    )


_MISSING = object()


def from_value_problem(problem: ValueProblem, spec: SchemaSpec, value: Any) -> SchemaViolation:
    """A violation for a value that is not JSON (keyword ``json``)."""
    instance = _instance_at(value, jsonpointer.split(problem.pointer), value)
    return SchemaViolation(
        pointer=problem.pointer,
        keyword="json",
        message=problem.message,
        schema_location=spec.name,
        schema_excerpt=excerpt(spec.schema, SCHEMA_EXCERPT),
        value_excerpt=excerpt(instance, VALUE_EXCERPT),
    )


def sort_key(violation: SchemaViolation) -> tuple[Any, ...]:
    """Order by pointer (array indexes numerically), then keyword, then message."""
    tokens = tuple(
        (0, int(t), "") if t.isascii() and t.isdigit() else (1, 0, t)
        for t in jsonpointer.split(violation.pointer)
    )
    return (tokens, violation.keyword, violation.message, violation.schema_location)
