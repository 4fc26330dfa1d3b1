"""Paths and publisher modules for end-to-end plugin runs (pytester against real brokers)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest_asyncapi.brokers.containers
import pytest_asyncapi.brokers.nats.capture
import pytest_asyncapi.brokers.provision
import pytest_asyncapi.plugin.fixtures
import pytest_asyncapi.plugin.session  # noqa: F401

if TYPE_CHECKING:
    pass


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
