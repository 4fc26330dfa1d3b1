"""Plugin tests: every in-process run is judged by the fast path and the full judge alike."""

from __future__ import annotations

import shutil
from typing import TYPE_CHECKING

import pytest

from pytest_asyncapi.captured import Captured
from pytest_asyncapi.check.recorder import Recorder
from tests.support.judge_equivalence import recorder_difference, window_difference
from tests.support.kafka_publisher import KAFKA_PUBLISHER
from tests.support.plugin_runs import SAMPLES

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from pytest_asyncapi.check.results import TestOutcome


@pytest.fixture(autouse=True)
def fast_path_matches_full_judge(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every window that an in-process plugin run judges is judged by the full judge too:
    the verdicts must be the same (the fast path only counts what the judge calls valid).
    So is every message a drain counts before building its record (NATS)."""
    differences: list[str] = []
    fast = Recorder.judge_window
    start = Recorder.start

    def checked_start(recorder: Recorder) -> None:
        start(recorder)
        count = recorder.adapter.counter
        if count is None:
            return

        def checked(destination: str, payloads: Sequence[bytes]) -> list[int] | None:
            left = count(destination, payloads)
            for i, payload in enumerate(payloads):
                if left is None or i in left:
                    continue
                record = Captured.plain(destination, payload, 0.0, 0)
                problem = recorder_difference(recorder, record)
                if recorder.planner.tally(record) is None:
                    problem = f"{record!r}: counted at the drain, not by the fast path"
                if problem is not None:
                    differences.append(problem)
            return left

        recorder.adapter.counter = checked

    def both(recorder: Recorder, label: str, records: Sequence[Captured]) -> TestOutcome:
        outcome = fast(recorder, label, records)
        problem = window_difference(recorder, outcome, records)
        if problem is not None:
            differences.append(problem)
        return outcome

    monkeypatch.setattr(Recorder, "judge_window", both)
    monkeypatch.setattr(Recorder, "start", checked_start)
    yield
    assert not differences, "\n".join(differences)


@pytest.fixture
def kafka_pytester(contract_pytester: pytest.Pytester) -> pytest.Pytester:
    """``contract_pytester`` plus the Kafka sample spec and a Kafka publisher module."""
    shutil.copy(SAMPLES / "orders-kafka.yaml", contract_pytester.path / "orders-kafka.yaml")
    contract_pytester.makepyfile(kafka_publisher=KAFKA_PUBLISHER)
    return contract_pytester
