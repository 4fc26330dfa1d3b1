"""Contract coverage: which declared messages the tests exercised.

A *send* message (one the application sends, by any send operation) is covered when at least
one captured message was matched to it (valid or unchecked; an invalid message is a failure,
not coverage). A *receive* message is covered when a test drove it through
``asyncapi.publish``. A consumer's *expectation* (a message its document receives) is covered
when a captured message was matched to it. A *reply* message of an operation (request/reply)
is covered when a reply of that operation was matched to it; it counts as sent for a
``receive`` operation (the application answers) and as received for a ``send`` one. The
coverage figure is the share of covered send messages of the provider specs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from pytest_asyncapi.spec.model import Action

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pytest_asyncapi.check.results import RunResults
    from pytest_asyncapi.spec.model import Spec


@dataclass(frozen=True)
class MessageCoverage:
    """One declared message in one direction, and how often the run exercised it."""

    spec: str
    channel: str
    message: str
    action: str
    operations: tuple[str, ...]
    seen: int
    published: int
    consumer: str | None = None

    @property
    def covered(self) -> bool:
        if self.consumer is not None or self.action == Action.SEND.value:
            return self.seen > 0
        return self.published > 0


@dataclass(frozen=True)
class Coverage:
    """Coverage of every spec's send and receive messages."""

    messages: tuple[MessageCoverage, ...]

    @property
    def sent(self) -> list[MessageCoverage]:
        return [m for m in self.provider if m.action == Action.SEND.value]

    @property
    def received(self) -> list[MessageCoverage]:
        return [m for m in self.provider if m.action == Action.RECEIVE.value]

    @property
    def provider(self) -> list[MessageCoverage]:
        return [m for m in self.messages if m.consumer is None]

    @property
    def expectations(self) -> list[MessageCoverage]:
        """What the consumers expect to receive."""
        return [m for m in self.messages if m.consumer is not None]

    @property
    def percent(self) -> float | None:
        """Share of send messages seen, in percent; ``None`` when nothing is sent."""
        sent = self.sent
        if not sent:
            return None
        return 100.0 * sum(m.covered for m in sent) / len(sent)

    @property
    def never_seen(self) -> list[MessageCoverage]:
        return [m for m in self.sent if not m.covered]

    @property
    def never_driven(self) -> list[MessageCoverage]:
        return [m for m in self.received if not m.covered]


def compute(
    specs: Sequence[Spec],
    results: RunResults,
    *,
    consumers: Sequence[tuple[str, Spec]] = (),
) -> Coverage:
    """Coverage of ``specs`` (and consumers' expectations) by what ``results`` saw."""
    entries = [e for spec in specs for e in _entries(spec, results, None)]
    for name, spec in consumers:
        entries += [e for e in _entries(spec, results, name) if e.action == Action.RECEIVE.value]
    return Coverage(tuple(entries))


def _entries(spec: Spec, results: RunResults, consumer: str | None) -> list[MessageCoverage]:
    source = str(spec.source)
    entries: list[MessageCoverage] = []
    for channel in spec.channels:
        counts = results.counts(source, channel.id)
        for action in (Action.SEND, Action.RECEIVE):
            operations = [op for op in spec.operations_on(channel) if op.action is action]
            names = dict.fromkeys(m.display_name for op in operations for m in op.messages)
            entries += [
                MessageCoverage(
                    spec=source,
                    channel=channel.id,
                    message=name,
                    action=action.value,
                    operations=tuple(
                        op.id
                        for op in operations
                        if any(m.display_name == name for m in op.messages)
                    ),
                    seen=counts.by_message[name],
                    published=results.published[(source, channel.id, name)],
                    consumer=consumer,
                )
                for name in names
            ]
    return entries + _reply_entries(spec, results, consumer, entries)


def _reply_entries(
    spec: Spec, results: RunResults, consumer: str | None, known: list[MessageCoverage]
) -> list[MessageCoverage]:
    """One entry per reply message of each operation with a reply (see the module doc)."""
    source = str(spec.source)
    answered = {
        (operation, reply): n
        for (s, operation, _, reply, outcome), n in results.replies.items()
        if s == source and outcome in ("valid", "unchecked")
    }
    taken = {(e.channel, e.message, e.action) for e in known}
    entries: list[MessageCoverage] = []
    for operation in spec.operations:
        if operation.reply is None:
            continue
        channel = operation.reply.channel_id or operation.channel_id
        action = Action.SEND if operation.action is Action.RECEIVE else Action.RECEIVE
        for message in operation.reply.messages:
            name = message.display_name
            seen = sum(
                n for (op, reply), n in answered.items() if op == operation.id and reply == name
            )
            if (channel, name, action.value) in taken:
                continue
            taken.add((channel, name, action.value))
            entries.append(
                MessageCoverage(
                    spec=source,
                    channel=channel,
                    message=name,
                    action=action.value,
                    operations=(f"{operation.id} (reply)",),
                    seen=seen,
                    published=seen,
                    consumer=consumer,
                )
            )
    return entries
