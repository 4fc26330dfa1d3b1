"""The run's results as plain, mergeable data.

Each test window becomes one :func:`window_record` — a JSON-able dict that travels on the
test's pytest report (so pytest-xdist workers ship it to the controller) — and
:class:`RunResults` merges records, in any order, into the counts that the summary, the
coverage and the reports read. Memory stays bounded: counts and violations are kept, payloads
are not (at most :data:`MAX_KEPT` violations and unchecked entries are kept in detail).
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pytest_asyncapi.check.contract import MessageVerdict, Outcome, Violation

if TYPE_CHECKING:
    from pytest_asyncapi.check.replies import Pair

MAX_KEPT = 1000
"""Violations (and unchecked entries) kept in detail; beyond it only counts grow."""
MAX_WINDOWS = 5000
"""Test windows kept for the run's timeline; beyond it only ``windows_truncated`` is set."""
MAX_DESTINATIONS = 10_000
"""Distinct undeclared destinations counted one by one; the rest are counted together."""
OTHER_DESTINATIONS = "(other undeclared destinations)"


@dataclass
class TestOutcome:
    """What one test (or one between-tests window) produced."""

    label: str
    verdicts: list[MessageVerdict]
    published: list[tuple[str, str, str]] = field(default_factory=list)
    """(spec, channel, message) of what the test published through ``asyncapi.publish``."""
    replies: list[Pair] = field(default_factory=list)
    """Request/reply pairs of the window, a missing reply included (``Pair.reply`` ``None``)."""
    valid: Counter[tuple[str, str, str, str]] = field(default_factory=Counter)
    """Valid messages the fast path counted instead of giving them a verdict each:
    (spec, channel, message, destination) -> count."""

    @property
    def violations(self) -> list[Violation]:
        return [v for verdict in self.verdicts for v in verdict.violations]

    @property
    def unchecked(self) -> list[MessageVerdict]:
        return [v for v in self.verdicts if v.outcome is Outcome.UNCHECKED]

    @property
    def undeclared(self) -> list[MessageVerdict]:
        return [v for v in self.verdicts if v.outcome is Outcome.UNDECLARED]


def window_record(outcome: TestOutcome, *, between: bool) -> dict[str, Any]:
    """One window's results as a JSON-able dict (see :meth:`RunResults.add`)."""
    counts: Counter[tuple[str, str, str, str]] = Counter()
    undeclared: Counter[str] = Counter()
    unchecked = []
    for verdict in outcome.verdicts:
        if verdict.outcome is Outcome.UNDECLARED or verdict.spec is None:
            undeclared[verdict.captured.destination] += 1
            continue
        key = (str(verdict.spec.source), verdict.channel or "", verdict.message or "")
        counts[(*key, verdict.outcome.value)] += 1
        if verdict.outcome is Outcome.UNCHECKED:
            unchecked.append(
                {
                    "spec": key[0],
                    "channel": key[1],
                    "message": key[2] or None,
                    "destination": verdict.captured.destination,
                    "reasons": list(verdict.reasons),
                }
            )
    for (spec, channel, message, _destination), n in outcome.valid.items():
        counts[(spec, channel, message, Outcome.VALID.value)] += n
    return {
        "label": outcome.label,
        "between": between,
        "counts": [[*key, n] for key, n in counts.items()],
        "undeclared": dict(undeclared),
        "violations": [dataclasses.asdict(v) for v in outcome.violations],
        "unchecked": unchecked[:MAX_KEPT],
        "published": [[*key, n] for key, n in Counter(outcome.published).items()],
        "replies": [
            [*key, n]
            for key, n in Counter(
                (p.spec, p.operation, p.request, p.reply, p.outcome) for p in outcome.replies
            ).items()
        ],
        "missing_replies": [
            [p.spec, p.operation, p.request] for p in outcome.replies if p.reply is None
        ][:MAX_KEPT],
    }


