"""Request/reply: pair requests with replies, judge each reply against its reply's messages.

Pure: captured records in, verdicts out. A *request* is a message on the channel of an
operation that has a ``reply`` (whoever sent it: the service, another service, the test).
Where its reply goes, first that applies: the NATS reply subject the sender asked for
(``msg.reply``, ``_INBOX.>`` included); the reply's ``address.location`` evaluated on the
request (``$message.header#/replyTo``); the reply channel's static address. A record sent to
that destination is the reply: judged against the reply's messages (violations say
``reply`` and name the operation), and its correlation ID must equal the request's. When
several requests wait on one destination, the correlation ID decides, else the oldest.
A request whose window ends without its reply is *missing* its reply.
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pytest_asyncapi.check.contract import MessageVerdict, Outcome, Violation, verdict_for
from pytest_asyncapi.check.correlation import MISSING, correlation_location, correlation_value
from pytest_asyncapi.spec.runtime_expressions import ExpressionError, parse_expression

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from pytest_asyncapi.captured import Captured
    from pytest_asyncapi.check.fast_path import Tally
    from pytest_asyncapi.routing import Route, Router
    from pytest_asyncapi.spec.model import Message, Operation, Spec


@dataclass
class Pending:
    """A request waiting for its reply."""

    spec: Spec
    operation: Operation
    request: str
    """The request message's name."""
    destination: str
    """Where the request was seen (or sent)."""
    address: str | None
    """The reply's concrete destination, when known."""
    route: Route | None
    """The reply channel's route, when the reply goes to its static address."""
    correlation: Any
    """The request's correlation ID, or :data:`~pytest_asyncapi.check.correlation.MISSING`."""
    by_fixture: bool = False
    number: int = 0
    reply: Captured | None = field(default=None, repr=False)

    def expects(self, destination: str) -> bool:
        if self.address is not None:
            return destination == self.address
        return self.route is not None and self.route.parameters(destination) is not None

    @property
    def reply_messages(self) -> tuple[Message, ...]:
        reply = self.operation.reply
        assert reply is not None
        if reply.messages:
            return reply.messages
        channel = self.spec.channel(reply.channel_id) if reply.channel_id else None
        return channel.messages if channel else ()

    def describe(self) -> str:
        where = self.address or (self.route.destination if self.route else "?")
        return (
            f"{self.spec.source} · operation {self.operation.id}: request {self.request!r} "
            f"on {self.destination!r} got no reply on {where!r}"
        )


@dataclass(frozen=True)
class Pair:
    """A request and what became of its reply, for the results (``reply`` ``None``: missing)."""

    spec: str
    operation: str
    request: str
    reply: str | None
    outcome: str
    by_fixture: bool = False


