"""Captured messages x model -> verdicts. Pure: knows nothing of pytest or of brokers.

A message is matched to its channel (per spec) by destination, its address parameters are
checked, then it is matched to one of the channel's messages: the first whose schemas accept
it; when none does, the violation shows the closest candidate's errors (fewest violations).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pytest_asyncapi.brokers.base import CAPTURE_GAP
from pytest_asyncapi.check.correlation import missing_correlation
from pytest_asyncapi.check.message_check import MessageCheck, check_message
from pytest_asyncapi.schemas.compile import SchemaViolation, Verdict, compile_schema

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pytest_asyncapi.captured import Captured
    from pytest_asyncapi.routing import Route, Router
    from pytest_asyncapi.spec.model import Message, Spec


class Outcome(str, enum.Enum):
    """What became of one captured message against one spec."""

    VALID = "valid"
    INVALID = "invalid"
    UNCHECKED = "unchecked"
    UNDECLARED = "undeclared"


@dataclass(frozen=True)
class Violation:
    """One broken rule, with everything needed to fix it (DESIGN invariant 3)."""

    spec: str
    channel: str
    message: str | None
    destination: str
    part: str
    pointer: str
    keyword: str
    text: str
    schema_location: str
    schema_excerpt: str
    value_excerpt: str
    consumer: str | None = None
    """Set when the rule broken is a consumer's expectation (``--asyncapi-consumer``)."""
    reply_of: str | None = None
    """Set when the message was judged as the reply of this operation (request/reply)."""

    def signature(self) -> tuple[str, ...]:
        """Violations with the same signature are collapsed into one line with a count."""
        return (
            self.consumer or "",
            self.reply_of or "",
            self.spec,
            self.channel,
            self.message or "",
            self.part,
            self.pointer,
            self.keyword,
            self.schema_location,
        )


@dataclass(frozen=True)
class MessageVerdict:
    """The verdict on one captured message against one spec (``spec`` ``None``: undeclared)."""

    captured: Captured
    outcome: Outcome
    spec: Spec | None = None
    channel: str | None = None
    message: str | None = None
    violations: tuple[Violation, ...] = ()
    reasons: tuple[str, ...] = ()
    consumer: str | None = None
    reply_of: str | None = None
    """The operation whose reply this message is (request/reply), if it is one."""


def judge(
    captured: Captured,
    router: Router,
    *,
    check_key: bool = False,
    consumers: Sequence[tuple[str, Router]] = (),
) -> list[MessageVerdict]:
    """Verdicts for one captured message: one per spec that declares its destination, and one
    per consumer (name, router of its receive channels) that expects messages there."""
    matches = router.match(captured.destination)
    if captured.defect is not None:
        return _defective(captured, matches)
    if not matches and router.is_machinery(captured.destination):
        return []
    if router.is_redelivery(captured.reply):
        return []
    verdicts = [
        _judge_on_route(captured, route, values, check_key, route.channel.messages)
        for route, values in _one_route_per_spec(matches)
    ] or [MessageVerdict(captured, Outcome.UNDECLARED)]
    identified = {v.message for v in verdicts if v.outcome is Outcome.VALID and v.message}
    for name, consumer_router in consumers:
        for route, values in _one_route_per_spec(consumer_router.match(captured.destination)):
            expected = _same_named(route.spec.received_messages(route.channel), identified)
            verdicts.append(_judge_on_route(captured, route, values, check_key, expected, name))
    return verdicts


def _defective(
    captured: Captured, matches: Sequence[tuple[Route, dict[str, str]]]
) -> list[MessageVerdict]:
    """A record the adapter could not read normally: invalid on every spec that declares its
    destination (keyword ``frame``), or on none (a gap in capture: keyword ``capture-gap``)."""
    gap = captured.destination == CAPTURE_GAP
    routes: list[Route | None] = [route for route, _ in _one_route_per_spec(matches)]
    return [
        MessageVerdict(
            captured,
            Outcome.INVALID,
            route.spec if route else None,
            route.channel.id if route else None,
            violations=(
                Violation(
                    spec=str(route.spec.source) if route else "",
                    channel=route.channel.id if route else "",
                    message=None,
                    destination=captured.destination,
                    part="capture" if gap else "frame",
                    pointer="",
                    keyword="capture-gap" if gap else "frame",
                    text=captured.defect or "",
                    schema_location="",
                    schema_excerpt="",
                    value_excerpt="" if gap else repr(captured.payload[:80]),
                ),
            ),
        )
        for route in (routes or [None])
    ]


def _same_named(expected: Sequence[Message], identified: set[str]) -> Sequence[Message]:
    """A consumer's messages named like the one the provider's document identified (when the
    provider's verdict is valid, so the identity is certain); else all of them."""
    named = [m for m in expected if any(m.known_as(label) for label in identified)]
    return named or expected


