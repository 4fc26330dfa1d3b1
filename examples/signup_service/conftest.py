"""Makes the ``signup_service`` package importable when pytest collects this folder, and runs
the request/reply tests only against a document that can declare replies.

Tests marked ``reply_contract`` use ``asyncapi.request``, which needs an operation with a
``reply`` (AsyncAPI 3). AsyncAPI 2.x has no reply object: with ``user-signup-2.6.yaml`` those
tests are deselected (pytest's summary counts them as ``deselected``, and a line after
collection says why); every other test runs against either document.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = str(Path(__file__).resolve().parent)
if HERE not in sys.path:
    sys.path.insert(0, HERE)

REPLY_MARKER = "reply_contract"
NO_REPLIES = pytest.StashKey[int]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{REPLY_MARKER}: uses asyncapi.request (needs an AsyncAPI 3 document whose operation "
        "declares a reply); deselected when no loaded document declares one",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    needs_reply = [item for item in items if item.get_closest_marker(REPLY_MARKER)]
    if not needs_reply or _documents_declare_replies(config):
        return
    config.hook.pytest_deselected(items=needs_reply)
    items[:] = [item for item in items if not item.get_closest_marker(REPLY_MARKER)]
    config.stash[NO_REPLIES] = len(needs_reply)


def pytest_report_collectionfinish(config: pytest.Config) -> list[str]:
    count = config.stash.get(NO_REPLIES, 0)
    if not count:
        return []
    return [
        f"signup example: {count} request/reply test(s) deselected: no loaded document "
        "declares an operation with a reply (AsyncAPI 2.x has none; use user-signup-3.0.yaml)"
    ]


def _documents_declare_replies(config: pytest.Config) -> bool:
    from pytest_asyncapi.plugin.hooks import SESSION

    session = config.stash.get(SESSION, None)
    if session is None:  # the plugin is off: the asyncapi fixtures say how to turn it on
        return True
    return any(op.reply is not None for spec in session.specs for op in spec.operations)