class ReplyTracker:
    """Finds requests among captured records and pairs their replies; see the module doc."""

    def __init__(self, specs: Sequence[Spec], router: Router, *, check_key: bool = False) -> None:
        self.router = router
        self.check_key = check_key
        self.pending: list[Pending] = []
        self.pairs: list[Pair] = []
        self._numbers = itertools.count(1)
        self._asking: dict[tuple[int, str], list[Operation]] = {}
        for spec in specs:
            for operation in spec.operations:
                if operation.reply is not None:
                    key = (id(spec), operation.channel_id)
                    self._asking.setdefault(key, []).append(operation)
        self.active = bool(self._asking)

    def judge_window(
        self,
        records: Sequence[Captured],
        judge: Callable[[Captured], list[MessageVerdict]],
        tally: Callable[[Captured], list[Tally] | None],
    ) -> tuple[list[MessageVerdict], Counter[Tally]]:
        """Verdicts for a window, in capture order, replies judged as replies; and the keys
        of the valid records no request waits for, counted by ``tally`` (the fast path).

        Records on request channels go first (Kafka hands topics out one after another, so a
        reply may come before its request in ``records``)."""
        valid: Counter[Tally] = Counter()
        verdicts: dict[int, list[MessageVerdict]] = {}
        later = []
        for index, record in enumerate(records):
            if self._on_request_channel(record):
                verdicts[index] = self.observe(record, judge)
            else:
                later.append(index)
        for index in later:
            record = records[index]
            keys = None if self.waiting_for(record) is not None else tally(record)
            if keys is None:
                verdicts[index] = self.observe(record, judge)
            else:
                valid.update(keys)
        ordered = [v for index in range(len(records)) for v in verdicts.get(index, ())]
        return ordered, valid

    def observe(
        self, record: Captured, judge: Callable[[Captured], list[MessageVerdict]]
    ) -> list[MessageVerdict]:
        """The verdicts on one record: as a reply if a request waits for it, else as usual
        (registering it as a request when it is one)."""
        waiting = self.waiting_for(record)
        if waiting is not None:
            return [self.answer(waiting, record)]
        verdicts = judge(record)
        for verdict in verdicts:
            self._register(record, verdict)
        return verdicts

    def waiting_for(self, record: Captured) -> Pending | None:
        """The request ``record`` answers, if any (correlation ID first, else the oldest)."""
        waiting = [p for p in self.pending if p.reply is None and p.expects(record.destination)]
        if not waiting:
            return None
        same_channel = [p for p in waiting if p.destination == record.destination]
        if same_channel and not self._valid_reply(same_channel[0], record):
            return None  # on the request channel itself: a new request, not a reply
        for pending in waiting:
            if pending.correlation is MISSING:
                continue
            if any(
                correlation_value(m, record) == pending.correlation for m in pending.reply_messages
            ):
                return pending
        return waiting[0]

    def answer(self, pending: Pending, record: Captured) -> MessageVerdict:
        """Judge ``record`` as the reply to ``pending`` (and take ``pending`` off the list)."""
        if pending in self.pending:
            self.pending.remove(pending)
        pending.reply = record
        verdict = self.judge_reply(pending, record)
        self.pairs.append(
            Pair(
                str(pending.spec.source),
                pending.operation.id,
                pending.request,
                verdict.message,
                verdict.outcome.value,
                pending.by_fixture,
            )
        )
        return verdict

    def judge_reply(self, pending: Pending, record: Captured) -> MessageVerdict:
        """``record`` against the reply's messages, plus the correlation ID rule."""
        reply = pending.operation.reply
        assert reply is not None
        channel = reply.channel_id or pending.operation.channel_id
        candidates = pending.reply_messages
        if not candidates:
            return MessageVerdict(
                record,
                Outcome.UNCHECKED,
                pending.spec,
                channel,
                reasons=(f"the reply of operation {pending.operation.id!r} declares no messages",),
                reply_of=pending.operation.id,
            )
        verdict = verdict_for(
            record,
            pending.spec,
            channel,
            candidates,
            self.check_key,
            reply_of=pending.operation.id,
        )
        mismatch = self._correlation_mismatch(pending, record, verdict)
        if mismatch is None:
            return verdict
        return MessageVerdict(
            record,
            Outcome.INVALID,
            verdict.spec,
            verdict.channel,
            verdict.message,
            (*verdict.violations, mismatch),
            verdict.reasons,
            reply_of=verdict.reply_of,
        )

    def expect(
        self,
        spec: Spec,
        operation: Operation,
        request: str,
        destination: str,
        address: str | None,
        route: Route | None,
        correlation: Any,
    ) -> Pending:
        """Register a request the test itself sent (the capture does not see its own)."""
        pending = Pending(
            spec,
            operation,
            request,
            destination,
            address,
            route,
            correlation,
            by_fixture=True,
            number=next(self._numbers),
        )
        self.pending.append(pending)
        return pending

    def end_window(self) -> list[Pending]:
        """Requests still without a reply: reported missing, and forgotten."""
        missing, self.pending = self.pending, []
        self.pairs += [
            Pair(str(p.spec.source), p.operation.id, p.request, None, "missing", p.by_fixture)
            for p in missing
        ]
        return missing

    def take_pairs(self) -> list[Pair]:
        pairs, self.pairs = self.pairs, []
        return pairs

    def reply_route(self, spec: Spec, operation: Operation) -> Route | None:
        """The route of the operation's reply channel, when it has a static address."""
        reply = operation.reply
        if reply is None or reply.channel_id is None:
            return None
        for route in self.router.routes:
            if route.spec is spec and route.channel.id == reply.channel_id:
                return route
        return None

    # -- helpers -------------------------------------------------------------------------

    def _on_request_channel(self, record: Captured) -> bool:
        return any(
            (id(route.spec), route.channel.id) in self._asking
            for route, _ in self.router.match(record.destination)
        )

    def _register(self, record: Captured, verdict: MessageVerdict) -> None:
        spec = verdict.spec
        if spec is None or verdict.consumer is not None or verdict.message is None:
            return
        for operation in self._asking.get((id(spec), verdict.channel or ""), []):
            if not any(m.display_name == verdict.message for m in operation.messages):
                continue
            address = record.reply or reply_address(operation, record)
            route = None if address is not None else self.reply_route(spec, operation)
            if address is None and route is None:
                continue  # nowhere to look for the reply
            request = next(m for m in operation.messages if m.display_name == verdict.message)
            self.pending.append(
                Pending(
                    spec,
                    operation,
                    verdict.message,
                    record.destination,
                    address,
                    route,
                    correlation_value(request, record),
                    number=next(self._numbers),
                )
            )

    def _valid_reply(self, pending: Pending, record: Captured) -> bool:
        return self.judge_reply(pending, record).outcome is Outcome.VALID

    def _correlation_mismatch(
        self, pending: Pending, record: Captured, verdict: MessageVerdict
    ) -> Violation | None:
        if pending.correlation is MISSING or verdict.message is None:
            return None
        chosen = next(
            (m for m in pending.reply_messages if m.display_name == verdict.message), None
        )
        if chosen is None or correlation_location(chosen) is None:
            return None
        value = correlation_value(chosen, record)
        if value is MISSING or value == pending.correlation:
            return None  # a missing one is already a violation of the chosen message
        location = correlation_location(chosen)
        assert location is not None
        return Violation(
            spec=str(pending.spec.source),
            channel=verdict.channel or "",
            message=verdict.message,
            destination=record.destination,
            part="reply correlationId",
            pointer="",
            keyword="correlationId",
            text=(
                f"the reply's correlation ID {value!r} (at {location.text}) is not the "
                f"request's {pending.correlation!r}"
            ),
            schema_location="",
            schema_excerpt="",
            value_excerpt=str(value)[:120],
            reply_of=pending.operation.id,
        )


def reply_address(operation: Operation, request: Captured) -> str | None:
    """The reply destination ``operation.reply.address.location`` names in ``request``."""
    reply = operation.reply
    if reply is None or reply.address is None:
        return None
    try:
        expression = parse_expression(reply.address)
    except ExpressionError:
        return None  # a document error, reported by the document checks
    payload = None if request.tombstone else request.payload
    value = expression.evaluate(payload, request.headers)
    return value if isinstance(value, str) and value else None
