"""The ``asyncapi`` fixture: what a test author sees of the capture.

Blocking methods for plain tests; ``a``-prefixed coroutine twins for pytest-asyncio tests,
which wait in a worker thread so the test's own event loop keeps running.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from typing import TYPE_CHECKING, Any

import orjson
import pytest

from pytest_asyncapi.check.contract import Violation
from pytest_asyncapi.check.message_check import check_message
from pytest_asyncapi.generation import example_payloads, find_message
from pytest_asyncapi.reporting.terminal import render_violations
from pytest_asyncapi.schemas.compile import SchemaViolation, Verdict, compile_schema

if TYPE_CHECKING:
    from collections.abc import Mapping

    from pytest_asyncapi.captured import Captured
    from pytest_asyncapi.check.recorder import Recorder
    from pytest_asyncapi.routing import Route
    from pytest_asyncapi.spec.model import Message, SchemaSpec


class ContractRefusal(AssertionError):
    """``publish`` refused a message that breaks the contract."""


class AsyncAPIFixture:
    """Captured messages of the current test, ``expect`` and ``publish``."""

    def __init__(self, recorder: Recorder) -> None:
        self._recorder = recorder
        self.published: list[tuple[str, str]] = []

    def messages(self, channel: str | None = None) -> list[Captured]:
        """Messages captured so far in this test, all or on one channel (id or address)."""
        __tracebackhide__ = True  # errors point at the test's own line
        records = list(self._recorder.pending())
        if channel is None:
            return records
        routes = self._routes(channel)
        return [
            r for r in records if any(rt.parameters(r.destination) is not None for rt in routes)
        ]

    @property
    def captured(self) -> dict[str, list[Captured]]:
        """Messages captured so far in this test, per channel id (``None``: undeclared)."""
        __tracebackhide__ = True  # errors point at the test's own line
        per_channel: dict[str, list[Captured]] = {}
        for record in self._recorder.pending():
            matches = self._recorder.router.match(record.destination)
            for route, _ in matches or []:
                per_channel.setdefault(route.channel.id, []).append(record)
        return per_channel

    def expect(
        self, channel: str, count: int = 1, timeout: float = 5.0, *, message: str | None = None
    ) -> list[Captured]:
        """Wait until ``count`` messages arrived on ``channel`` (optionally: of ``message``).

        Returns as soon as they are there; otherwise fails the test listing what did arrive.
        """
        __tracebackhide__ = True  # errors point at the test's own line
        routes = self._routes(channel)
        deadline = time.monotonic() + timeout
        while True:
            found = [r for r in self._recorder.pending() if self._matches(r, routes, message)]
            remaining = deadline - time.monotonic()
            if len(found) >= count or remaining <= 0:
                break
            self._recorder.wait(remaining)
        if len(found) < count:
            pytest.fail(
                self._expect_failure(channel, count, timeout, message, found), pytrace=False
            )
        return found

    async def aexpect(
        self, channel: str, count: int = 1, timeout: float = 5.0, *, message: str | None = None
    ) -> list[Captured]:
        """:meth:`expect` for async tests: waits without blocking the event loop."""
        return await asyncio.to_thread(self.expect, channel, count, timeout, message=message)

    def examples(self, channel: str, message: str | None = None) -> list[Any]:
        """The example payloads the document gives for a message of ``channel``."""
        __tracebackhide__ = True  # errors point at the test's own line
        route = self._routes(channel)[0]
        return example_payloads(find_message(route.spec, route.channel.id, message))

    def publish(
        self,
        channel: str,
        payload: Any = None,
        headers: Mapping[str, Any] | None = None,
        *,
        message: str | None = None,
        parameters: Mapping[str, str] | None = None,
        key: bytes | str | None = None,
        example: str | int | None = None,
    ) -> Message:
        """Validate against the spec, then publish on ``channel``; refuse invalid messages.

        ``payload``: bytes as they are, anything else serialised as JSON. ``example`` (a name
        or an index) publishes that example of the message, headers included. Returns the
        message declaration the payload was matched to.
        """
        __tracebackhide__ = True  # errors point at the test's own line
        route = self._routes(channel)[0]
        if example is not None:
            payload, headers = self._example(route, message, example, headers)
        body = payload if isinstance(payload, bytes) else orjson.dumps(payload)
        text_headers = {
            k: v if isinstance(v, str) else orjson.dumps(v).decode()
            for k, v in (headers or {}).items()
        }
        raw_key = key.encode() if isinstance(key, str) else key
        declared = self._validated(route, body, headers or {}, raw_key, message)
        destination = route.concrete(parameters or {})
        param_problems = [
            f"parameter {name}={value!r}: {v.message}"
            for name, value in (parameters or {}).items()
            if (p := route.channel.parameter(name)) is not None and p.schema is not None
            for v in _check_value(p.schema, value)
        ]
        if param_problems:
            raise ContractRefusal("refused to publish: " + "; ".join(param_problems))
        self._recorder.adapter.publish(destination, body, text_headers or None, raw_key)
        self._recorder.published.append(
            (str(route.spec.source), route.channel.id, declared.display_name)
        )
        self.published.append((route.channel.id, declared.display_name))
        return declared

    def request(
        self,
        operation: str,
        payload: Any = None,
        headers: Mapping[str, Any] | None = None,
        *,
        example: str | int | None = None,
        message: str | None = None,
        parameters: Mapping[str, str] | None = None,
        timeout: float = 5.0,
    ) -> Captured:
        """Send a request of ``operation`` (an operation with a ``reply``), wait for the reply.

        The request is validated first (refused when invalid), sent the way the protocol does
        (see README, "Request/reply"), and the reply is checked against the reply's messages
        and the request's correlation ID. Returns the reply; fails the test with what arrived
        when no reply comes within ``timeout`` s, or when the reply breaks the contract.
        """
        from pytest_asyncapi.plugin.request_api import prepare, send_request

        prepared = prepare(
            self._recorder, operation, payload, example, headers, message, parameters
        )
        self.published.append((prepared.route.channel.id, prepared.message.display_name))
        return send_request(self._recorder, prepared, timeout)

    async def arequest(self, operation: str, payload: Any = None, **kwargs: Any) -> Captured:
        """:meth:`request` for async tests: waits without blocking the event loop."""
        return await asyncio.to_thread(self.request, operation, payload, **kwargs)

    async def apublish(
        self, channel: str, payload: Any, headers: Mapping[str, Any] | None = None, **kwargs: Any
    ) -> Message:
        """:meth:`publish` for async tests."""
        return await asyncio.to_thread(self.publish, channel, payload, headers, **kwargs)

    def _example(
        self,
        route: Route,
        message: str | None,
        example: str | int,
        headers: Mapping[str, Any] | None,
    ) -> tuple[Any, Mapping[str, Any] | None]:
        __tracebackhide__ = True  # errors point at the test's own line
        declared = find_message(route.spec, route.channel.id, message)
        chosen = [
            e
            for index, e in enumerate(declared.examples)
            if example in (index, e.name) and e.has_payload
        ]
        if not chosen:
            names = [e.name or str(i) for i, e in enumerate(declared.examples)] or ["none"]
            raise KeyError(
                f"message {declared.display_name!r} has no example {example!r} "
                f"(examples: {', '.join(names)})"
            )
        found = chosen[0]
        return found.payload, headers if headers is not None else found.headers

    def _validated(
        self,
        route: Route,
        body: bytes,
        headers: Mapping[str, Any],
        key: bytes | None,
        label: str | None,
    ) -> Message:
        __tracebackhide__ = True  # errors point at the test's own line
        channel = route.channel
        if label is not None:
            candidates = [channel.message(label)]
        else:
            received = route.spec.received_messages(channel)
            candidates = list(received) or list(channel.messages)
        if not candidates:
            raise ContractRefusal(f"channel {channel.id!r} declares no messages to publish")
        checks = []
        for candidate in candidates:
            check = check_message(candidate, body, headers or {}, key, check_key=key is not None)
            if check.verdict is Verdict.VALID:
                return candidate
            checks.append(check)
        closest = min(checks, key=lambda c: len(c.violations()))
        if closest.verdict is Verdict.UNCHECKED:
            reasons = "; ".join(closest.unchecked_reasons())
            raise ContractRefusal(f"refused to publish on {channel.id!r}: cannot check ({reasons})")
        lines = render_violations(
            [
                Violation(
                    str(route.spec.source),
                    channel.id,
                    closest.message.display_name,
                    "(not sent)",
                    part,
                    v.pointer,
                    v.keyword,
                    v.message,
                    v.schema_location,
                    v.schema_excerpt,
                    v.value_excerpt,
                )
                for part, v in closest.violations()
            ]
        )
        raise ContractRefusal("refused to publish an invalid message:\n" + "\n".join(lines))

    def _routes(self, channel: str) -> list[Route]:
        __tracebackhide__ = True  # errors point at the test's own line
        routes = [
            r
            for r in self._recorder.router.routes
            if channel in (r.channel.id, r.channel.address, r.destination)
        ]
        if not routes:
            known = ", ".join(sorted({r.channel.id for r in self._recorder.router.routes}))
            raise KeyError(f"no channel {channel!r} in the specs (channels: {known})")
        return routes

    def _matches(self, record: Captured, routes: list[Route], message: str | None) -> bool:
        for route in routes:
            if route.parameters(record.destination) is None:
                continue
            if message is None:
                return True
            verdicts = self._recorder.verdicts([record])
            return any(v.message == message for v in verdicts)
        return False

    def _expect_failure(
        self, channel: str, count: int, timeout: float, message: str | None, found: list[Captured]
    ) -> str:
        what = f"message {message!r} on channel {channel!r}" if message else f"channel {channel!r}"
        arrived = Counter(r.destination for r in self._recorder.pending())
        seen = ", ".join(f"{d!r} x{n}" for d, n in arrived.most_common()) or "nothing"
        return (
            f"expected {count} message(s) of {what} within {timeout:g} s, got {len(found)}; "
            f"arrived during this test: {seen}"
        )


def _check_value(schema: SchemaSpec, value: str) -> list[SchemaViolation]:
    return list(compile_schema(schema).check(value).violations)