def _one_route_per_spec(
    matches: Sequence[tuple[Route, dict[str, str]]],
) -> list[tuple[Route, dict[str, str]]]:
    """Per spec, the most specific matching channel: fewest parameters, then first declared."""
    best: dict[int, tuple[Route, dict[str, str]]] = {}
    for route, values in matches:
        current = best.get(id(route.spec))
        if current is None or len(values) < len(current[1]):
            best[id(route.spec)] = (route, values)
    return list(best.values())


def _judge_on_route(
    captured: Captured,
    route: Route,
    values: dict[str, str],
    check_key: bool,
    candidates: Sequence[Message],
    consumer: str | None = None,
) -> MessageVerdict:
    spec, channel = route.spec, route.channel
    parameter_violations = _check_parameters(captured, route, values, consumer)
    if not candidates:
        return MessageVerdict(
            captured,
            Outcome.INVALID if parameter_violations else Outcome.UNCHECKED,
            spec,
            channel.id,
            violations=tuple(parameter_violations),
            reasons=(f"channel {channel.id!r} declares no messages",),
            consumer=consumer,
        )
    return verdict_for(
        captured, spec, channel.id, candidates, check_key, parameter_violations, consumer=consumer
    )


def verdict_for(
    captured: Captured,
    spec: Spec,
    channel: str,
    candidates: Sequence[Message],
    check_key: bool,
    earlier: Sequence[Violation] = (),
    *,
    consumer: str | None = None,
    reply_of: str | None = None,
) -> MessageVerdict:
    """Check ``captured`` against ``candidates``, choose one (see :func:`choose`), and say
    what it breaks: ``earlier`` violations, the chosen message's, a missing correlation ID.
    ``reply_of`` names the operation when the message is judged as a reply."""
    checks = [
        check_message(
            m,
            None if captured.tombstone else captured.payload,
            captured.headers or (),
            captured.key,
            check_key=check_key,
            spec=spec,
        )
        for m in candidates
    ]
    chosen = choose(checks)
    label = chosen.message.display_name
    if len(checks) > 1 and chosen.verdict is Verdict.INVALID:
        names = ", ".join(c.message.display_name for c in checks)
        label += f" (closest; none of {names} matched)"
    found: list[tuple[str, str, str, str, SchemaViolation | None]] = [
        (part, v.pointer, v.keyword, v.message, v) for part, v in chosen.violations()
    ]
    missing = missing_correlation(chosen.message, captured)
    if missing is not None:
        found.append(("correlationId", "", "correlationId", missing, None))
    violations = list(earlier) + [
        Violation(
            spec=str(spec.source),
            channel=channel,
            message=label,
            destination=captured.destination,
            part=f"reply {part}" if reply_of else part,
            pointer=pointer,
            keyword=keyword,
            text=text,
            schema_location=v.schema_location if v else "",
            schema_excerpt=v.schema_excerpt if v else "",
            value_excerpt=v.value_excerpt if v else "",
            consumer=consumer,
            reply_of=reply_of,
        )
        for part, pointer, keyword, text, v in found
    ]
    if violations:
        outcome = Outcome.INVALID
    elif chosen.verdict is Verdict.UNCHECKED:
        outcome = Outcome.UNCHECKED
    else:
        outcome = Outcome.VALID
    return MessageVerdict(
        captured,
        outcome,
        spec,
        channel,
        chosen.message.display_name,
        tuple(violations),
        tuple(chosen.unchecked_reasons()),
        consumer,
        reply_of,
    )


def choose(checks: Sequence[MessageCheck]) -> MessageCheck:
    """The first valid candidate; else the first unchecked; else the closest invalid one."""
    for wanted in (Verdict.VALID, Verdict.UNCHECKED):
        for check in checks:
            if check.verdict is wanted:
                return check
    return min(checks, key=lambda c: len(c.violations()))


def _check_parameters(
    captured: Captured, route: Route, values: dict[str, str], consumer: str | None
) -> list[Violation]:
    violations: list[Violation] = []
    for name, value in values.items():
        parameter = route.channel.parameter(name)
        if parameter is None or parameter.schema is None:
            continue
        result = compile_schema(parameter.schema).check(value)
        violations.extend(
            Violation(
                spec=str(route.spec.source),
                channel=route.channel.id,
                message=None,
                destination=captured.destination,
                part=f"parameter {name}",
                pointer=v.pointer,
                keyword=v.keyword,
                text=v.message,
                schema_location=v.schema_location,
                schema_excerpt=v.schema_excerpt,
                value_excerpt=v.value_excerpt,
                consumer=consumer,
            )
            for v in result.violations
        )
    return violations
