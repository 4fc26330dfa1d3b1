"""Correlation IDs: the value a message carries at its ``correlationId.location``.

Pure. A message that declares a location and has no value there breaks the contract; a reply's
value must equal its request's (see :mod:`pytest_asyncapi.check.replies`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pytest_asyncapi.spec.runtime_expressions import (
    MISSING,
    ExpressionError,
    RuntimeExpression,
    parse_expression,
)

if TYPE_CHECKING:
    from pytest_asyncapi.captured import Captured
    from pytest_asyncapi.spec.model import Message

__all__ = ["MISSING", "correlation_location", "correlation_value", "missing_correlation"]


def correlation_location(message: Message) -> RuntimeExpression | None:
    """The parsed ``correlationId.location``; ``None`` when absent or malformed (a malformed
    one is a document error, reported by the document checks)."""
    location = (message.correlation_id or {}).get("location")
    if not isinstance(location, str):
        return None
    try:
        return parse_expression(location)
    except ExpressionError:
        return None


def correlation_value(message: Message, captured: Captured) -> Any:
    """The correlation value ``captured`` carries for ``message``, or :data:`MISSING`."""
    location = correlation_location(message)
    if location is None:
        return MISSING
    payload = None if captured.tombstone else captured.payload
    return location.evaluate(payload, captured.headers)


def missing_correlation(message: Message, captured: Captured) -> str | None:
    """Why ``captured`` lacks the correlation ID ``message`` declares, else ``None``."""
    location = correlation_location(message)
    if location is None or correlation_value(message, captured) is not MISSING:
        return None
    return (
        f"no correlation ID at {location.text} (the correlationId.location of "
        f"{message.display_name!r})"
    )
