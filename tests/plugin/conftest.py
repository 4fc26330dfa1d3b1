"""Plugin tests: every in-process run is judged by the fast path and the full judge alike."""

from __future__ import annotations

import shutil
from typing import TYPE_CHECKING

import pytest

from pytest_asyncapi.check.recorder import Recorder
from tests.support.judge_equivalence import window_difference
from tests.support.kafka_publisher import KAFKA_PUBLISHER
from tests.support.plugin_runs import SAMPLES

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from pytest_asyncapi.captured import Captured
    from pytest_asyncapi.check.results import TestOutcome


@pytest.fixture(autouse=True)
def fast_path_matches_full_judge(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every window that an in-process plugin run judges is judged by the full judge too:
    the verdicts must be the same (the fast path only counts what the judge calls valid)."""
    differences: list[str] = []
    fast = Recorder.judge_window

    def both(recorder: Recorder, label: str, records: Sequence[Captured]) -> TestOutcome:
        outcome = fast(recorder, label, records)
        problem = window_difference(recorder, outcome, records)
        if problem is not None:
            differences.append(problem)
        return outcome

    monkeypatch.setattr(Recorder, "judge_window", both)
    yield
    assert not differences, "\n".join(differences)


@pytest.fixture
def kafka_pytester(contract_pytester: pytest.Pytester) -> pytest.Pytester:
    """``contract_pytester`` plus the Kafka sample spec and a Kafka publisher module."""
    shutil.copy(SAMPLES / "orders-kafka.yaml", contract_pytester.path / "orders-kafka.yaml")
    contract_pytester.makepyfile(kafka_publisher=KAFKA_PUBLISHER)
    return contract_pytester
