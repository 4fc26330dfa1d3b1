"""The run's results as plain data: counts per channel and message, violations per test,
undeclared destinations, messages that arrived between tests.

Memory stays bounded: counts and violations are kept, payloads are not.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from pytest_asyncapi.contract import MessageVerdict, Outcome, Violation


@dataclass
class ChannelCounts:
    """Messages seen on one channel of one spec, by outcome."""

    seen: int = 0
    valid: int = 0
    invalid: int = 0
    unchecked: int = 0
    by_message: Counter[str] = field(default_factory=Counter)

    def add(self, verdict: MessageVerdict) -> None:
        self.seen += 1
        if verdict.outcome is Outcome.VALID:
            self.valid += 1
        elif verdict.outcome is Outcome.INVALID:
            self.invalid += 1
        else:
            self.unchecked += 1
        if verdict.message is not None and verdict.outcome is not Outcome.INVALID:
            self.by_message[verdict.message] += 1


@dataclass
class TestOutcome:
    """What one test (or one between-tests window) produced."""

    label: str
    verdicts: list[MessageVerdict]

    @property
    def violations(self) -> list[Violation]:
        return [v for verdict in self.verdicts for v in verdict.violations]

    @property
    def unchecked(self) -> list[MessageVerdict]:
        return [v for v in self.verdicts if v.outcome is Outcome.UNCHECKED]

    @property
    def undeclared(self) -> list[MessageVerdict]:
        return [v for v in self.verdicts if v.outcome is Outcome.UNDECLARED]


@dataclass
class RunResults:
    """Everything the summary and the reports need, accumulated over the session."""

    channels: dict[tuple[str, str], ChannelCounts] = field(default_factory=dict)
    undeclared: Counter[str] = field(default_factory=Counter)
    failing_tests: dict[str, list[Violation]] = field(default_factory=dict)
    between_tests: list[TestOutcome] = field(default_factory=list)
    published: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    messages_total: int = 0

    def record(self, outcome: TestOutcome, *, between: bool = False) -> None:
        for verdict in outcome.verdicts:
            self.messages_total += 1
            if verdict.outcome is Outcome.UNDECLARED:
                self.undeclared[verdict.captured.destination] += 1
                continue
            assert verdict.spec is not None
            assert verdict.channel is not None
            key = (str(verdict.spec.source), verdict.channel)
            self.channels.setdefault(key, ChannelCounts()).add(verdict)
        if between and outcome.verdicts:
            self.between_tests.append(outcome)
        elif outcome.violations:
            self.failing_tests[outcome.label] = outcome.violations

    def counts(self, spec: str, channel: str) -> ChannelCounts:
        return self.channels.get((spec, channel), ChannelCounts())
