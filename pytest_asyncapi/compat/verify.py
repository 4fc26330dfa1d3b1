"""Static consumer/provider compatibility: does the provider deliver what the consumer expects?

Every message the consumer RECEIVES is an expectation. It holds when the provider SENDS a
message on the same destination (address, or Kafka topic; ``{param}`` templates compared by
shape) known by the same name — or, when each side has exactly one message there, that one —
with the same content type, and every payload, header set and Kafka key the provider's schemas
admit is admitted by the consumer's (``compare(provider, consumer)``). Each expectation is OK,
BROKEN (with reason, value pointer and, when found, a counterexample payload) or NEEDS REVIEW
(undecided: never counted as OK). Messages the provider sends on those destinations that the
consumer does not declare are listed as notes: consumers often ignore unknown event types.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from pytest_asyncapi.compat.compare import Comparison, compare
from pytest_asyncapi.compat.matching import (
    channels_at,
    content_type,
    destination,
    same_message,
)
from pytest_asyncapi.compat.subschema import Answer

if TYPE_CHECKING:
    from pytest_asyncapi.spec.model import Channel, Message, Spec


class Status(str, enum.Enum):
    OK = "ok"
    BROKEN = "broken"
    NEEDS_REVIEW = "needs review"


def status_of(answers: list[Answer]) -> Status:
    if Answer.NO in answers:
        return Status.BROKEN
    if Answer.UNKNOWN in answers:
        return Status.NEEDS_REVIEW
    return Status.OK


@dataclass(frozen=True)
class PartCheck:
    """One part of a message (``payload``, ``headers``, ``key``) compared."""

    part: str
    comparison: Comparison


@dataclass(frozen=True)
class Expectation:
    """One message the consumer receives, and how the provider measures up."""

    channel: str
    destination: str | None
    message: str
    status: Status
    reason: str = ""
    provider_channel: str | None = None
    provider_message: str | None = None
    parts: tuple[PartCheck, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "channel": self.channel,
            "destination": self.destination,
            "message": self.message,
            "status": self.status.value,
            "reason": self.reason,
            "provider_channel": self.provider_channel,
            "provider_message": self.provider_message,
            "parts": {p.part: p.comparison.as_dict() for p in self.parts},
        }


@dataclass(frozen=True)
class VerifyReport:
    consumer: str
    provider: str
    expectations: tuple[Expectation, ...]
    notes: tuple[str, ...] = field(default=())

    @property
    def status(self) -> Status:
        statuses = {e.status for e in self.expectations}
        for worst in (Status.BROKEN, Status.NEEDS_REVIEW):
            if worst in statuses:
                return worst
        return Status.OK

    def as_dict(self) -> dict[str, Any]:
        return {
            "consumer": self.consumer,
            "provider": self.provider,
            "status": self.status.value,
            "expectations": [e.as_dict() for e in self.expectations],
            "notes": list(self.notes),
        }


def verify(consumer: Spec, provider: Spec, *, search: bool = True) -> VerifyReport:
    """Check every consumer expectation against the provider's declared sends."""
    expectations: list[Expectation] = []
    matched: set[int] = set()
    offered: dict[int, tuple[Channel, Message]] = {}
    for channel in consumer.channels:
        received = consumer.received_messages(channel)
        if not received:
            continue
        where = destination(consumer, channel)
        sent: list[tuple[Channel, Message]] = []
        if where is not None:
            for theirs in channels_at(provider, where):
                sent.extend((theirs, m) for m in provider.sent_messages(theirs))
        offered.update({id(m): (c, m) for c, m in sent})
        for message in received:
            found = _check(consumer, provider, channel, where, message, received, sent, search)
            expectations.append(found)
            if found.provider_message is not None:
                matched.update(id(m) for c, m in sent if m.display_name == found.provider_message)
    notes = tuple(
        f"the provider also sends {m.display_name} on {destination(provider, c)!s}, "
        "which the consumer does not declare"
        for key, (c, m) in offered.items()
        if key not in matched
    )
    return VerifyReport(str(consumer.source), str(provider.source), tuple(expectations), notes)


def _check(
    consumer: Spec,
    provider: Spec,
    channel: Channel,
    where: str | None,
    message: Message,
    received: tuple[Message, ...],
    sent: list[tuple[Channel, Message]],
    search: bool,
) -> Expectation:
    base = Expectation(channel.id, where, message.display_name, Status.BROKEN)
    if where is None:
        return replace(
            base,
            status=Status.NEEDS_REVIEW,
            reason="the consumer's channel has no address: it cannot be matched",
        )
    if not sent:
        others = channels_at(provider, where)
        why = (
            f"the provider has channel {others[0].id!r} at {where} but does not send on it"
            if others
            else f"the provider declares no channel at {where}"
        )
        return replace(base, reason=why)
    pick = same_message(message, [m for _, m in sent])
    note = ""
    if pick is None and len(sent) == 1 and len(received) == 1:
        pick = sent[0][1]
        note = " (paired as the only message on the destination)"
    if pick is None:
        names = ", ".join(m.display_name for _, m in sent)
        return replace(
            base, reason=f"the provider sends {names} on {where}, none named {message.display_name}"
        )
    their_channel = next(c for c, m in sent if m is pick)
    base = replace(base, provider_channel=their_channel.id, provider_message=pick.display_name)
    ours, theirs = content_type(consumer, message), content_type(provider, pick)
    if ours and theirs and ours != theirs:
        return replace(
            base,
            reason=f"content type differs: the provider sends {theirs}, consumer expects {ours}",
        )
    sides = ("the provider's schema", "the consumer's schema")
    seeds = [e.payload for e in pick.examples if e.has_payload]
    header_seeds = [e.headers for e in pick.examples if e.has_headers]
    parts = (
        PartCheck(
            "payload",
            compare(pick.payload, message.payload, names=sides, seeds=seeds, search=search),
        ),
        PartCheck(
            "headers",
            compare(pick.headers, message.headers, names=sides, seeds=header_seeds, search=search),
        ),
        PartCheck("key", compare(pick.key_schema, message.key_schema, names=sides, search=search)),
    )
    status = status_of([p.comparison.answer for p in parts])
    bad = next((p for p in parts if p.comparison.answer is not Answer.YES), None)
    reason = f"{bad.part}: {bad.comparison.reason}" if bad else "compatible"
    return replace(base, status=status, reason=reason + note, parts=parts)
