"""``Captured``: a frozen record, however it is built (its fast constructors included)."""

from __future__ import annotations

import dataclasses
import pickle

import pytest

from pytest_asyncapi.captured import Captured


def test_the_plain_constructor_builds_the_same_record() -> None:
    fast = Captured.plain("orders.eu", b"{}", 12.5, 7)
    full = Captured("orders.eu", b"{}", None, 12.5, 7)
    assert fast == full
    assert hash(fast) == hash(full)
    assert repr(fast) == repr(full)
    assert dataclasses.astuple(fast) == dataclasses.astuple(full)
    assert pickle.loads(pickle.dumps(fast)) == full
    assert dataclasses.replace(fast, key=b"k") == Captured("orders.eu", b"{}", None, 12.5, 7, b"k")


def test_a_record_cannot_be_changed() -> None:
    for record in (Captured.plain("a", b"", 0.0, 1), Captured("a", b"", None, 0.0, 1, reply="r")):
        with pytest.raises(dataclasses.FrozenInstanceError):
            record.seq = 2  # type: ignore[misc]
        assert record.header("x") is None


def test_every_field_is_kept() -> None:
    record = Captured(
        "t", b"p", (("h", b"1"),), 1.0, 2, b"k", 3, 4, 5, "r", "d", tombstone=True, retained=True
    )
    assert dataclasses.astuple(record) == (
        "t",
        b"p",
        (("h", b"1"),),
        1.0,
        2,
        b"k",
        3,
        4,
        5,
        "r",
        "d",
        True,
        True,
    )
    assert record.header("h") == b"1"
