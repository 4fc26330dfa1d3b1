"""``asyncapi.request``: send a request the way its operation's protocol does, wait for the
reply, check both against the document.

NATS: a request with a reply subject (``_INBOX.asyncapi.<id>``, or the reply channel's static
address). Kafka: a record on the request topic; the reply goes to the reply channel's topic.
Either way, when the reply's ``address.location`` names a header (``$message.header#/replyTo``)
that header carries the reply address, and a correlation ID the request message locates in a
header is filled in when the caller gave none. The request is registered with the recorder's
reply tracker, so the reply is judged (and reported) as that operation's reply.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson
import pytest

from pytest_asyncapi.brokers.registry import describe
from pytest_asyncapi.check.contract import Outcome, choose
from pytest_asyncapi.check.correlation import MISSING, correlation_location, correlation_value
from pytest_asyncapi.check.message_check import check_message
from pytest_asyncapi.reporting.terminal import render_violations
from pytest_asyncapi.schemas.compile import Verdict
from pytest_asyncapi.spec.runtime_expressions import ExpressionError, parse_expression

if TYPE_CHECKING:
    from collections.abc import Mapping

    from pytest_asyncapi.captured import Captured
    from pytest_asyncapi.check.recorder import Recorder
    from pytest_asyncapi.check.replies import Pending
    from pytest_asyncapi.routing import Route
    from pytest_asyncapi.spec.model import Message, Operation, Spec


class RequestRefused(AssertionError):
    """``asyncapi.request`` refused to send a request that breaks the contract."""


@dataclass(frozen=True)
class Request:
    """What :func:`send_request` needs, checked: where, what, and where the reply goes."""

    spec: Spec
    operation: Operation
    route: Route
    message: Message
    body: bytes
    headers: dict[str, str]
    destination: str
    reply_to: str | None
    reply_route: Route | None


def find_operation(recorder: Recorder, label: str) -> tuple[Spec, Operation]:
    """The operation ``label`` names (its id), which must have a reply."""
    found = [(s, op) for s in recorder.specs for op in s.operations if op.id == label]
    if not found:
        known = ", ".join(op.id for s in recorder.specs for op in s.operations if op.reply)
        raise KeyError(
            f"no operation {label!r} in the specs (operations with a reply: {known or 'none'})"
        )
    spec, operation = found[0]
    if operation.reply is None:
        raise KeyError(
            f"operation {label!r} has no reply: asyncapi.request needs an operation with "
            "`reply` (use asyncapi.publish for one-way messages)"
        )
    return spec, operation


def prepare(
    recorder: Recorder,
    label: str,
    payload: Any,
    example: str | int | None,
    headers: Mapping[str, Any] | None,
    message: str | None,
    parameters: Mapping[str, str] | None,
) -> Request:
    """Check the request against the operation's messages; work out where the reply goes."""
    spec, operation = find_operation(recorder, label)
    route = _route(recorder, spec, operation.channel_id, label)
    candidates = [m for m in operation.messages if message is None or m.known_as(message)]
    if not candidates:
        names = ", ".join(m.display_name for m in operation.messages) or "none"
        raise KeyError(f"operation {label!r} sends no message {message!r} (it sends: {names})")
    if example is not None:
        payload, headers = _example(candidates, example, headers)
    text_headers = {
        k: v if isinstance(v, str) else orjson.dumps(v).decode() for k, v in (headers or {}).items()
    }
    for candidate in candidates:
        _fill_correlation(candidate, text_headers)
    reply_route = recorder.replies.reply_route(spec, operation)
    protocol = recorder.adapter.protocol
    reply_to = _reply_address(reply_route, parameters, protocol)
    reply = operation.reply
    assert reply is not None
    if reply.address is not None and reply_to is not None:
        _put_address(reply.address, reply_to, text_headers, label)
    body = payload if isinstance(payload, bytes) else orjson.dumps(payload)
    chosen = _validated(spec, operation, candidates, body, text_headers)
    return Request(
        spec,
        operation,
        route,
        chosen,
        body,
        text_headers,
        route.concrete(parameters or {}),
        reply_to,
        reply_route if reply_to is None else None,
    )


def send_request(recorder: Recorder, request: Request, timeout: float) -> Captured:
    """Send ``request``, wait up to ``timeout`` s for its reply; fail the test unless the
    reply arrives and keeps the contract. Returns the reply as captured."""
    captured_like = _as_captured(request)
    pending = recorder.replies.expect(
        request.spec,
        request.operation,
        request.message.display_name,
        request.destination,
        request.reply_to,
        request.reply_route,
        correlation_value(request.message, captured_like),
    )
    native = describe(recorder.adapter.protocol).reply_inbox is not None
    recorder.adapter.publish(
        request.destination,
        request.body,
        request.headers or None,
        None,
        reply=request.reply_to if native else None,
    )
    recorder.published.append(
        (str(request.spec.source), request.operation.channel_id, request.message.display_name)
    )
    reply = _wait(recorder, pending, timeout)
    if reply is None:
        pytest.fail(_missing(recorder, request, timeout), pytrace=False)
    verdict = recorder.replies.judge_reply(pending, reply)
    if verdict.outcome is Outcome.INVALID:
        lines = render_violations(list(verdict.violations))
        pytest.fail(
            f"asyncapi.request({request.operation.id!r}): the reply breaks the contract:\n"
            + "\n".join(lines),
            pytrace=False,
        )
    return reply


