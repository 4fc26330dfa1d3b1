"""Run results and routing caches stay bounded however much traffic a session sees."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pytest_asyncapi import routing
from pytest_asyncapi.check import results as results_module
from pytest_asyncapi.check.results import OTHER_DESTINATIONS, RunResults
from pytest_asyncapi.routing import Router, build_routes
from pytest_asyncapi.spec.loader import load_spec

SAMPLES = Path(__file__).resolve().parents[2] / "sample_specs"


def record(
    label: str, *, undeclared: dict[str, int] | None = None, violations: int = 0
) -> dict[str, Any]:
    violation = {
        "spec": "s",
        "channel": "c",
        "message": "m",
        "destination": "d",
        "part": "payload",
        "pointer": "",
        "keyword": "type",
        "text": "t",
        "schema_location": "#",
        "schema_excerpt": "",
        "value_excerpt": "",
        "consumer": None,
    }
    return {
        "label": label,
        "between": False,
        "counts": [],
        "undeclared": undeclared or {},
        "violations": [violation] * violations,
        "unchecked": [],
        "published": [],
    }


def test_undeclared_destinations_are_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(results_module, "MAX_DESTINATIONS", 3)
    results = RunResults()
    results.add(record("t", undeclared={f"d{i}": 1 for i in range(5)}))
    results.add(record("u", undeclared={"d0": 2, "d9": 1}))
    assert results.undeclared == {"d0": 3, "d1": 1, "d2": 1, OTHER_DESTINATIONS: 3}
    assert results.messages_total == 8


def test_violation_details_are_capped_but_counted() -> None:
    results = RunResults()
    for index in range(30):
        results.add(record(f"t{index}", violations=50))
    assert results.violation_count == 1500
    assert len(results.violations) == results_module.MAX_KEPT
    assert len(results.failing_tests) == 30


def test_router_cache_starts_over_past_its_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(routing, "ROUTER_CACHE_LIMIT", 10)
    routes, _ = build_routes([load_spec(SAMPLES / "streetlights-params.yaml")], "nats")
    router = Router(routes)
    for index in range(25):
        assert router.match(f"smartylighting.streetlights.1.0.event.l{index}.lighting.measured")
    assert len(router._cache) <= 10