@dataclass
class ChannelCounts:
    """Messages seen on one channel of one spec, by outcome, and per message name."""

    seen: int = 0
    valid: int = 0
    invalid: int = 0
    unchecked: int = 0
    by_message: Counter[str] = field(default_factory=Counter)
    """Messages matched to each declared message (valid or unchecked: coverage)."""
    by_outcome: Counter[tuple[str, str]] = field(default_factory=Counter)
    """(message, outcome) -> count, invalid ones included (matched to the closest message)."""

    def add(self, message: str, outcome: str, count: int) -> None:
        self.seen += count
        setattr(self, outcome, getattr(self, outcome) + count)
        self.by_outcome[(message, outcome)] += count
        if message and outcome != Outcome.INVALID.value:
            self.by_message[message] += count


@dataclass
class RunResults:
    """Everything the summary, the coverage and the reports need, merged over the run."""

    channels: dict[tuple[str, str], ChannelCounts] = field(default_factory=dict)
    undeclared: Counter[str] = field(default_factory=Counter)
    violations: list[dict[str, Any]] = field(default_factory=list)
    violation_count: int = 0
    failing_tests: Counter[str] = field(default_factory=Counter)
    between_tests: list[dict[str, Any]] = field(default_factory=list)
    unchecked: list[dict[str, Any]] = field(default_factory=list)
    published: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    replies: Counter[tuple[str, str, str, str | None, str]] = field(default_factory=Counter)
    """(spec, operation, request, reply message or ``None``, outcome or ``missing``) -> count."""
    missing_replies: list[dict[str, Any]] = field(default_factory=list)
    """Requests that got no reply (first :data:`MAX_KEPT`), with the window they were in."""
    messages_total: int = 0
    tests: int = 0
    windows: list[dict[str, Any]] = field(default_factory=list)
    """Each window in the order it was merged: label, between, messages and their outcomes."""
    windows_truncated: bool = False

    def add(self, record: dict[str, Any]) -> None:
        """Merge one :func:`window_record`."""
        label = record["label"]
        self.tests += not record["between"]
        for spec, channel, message, outcome, count in record["counts"]:
            self.channels.setdefault((spec, channel), ChannelCounts()).add(message, outcome, count)
            self.messages_total += count
        for destination, count in record["undeclared"].items():
            known = destination in self.undeclared or len(self.undeclared) < MAX_DESTINATIONS
            self.undeclared[destination if known else OTHER_DESTINATIONS] += count
            self.messages_total += count
        for spec, channel, message, count in record["published"]:
            self.published[(spec, channel, message)] += count
        for spec, operation, request, reply, outcome, count in record.get("replies", []):
            self.replies[(spec, operation, request, reply, outcome)] += count
        room = MAX_KEPT - len(self.missing_replies)
        self.missing_replies += [
            {"spec": s, "operation": o, "request": r, "test": label}
            for s, o, r in record.get("missing_replies", [])
        ][: max(room, 0)]
        violations = [{**v, "test": label} for v in record["violations"]]
        self.violation_count += len(violations)
        room = MAX_KEPT - len(self.violations)
        self.violations += violations[: max(room, 0)]
        room = MAX_KEPT - len(self.unchecked)
        self.unchecked += [{**u, "test": label} for u in record["unchecked"]][: max(room, 0)]
        self._window(record, len(violations))
        if record["between"]:
            if record["counts"] or record["undeclared"]:
                messages = sum(c[-1] for c in record["counts"]) + sum(record["undeclared"].values())
                self.between_tests.append(
                    {"label": label, "messages": messages, "violations": len(violations)}
                )
        elif violations:
            self.failing_tests[label] += len(violations)

    def _window(self, record: dict[str, Any], violations: int) -> None:
        undeclared = sum(record["undeclared"].values())
        messages = sum(c[-1] for c in record["counts"]) + undeclared
        if record["between"] and not messages:
            return
        if len(self.windows) >= MAX_WINDOWS:
            self.windows_truncated = True
            return
        unchecked = sum(c[-1] for c in record["counts"] if c[3] == Outcome.UNCHECKED.value)
        self.windows.append(
            {
                "label": record["label"],
                "between": record["between"],
                "messages": messages,
                "violations": violations,
                "unchecked": unchecked,
                "undeclared": undeclared,
            }
        )

    def counts(self, spec: str, channel: str) -> ChannelCounts:
        return self.channels.get((spec, channel), ChannelCounts())

    @property
    def stray_violations(self) -> int:
        """Violations in messages that no test can be blamed for (between tests)."""
        return sum(b["violations"] for b in self.between_tests)
