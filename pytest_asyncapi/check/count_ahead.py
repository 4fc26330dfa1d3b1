"""Counting valid records while the test runs, for adapters that build their records in their
own thread (Kafka): the fast path counts each list there, before the list can be handed out,
and judging the window adds those counts up instead of counting again.

An adapter hands its lists out whole, so a window is made of whole lists; a counted list is
found in the window by its first and last ``seq`` and its length. Whatever is not found so
(a list whose count failed, a window that splits one) is counted when the window is judged,
as before. Only the sums move: the counts, and the records left for the full judge in their
order, are those of :meth:`~pytest_asyncapi.check.fast_path.Planner.count` on the whole window
(a test, ``tests/model/test_count_ahead.py``).
"""

from __future__ import annotations

from collections import Counter, deque
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pytest_asyncapi.captured import Captured
    from pytest_asyncapi.check.fast_path import Planner, Tally

__all__ = ["CountAhead"]

_Counted = tuple[int, int, int, Counter["Tally"], list["Captured"]]
"""A counted list: first seq, last seq, length, its valid counts, its records for the judge."""


class CountAhead:
    """The counts of the lists an adapter built, until a window takes them."""

    def __init__(self, planner: Planner) -> None:
        self.planner = planner
        self._counted: deque[_Counted] = deque()

    def observe(self, records: list[Captured]) -> None:
        """The adapter's observer (its own thread): count ``records`` now."""
        try:
            valid, rest = self.planner.count(records)
        except Exception:  # counted again at the window, where the error is reported
            return
        self._counted.append((records[0].seq, records[-1].seq, len(records), valid, rest))

    def count(self, records: Sequence[Captured]) -> tuple[Counter[Tally], list[Captured]]:
        """What ``planner.count(records)`` returns, taken from the lists counted ahead."""
        counted = self._counted
        if not counted:
            return self.planner.count(records)
        valid: Counter[Tally] = Counter()
        rest: list[Captured] = []
        start = i = 0
        n = len(records)
        while i < n and counted:
            first, last, size, list_valid, list_rest = counted[0]
            seq = records[i].seq
            if last < seq:  # a list of an earlier window (counted there record by record)
                counted.popleft()
            elif first == seq and i + size <= n and records[i + size - 1].seq == last:
                counted.popleft()
                self._add(records[start:i], valid, rest)
                valid.update(list_valid)
                rest.extend(list_rest)
                i = start = i + size
            else:
                i += 1
        self._add(records[start:], valid, rest)
        return valid, rest

    def _add(
        self, records: Sequence[Captured], valid: Counter[Tally], rest: list[Captured]
    ) -> None:
        if records:
            more_valid, more_rest = self.planner.count(records)
            valid.update(more_valid)
            rest.extend(more_rest)
