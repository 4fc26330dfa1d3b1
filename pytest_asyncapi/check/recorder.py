"""The recorder: one adapter, the routes of every spec, and a window per test.

``begin_test`` drains what arrived since the last test (reported as "between tests", never
dropped); ``end_test`` drains exactly and attributes everything in the window to the test.
The cyclic garbage collector is paused while a drain hands records out and they are judged
(:mod:`pytest_asyncapi.collector`). A window is judged by the fast path
(:mod:`pytest_asyncapi.check.fast_path`: valid messages are counted; with an adapter that
builds records in its own thread, counted there while the test runs,
:mod:`pytest_asyncapi.check.count_ahead`; with one that builds them at hand-out, plain ones
are counted before a record is built, ``CaptureAdapter.counter``) and the full judge for
every other message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_asyncapi import collector
from pytest_asyncapi.check.contract import MessageVerdict, judge
from pytest_asyncapi.check.count_ahead import CountAhead
from pytest_asyncapi.check.fast_path import PlainCount, Planner
from pytest_asyncapi.check.replies import ReplyTracker
from pytest_asyncapi.check.results import TestOutcome

if TYPE_CHECKING:
    from collections import Counter
    from collections.abc import Sequence

    from pytest_asyncapi.brokers.base import CaptureAdapter
    from pytest_asyncapi.captured import Captured
    from pytest_asyncapi.check.fast_path import Tally
    from pytest_asyncapi.routing import Router
    from pytest_asyncapi.spec.model import Spec


class Recorder:
    """Drives an adapter through the tests of a session; returns each window's outcome."""

    def __init__(
        self,
        specs: Sequence[Spec],
        adapter: CaptureAdapter,
        router: Router,
        *,
        check_key: bool = False,
        consumers: Sequence[tuple[str, Router]] = (),
    ) -> None:
        self.specs = list(specs)
        self.adapter = adapter
        self.router = router
        self.check_key = check_key
        self.consumers = list(consumers)
        self.planner = Planner(router, check_key=check_key, consumers=self.consumers)
        self.window: list[Captured] = []
        self.published: list[tuple[str, str, str]] = []
        self.current: str | None = None
        self.previous: str | None = None
        self.replies = ReplyTracker(self.specs, router, check_key=check_key)
        self.ahead = CountAhead(self.planner)
        self.plain = PlainCount(self.planner)

    def start(self) -> None:
        """Subscribe to every declared destination (confirmed by the broker) plus a catch-all."""
        if not self.replies.active:  # requests are paired by the full judge at the window
            self.adapter.observer = self.ahead.observe
            self.adapter.counter = self.plain
        self.adapter.start(self.router.patterns())

    def begin_test(self, label: str) -> TestOutcome | None:
        """Open ``label``'s window; what arrived before it is judged as between tests.

        A round trip without the quiet window: the previous test's window already settled.
        """
        with collector.paused():
            stray = self._between(*self._drain(settle=False))
        self.current = label
        self.window = []
        self.published = []
        return stray

    def pending(self) -> list[Captured]:
        """The current window, with whatever has arrived so far."""
        self.window.extend(self.adapter.take(0))
        return self.window

    def wait(self, timeout: float) -> list[Captured]:
        """Wait up to ``timeout`` s for more messages; return the new ones."""
        new = self.adapter.take(timeout)
        self.window.extend(new)
        return new

    def end_test(self) -> TestOutcome:
        """Drain exactly, judge the window and attribute it to the current test."""
        with collector.paused():
            records, counted = self._drain()
            self.window.extend(records)
            label = self.current or "<unknown>"
            outcome = self._outcome(label, self.window, self.published, counted)
            # let go of the window's records before the collector resumes, not after its first
            # pass has walked them all
            self.previous, self.current, self.window, self.published = self.current, None, [], []
        return outcome

    def finish(self) -> TestOutcome | None:
        """Judge what arrived after the last test (e.g. during its teardown)."""
        with collector.paused():
            return self._between(*self._drain())

    def verdicts(self, records: Sequence[Captured]) -> list[MessageVerdict]:
        """The full judge's verdicts on ``records`` (one per route, as :func:`judge`)."""
        return [
            v
            for r in records
            for v in judge(r, self.router, check_key=self.check_key, consumers=self.consumers)
        ]

    def judge_window(self, label: str, records: Sequence[Captured]) -> TestOutcome:
        """Valid messages counted by the fast path; every other one judged in full."""
        valid, rest = self.ahead.count(records)
        verdicts = [v for record in rest for v in self._judge(record)]
        return TestOutcome(label, verdicts, valid=valid)

    def _drain(self, *, settle: bool = True) -> tuple[list[Captured], Counter[Tally]]:
        """The adapter's drain, and the valid messages it counted instead of handing out."""
        records = self.adapter.drain(settle=settle)
        return records, self.plain.take()

    def _between(self, records: list[Captured], counted: Counter[Tally]) -> TestOutcome | None:
        if not records and not counted and not self.replies.pending:
            return None
        after = f"after {self.previous}" if self.previous else "before the first test"
        outcome = self._outcome(f"between tests ({after})", records, [], counted)
        empty = not (outcome.verdicts or outcome.replies or outcome.valid)
        return None if empty else outcome

    def _outcome(
        self,
        label: str,
        records: Sequence[Captured],
        published: list[tuple[str, str, str]],
        counted: Counter[Tally],
    ) -> TestOutcome:
        """Judge a window (replies as replies) plus the valid messages ``counted`` at its
        drain; requests left without a reply are missing.

        Without request/reply operations, by the fast path (:meth:`judge_window`); with them,
        requests and the records a request waits for by the full judge (the reply tracker
        needs their verdicts to pair them), every other record by the fast path."""
        if self.replies.active:
            verdicts, valid = self.replies.judge_window(records, self._judge, self.planner.tally)
            outcome = TestOutcome(label, verdicts, valid=valid)
        else:
            outcome = self.judge_window(label, records)
        outcome.valid.update(counted)
        self.replies.end_window()
        outcome.published = published
        outcome.replies = self.replies.take_pairs()
        return outcome

    def _judge(self, record: Captured) -> list[MessageVerdict]:
        return judge(record, self.router, check_key=self.check_key, consumers=self.consumers)
