"""Start and stop: a backlog is relayed at start; SIGTERM drains the outbox and exits 0."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from signup_service import ServiceStopping, SignupService, Store

if TYPE_CHECKING:
    from pytest_asyncapi.plugin.fixtures import AsyncAPIFixture
    from pytest_asyncapi.plugin.session import BrokerInfo

SERVICE_ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.asyncio
async def test_start_relays_what_an_earlier_run_left(
    asyncapi_broker: BrokerInfo, asyncapi: AsyncAPIFixture, tmp_path: Path
) -> None:
    # An earlier run committed a sign-up but died before relaying it (at-least-once).
    leftover = str(uuid.uuid4())
    store = Store(tmp_path / "users.db")
    store.sign_up(leftover, "niklaus@example.ch", "Niklaus")
    store.close()

    async with SignupService(tmp_path / "users.db", asyncapi_broker.url) as service:
        [event] = await asyncapi.aexpect("user/signedup")
        assert json.loads(event.payload)["userId"] == leftover
        assert service.store.outbox_size() == 0


@pytest.mark.asyncio
async def test_a_stopped_service_refuses_new_sign_ups(
    asyncapi_broker: BrokerInfo, tmp_path: Path
) -> None:
    service = SignupService(tmp_path / "users.db", asyncapi_broker.url)
    await service.start()
    await service.stop()

    with pytest.raises(ServiceStopping, match="shutting down"):
        await service.sign_up("late@example.com", "Late")


@pytest.mark.asyncio
async def test_sigterm_relays_in_flight_events_and_exits_0(
    asyncapi_broker: BrokerInfo, asyncapi: AsyncAPIFixture, tmp_path: Path
) -> None:
    db = tmp_path / "users.db"
    env = {
        **os.environ,
        "NATS_URL": asyncapi_broker.url,
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(SERVICE_ROOT), os.environ.get("PYTHONPATH")])
        ),
    }
    # The relay would only poll once an hour: the events below can leave only because
    # shutdown drains the outbox.
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "signup_service",
        "--db",
        str(db),
        "--fallback-interval",
        "3600",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        ready = await asyncio.wait_for(process.stdout.readline(), timeout=15)
        assert ready == b"signup-service ready\n"

        # Work in flight: sign-ups committed to the shared database (as by another instance)
        # that the running process has not relayed yet.
        store = Store(db)
        ids = [str(uuid.uuid4()), str(uuid.uuid4())]
        store.sign_up(ids[0], "margaret@example.com", "Margaret", "enterprise")
        store.sign_up(ids[1], "john@example.com", "John")
        store.close()

        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=15)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()

    assert process.returncode == 0, stderr.decode()
    events = await asyncapi.aexpect("user/signedup", count=2)
    assert [json.loads(e.payload)["userId"] for e in events] == ids
    store = Store(db)
    assert store.outbox_size() == 0
    store.close()
