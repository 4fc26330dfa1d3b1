"""Counting ahead (in the capture's thread) gives what counting the window gives: on fuzzed
records cut into lists and windows at random, with some lists never counted ahead; a count
that fails ahead is done again at the window."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_asyncapi.check.count_ahead import CountAhead
from pytest_asyncapi.check.fast_path import Planner
from pytest_asyncapi.routing import Router, build_routes
from pytest_asyncapi.spec.loader import load_spec
from tests.model.test_fast_path import FUZZ_SPEC, captured

if TYPE_CHECKING:
    from pytest_asyncapi.captured import Captured

GOOD = orjson.dumps({"id": "123e4567-e89b-12d3-a456-426614174000", "reason": "fraud"})
PAYLOADS = [GOOD, b"not json", b'{"id": "a"}', orjson.dumps({"id": "a", "total": 3})]
DESTINATIONS = ["orders.eu", "orders.us", "notes", "loose", "x"]


@pytest.fixture(scope="module")
def planner(tmp_path_factory: pytest.TempPathFactory) -> Planner:
    path = tmp_path_factory.mktemp("ahead") / "fuzz.yaml"
    path.write_text(textwrap.dedent(FUZZ_SPEC))
    spec = load_spec(path)
    return Planner(Router(build_routes([spec], "nats")[0]))


def cut(records: list[Captured], sizes: list[int]) -> list[list[Captured]]:
    """``records`` in consecutive pieces of ``sizes`` (the last piece takes the rest)."""
    pieces, start = [], 0
    for size in sizes:
        if start >= len(records):
            break
        pieces.append(records[start : start + size])
        start += size
    if start < len(records):
        pieces.append(records[start:])
    return pieces


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_counting_ahead_gives_the_window_count(planner: Planner, data: st.DataObject) -> None:
    records = [
        captured(
            data.draw(st.sampled_from(DESTINATIONS)),
            data.draw(st.sampled_from(PAYLOADS)),
            data.draw(st.none() | st.just((("x-version", b"2"),))),
        )
        for _ in range(data.draw(st.integers(1, 40)))
    ]
    lists = cut(records, data.draw(st.lists(st.integers(1, 8), max_size=10)))
    ahead = CountAhead(planner)
    for piece in lists:
        if data.draw(st.booleans()) or len(lists) == 1:  # some lists are never counted ahead
            ahead.observe(piece)
    # windows of whole lists mostly; a cut inside a list is counted at the window
    windows = cut(records, data.draw(st.lists(st.integers(1, 20), max_size=6)))
    for window in windows:
        valid, rest = ahead.count(window)
        expected_valid, expected_rest = planner.count(window)
        assert valid == expected_valid
        assert rest == expected_rest


def test_whole_lists_are_not_counted_again(
    planner: Planner, monkeypatch: pytest.MonkeyPatch
) -> None:
    ahead = CountAhead(planner)
    first = [captured("orders.eu", GOOD) for _ in range(3)]
    second = [captured("orders.eu", b"not json"), captured("orders.eu", GOOD)]
    ahead.observe(first)
    ahead.observe(second)
    counted: list[int] = []
    count = planner.count
    monkeypatch.setattr(planner, "count", lambda rs: counted.append(len(rs)) or count(rs))
    valid, rest = ahead.count(first + second)
    assert sum(valid.values()) == 4
    assert rest == second[:1]
    assert counted == []  # both lists came from their counts ahead


def test_a_count_that_fails_ahead_is_done_at_the_window(
    planner: Planner, monkeypatch: pytest.MonkeyPatch
) -> None:
    ahead = CountAhead(planner)
    records = [captured("orders.eu", GOOD) for _ in range(2)]
    count = planner.count

    def broken(rs: list[Captured]) -> object:
        raise RuntimeError("a bug in the fast path")

    monkeypatch.setattr(planner, "count", broken)
    ahead.observe(records)  # the capture thread carries on
    monkeypatch.setattr(planner, "count", count)
    valid, rest = ahead.count(records)
    assert sum(valid.values()) == 2
    assert rest == []
