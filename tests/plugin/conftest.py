"""Shared helpers for end-to-end plugin tests: pytester runs against a real nats-server."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

# Import the plugin's heavy modules here, in the outer process: pytester's in-process runs drop
# the modules an inner run imported, and libyaml's C parser cannot be re-initialised with the
# re-imported event classes. Modules already imported before a run are kept.
import pytest_asyncapi.brokers.containers
import pytest_asyncapi.brokers.nats.capture
import pytest_asyncapi.brokers.provision
import pytest_asyncapi.plugin.fixtures
import pytest_asyncapi.plugin.session  # noqa: F401
from pytest_asyncapi.check.recorder import Recorder
from tests.model.judge_equivalence import window_difference

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from pytest_asyncapi.captured import Captured
    from pytest_asyncapi.check.results import TestOutcome

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "sample_specs"

PUBLISHER = '''
import asyncio, json, os
import nats


def publish(subject, payload, headers=None, raw=None):
    """Publish like a service would: its own nats-py connection, confirmed by the server.

    Two flushes: nats-py 2.16 writes a flush's PING ahead of a PUB still pending, so the first
    PONG does not prove the server saw the PUB (the race behind a teardown message charged to
    the next test); the second PING follows the PUB on the wire.
    """
    async def go():
        nc = await nats.connect(os.environ["NATS_URL"])
        body = raw if raw is not None else json.dumps(payload).encode()
        await nc.publish(subject, body, headers=headers)
        await nc.flush()
        await nc.flush()
        await nc.close()
    asyncio.run(go())


GOOD = {
    "userId": "3f1c1a52-8a57-4d0b-9d53-4f8f3f8f6f11",
    "email": "ada@example.com",
    "displayName": "Ada",
    "signedUpAt": "2026-11-28T10:00:00Z",
}
HEADERS = {"x-correlation-id": "0b7f4c1e-2a4f-4c55-9f0e-6a2b4f9f1c3d", "x-schema-version": "2"}
'''


@pytest.fixture
def contract_pytester(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> pytest.Pytester:
    """A pytester with the sample specs copied in and a publishing helper module."""
    for name in (
        "user-signup-3.0.yaml",
        "user-signup-2.6.yaml",
        "streetlights-params.yaml",
        "telemetry-avro.yaml",
    ):
        shutil.copy(SAMPLES / name, pytester.path / name)
    pytester.makepyfile(publisher=PUBLISHER)
    pytester.makeini(
        "[pytest]\nasyncio_mode = strict\nasyncio_default_fixture_loop_scope = function\n"
    )
    monkeypatch.delenv("NATS_URL", raising=False)
    monkeypatch.delenv("ASYNCAPI_BROKER", raising=False)
    return pytester


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
