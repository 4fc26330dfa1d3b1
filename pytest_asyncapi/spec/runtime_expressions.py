"""AsyncAPI runtime expressions: ``$message.header#/replyTo``, ``$message.payload#/meta/id``.

The grammar (AsyncAPI 3, "Runtime Expression")::

    expression = "$message" "." source
    source     = ( "header" | "payload" ) [ "#" fragment ]     fragment: a JSON Pointer

Used by ``correlationId.location`` and ``reply.address.location``. For a header, the
pointer's first token is the header's name; deeper tokens index into the header value parsed
as JSON. A payload is read as JSON. Pure: no broker, no schema.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson

from pytest_asyncapi import jsonpointer

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

SOURCES = ("header", "payload")
MISSING: Any = object()
"""What :meth:`RuntimeExpression.evaluate` returns when the message has no value there."""


class ExpressionError(ValueError):
    """A runtime expression that does not follow the grammar (the message says why)."""


@dataclass(frozen=True)
class RuntimeExpression:
    """A parsed ``$message.<source>#<pointer>`` expression."""

    text: str
    source: str
    tokens: tuple[str, ...]

    def evaluate(
        self,
        payload: bytes | None,
        headers: Mapping[str, Any] | Iterable[tuple[str, Any]] | None,
    ) -> Any:
        """The value the expression names in a message, or :data:`MISSING`.

        Header values are text (``bytes`` are decoded as UTF-8); a payload that is not JSON
        has only the whole-payload value (its UTF-8 text).
        """
        if self.source == "header":
            if not self.tokens:
                return MISSING
            value = _header(headers, self.tokens[0])
            if value is MISSING or len(self.tokens) == 1:
                return value
            return _at(_json(value.encode()), self.tokens[1:])
        if payload is None:
            return MISSING if self.tokens else None
        return _at(_json(payload), self.tokens)


@functools.lru_cache(maxsize=1024)
def parse_expression(text: str) -> RuntimeExpression:
    """Parse ``text``; raise :class:`ExpressionError` saying what is wrong and how it looks."""
    shape = "expected $message.header#/<name> or $message.payload#/<json-pointer>"
    if not text.startswith("$message."):
        raise ExpressionError(
            f"runtime expression {text!r} does not start with '$message.'; {shape}"
        )
    source, _, fragment = text.removeprefix("$message.").partition("#")
    if source not in SOURCES:
        raise ExpressionError(
            f"runtime expression {text!r}: unknown source {source!r} (header or payload); {shape}"
        )
    try:
        tokens = jsonpointer.split(fragment)
    except ValueError:
        raise ExpressionError(
            f"runtime expression {text!r}: the fragment {fragment!r} is not a JSON pointer "
            f"(it must start with '/'); {shape}"
        ) from None
    if source == "header" and (not tokens or not tokens[0]):
        raise ExpressionError(
            f"runtime expression {text!r} names no header (it must name one value); {shape}"
        )
    return RuntimeExpression(text, source, tuple(tokens))


def _header(headers: Mapping[str, Any] | Iterable[tuple[str, Any]] | None, name: str) -> Any:
    if not headers:
        return MISSING
    items = headers.items() if hasattr(headers, "items") else headers
    for key, value in items:
        if key == name:
            if isinstance(value, bytes):
                return value.decode("utf-8", "replace")
            return value if isinstance(value, str) else orjson.dumps(value).decode()
    return MISSING


def _json(raw: bytes) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return raw.decode("utf-8", "replace")


def _at(value: Any, tokens: Iterable[str]) -> Any:
    for token in tokens:
        if isinstance(value, dict) and token in value:
            value = value[token]
        elif isinstance(value, list) and token.isdigit() and int(token) < len(value):
            value = value[int(token)]
        else:
            return MISSING
    return value
