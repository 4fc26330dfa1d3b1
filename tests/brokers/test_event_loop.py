"""Captures run their event loop on uvloop where it is installed, else on asyncio's."""

from __future__ import annotations

import asyncio
import sys

import pytest
import uvloop

from pytest_asyncapi.brokers.event_loop import new_event_loop


def test_uvloop_where_installed() -> None:
    loop = new_event_loop()
    try:
        assert isinstance(loop, uvloop.Loop)
    finally:
        loop.close()


def test_asyncio_without_uvloop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)  # what an absent package looks like
    loop = new_event_loop()
    try:
        assert not isinstance(loop, uvloop.Loop)
        assert isinstance(loop, asyncio.AbstractEventLoop)
    finally:
        loop.close()
