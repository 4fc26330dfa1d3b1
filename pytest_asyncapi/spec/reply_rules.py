"""Document checks for request/reply: every runtime expression (``correlationId.location``,
``reply.address.location``) must parse, and a reply must say where it goes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_asyncapi import jsonpointer
from pytest_asyncapi.spec.model import Finding
from pytest_asyncapi.spec.runtime_expressions import ExpressionError, parse_expression

if TYPE_CHECKING:
    from collections.abc import Iterator

    from pytest_asyncapi.spec.model import Spec
    from pytest_asyncapi.spec.official_schema import Locate


def reply_findings(spec: Spec, locate: Locate) -> list[Finding]:
    """``runtime-expression`` errors, in document order of messages then operations."""

    def finding(rule: str, message: str, pointer: str) -> Finding:
        file, line = locate(pointer)
        return Finding(rule, message, file=file, pointer=pointer, line=line)

    found: dict[tuple[str, int | None], Finding] = {}
    for item in _expressions(spec):
        made = finding(*item)
        found.setdefault((made.file, made.line), made)  # a shared correlationId: once
    return list(found.values())


def _expressions(spec: Spec) -> Iterator[tuple[str, str, str]]:
    seen: set[str] = set()
    messages = [m for c in spec.channels for m in c.messages]
    messages += [m for op in spec.operations if op.reply for m in op.reply.messages]
    for message in messages:
        location = (message.correlation_id or {}).get("location")
        if location is None:
            continue
        pointer = f"{message.pointer}/correlationId/location"
        if pointer in seen:
            continue
        seen.add(pointer)
        problem = _problem(location)
        if problem:
            yield (
                "runtime-expression",
                f"correlationId of {message.display_name!r}: {problem}",
                pointer,
            )
    for operation in spec.operations:
        reply = operation.reply
        if reply is None or reply.address is None:
            continue
        problem = _problem(reply.address)
        if problem:
            pointer = jsonpointer.child(reply.pointer, "address", "location")
            yield "runtime-expression", f"reply address of {operation.id!r}: {problem}", pointer


def _problem(location: object) -> str | None:
    if not isinstance(location, str):
        return f"location must be a runtime expression string, got {location!r}"
    try:
        parse_expression(location)
    except ExpressionError as error:
        return str(error)
    return None
