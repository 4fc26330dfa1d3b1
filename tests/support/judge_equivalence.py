"""The fast path against the full judge: same verdict for every record, same window record.

Used by ``test_fast_path.py`` and, on every window of the plugin's own end-to-end tests, by
``tests/plugin/conftest.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pytest_asyncapi.check.contract import Outcome, judge
from pytest_asyncapi.check.results import TestOutcome, window_record

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pytest_asyncapi.captured import Captured
    from pytest_asyncapi.check.fast_path import Planner
    from pytest_asyncapi.check.recorder import Recorder
    from pytest_asyncapi.routing import Router


def record_difference(
    planner: Planner,
    router: Router,
    record: Captured,
    *,
    check_key: bool = False,
    consumers: Sequence[tuple[str, Router]] = (),
) -> str | None:
    """Why the fast path's verdict on ``record`` is not the full judge's (``None``: same).

    A record the fast path counts must get, from the full judge, VALID on every route, in
    the same order, under the same (spec, channel, message), with no violations or reasons.
    """
    keys = planner.tally(record)
    if keys is None:
        return None  # the full judge decides alone
    verdicts = judge(record, router, check_key=check_key, consumers=consumers)
    full = [
        (str(v.spec.source) if v.spec else None, v.channel, v.message, v.outcome, v.violations)
        for v in verdicts
    ]
    fast = [
        (spec, channel, message, Outcome.VALID, ())
        for spec, channel, message, destination in keys
        if destination == record.destination
    ]
    if full != fast or any(v.reasons for v in verdicts):
        return f"{record!r}: fast path {fast}, full judge {full}"
    return None


def comparable(record: dict[str, Any]) -> dict[str, Any]:
    """A window record with its count lists in a fixed order."""
    return {
        **record,
        "counts": sorted(map(tuple, record["counts"])),
        "published": sorted(map(tuple, record["published"])),
    }


def recorder_difference(recorder: Recorder, record: Captured) -> str | None:
    """:func:`record_difference` with the recorder's planner, router and options."""
    return record_difference(
        recorder.planner,
        recorder.router,
        record,
        check_key=recorder.check_key,
        consumers=recorder.consumers,
    )


def window_difference(
    recorder: Recorder, fast: TestOutcome, records: Sequence[Captured]
) -> str | None:
    """Why ``fast`` (the recorder's outcome of ``records``) is not what the full judge gives
    (``None``: the same)."""
    for record in records:
        problem = recorder_difference(recorder, record)
        if problem is not None:
            return problem
    full = TestOutcome(fast.label, recorder.verdicts(records), fast.published)
    fast_record = comparable(window_record(fast, between=False))
    full_record = comparable(window_record(full, between=False))
    if fast_record != full_record:
        return f"window {fast.label!r}: fast path {fast_record}, full judge {full_record}"
    return None