# -- helpers ---------------------------------------------------------------------------


def _route(recorder: Recorder, spec: Spec, channel_id: str, label: str) -> Route:
    for route in recorder.router.routes:
        if route.spec is spec and route.channel.id == channel_id:
            return route
    raise KeyError(f"operation {label!r}: its channel {channel_id!r} has no static address")


def _example(
    candidates: list[Message], example: str | int, headers: Mapping[str, Any] | None
) -> tuple[Any, Mapping[str, Any] | None]:
    for message in candidates:
        for index, found in enumerate(message.examples):
            if example in (index, found.name) and found.has_payload:
                return found.payload, headers if headers is not None else found.headers
    names = [e.name or str(i) for m in candidates for i, e in enumerate(m.examples)]
    raise KeyError(f"no example {example!r} (examples: {', '.join(names) or 'none'})")


def _fill_correlation(message: Message, headers: dict[str, str]) -> None:
    """A correlation ID located in a header gets a fresh UUID when the caller gave none."""
    location = correlation_location(message)
    if location is not None and location.source == "header" and len(location.tokens) == 1:
        headers.setdefault(location.tokens[0], str(uuid.uuid4()))


def _reply_address(
    reply_route: Route | None, parameters: Mapping[str, str] | None, protocol: str
) -> str | None:
    if reply_route is not None and "{" not in reply_route.destination:
        return reply_route.destination
    if reply_route is not None:
        try:
            return reply_route.concrete(parameters or {})
        except KeyError:
            pass
    described = describe(protocol)
    if described.reply_inbox is not None:
        return f"{described.reply_inbox}{uuid.uuid4().hex}"
    if reply_route is None:
        raise RequestRefused(
            f"a {described.label} request needs a reply channel with an address "
            f"(the {described.binding_field} the reply goes to)"
        )
    return None


def _put_address(location: str, address: str, headers: dict[str, str], label: str) -> None:
    try:
        expression = parse_expression(location)
    except ExpressionError as error:
        raise RequestRefused(f"operation {label!r}: {error}") from None
    if expression.source == "header" and len(expression.tokens) == 1:
        headers.setdefault(expression.tokens[0], address)


def _validated(
    spec: Spec,
    operation: Operation,
    candidates: list[Message],
    body: bytes,
    headers: dict[str, str],
) -> Message:
    checks = [check_message(m, body, tuple(headers.items())) for m in candidates]
    chosen = choose(checks)
    if chosen.verdict is Verdict.VALID:
        missing = _missing_correlation(chosen.message, body, headers)
        if missing is None:
            return chosen.message
        raise RequestRefused(f"refused to send the request of {operation.id!r}: {missing}")
    if chosen.verdict is Verdict.UNCHECKED:
        return chosen.message
    problems = [
        f"  {part} {v.pointer or '/'} [{v.keyword}]: {v.message}" for part, v in chosen.violations()
    ]
    raise RequestRefused(
        f"refused to send an invalid request of {operation.id!r} "
        f"({spec.source} · message {chosen.message.display_name}):\n" + "\n".join(problems)
    )


def _missing_correlation(message: Message, body: bytes, headers: dict[str, str]) -> str | None:
    location = correlation_location(message)
    if location is None:
        return None
    if location.evaluate(body, tuple(headers.items())) is MISSING:
        return f"the request carries no correlation ID at {location.text}"
    return None


def _as_captured(request: Request) -> Captured:
    from pytest_asyncapi.captured import Captured

    pairs = tuple((k, v.encode()) for k, v in request.headers.items())
    return Captured(request.destination, request.body, pairs, time.time(), 0)


def _wait(recorder: Recorder, pending: Pending, timeout: float) -> Captured | None:
    deadline = time.monotonic() + timeout
    while True:
        for record in recorder.pending():
            if recorder.replies.waiting_for(record) is pending:
                return record
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        recorder.wait(remaining)


def _missing(recorder: Recorder, request: Request, timeout: float) -> str:
    where = request.reply_to or (request.reply_route.destination if request.reply_route else "?")
    arrived = sorted({r.destination for r in recorder.pending()})
    return (
        f"asyncapi.request({request.operation.id!r}): no reply on {where!r} within "
        f"{timeout:g} s to the request {request.message.display_name!r} sent on "
        f"{request.destination!r}; arrived during this test: "
        + (", ".join(map(repr, arrived)) or "nothing")
    )
