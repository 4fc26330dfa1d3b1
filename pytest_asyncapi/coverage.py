"""Contract coverage: which declared messages the tests exercised.

A *send* message (one the application sends, by any send operation) is covered when at least
one captured message was matched to it (valid or unchecked; an invalid message is a failure,
not coverage). A *receive* message is covered when a test drove it through
``asyncapi.publish``. The coverage figure is the share of covered send messages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from pytest_asyncapi.spec.model import Action

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pytest_asyncapi.results import RunResults
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

    @property
    def covered(self) -> bool:
        return (self.seen if self.action == Action.SEND.value else self.published) > 0


@dataclass(frozen=True)
class Coverage:
    """Coverage of every spec's send and receive messages."""

    messages: tuple[MessageCoverage, ...]

    @property
    def sent(self) -> list[MessageCoverage]:
        return [m for m in self.messages if m.action == Action.SEND.value]

    @property
    def received(self) -> list[MessageCoverage]:
        return [m for m in self.messages if m.action == Action.RECEIVE.value]

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


def compute(specs: Sequence[Spec], results: RunResults) -> Coverage:
    """Coverage of ``specs`` by what ``results`` saw and published."""
    entries: list[MessageCoverage] = []
    for spec in specs:
        source = str(spec.source)
        for channel in spec.channels:
            counts = results.counts(source, channel.id)
            for action in (Action.SEND, Action.RECEIVE):
                operations = [op for op in spec.operations_on(channel) if op.action is action]
                names = dict.fromkeys(m.display_name for op in operations for m in op.messages)
                for name in names:
                    entries.append(
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
                        )
                    )
    return Coverage(tuple(entries))
